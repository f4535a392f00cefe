"""Every registered task, built-in or third-party, passes the same conformance suite."""
import pytest

import zoo
from zoo.testing.conformance import CHECKS

TASKS = sorted(zoo.registry().tasks)


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__.removeprefix("check_"))
@pytest.mark.parametrize("task_name", TASKS)
def test_conformance(task_name, check, tmp_path):
    task = zoo.registry().task(task_name)
    check(task, zoo.pipeline(task_name, device="cpu"), tmp_path)
