"""Every registered task, built-in or third-party, passes the same conformance suite, on each of
its checkpoints."""
import pytest

import zoo
from zoo.testing.conformance import CHECKS

CHECKPOINTS = [(name, c.id) for name, ckpts in sorted(zoo.registry().checkpoints.items()) for c in ckpts]


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__.removeprefix("check_"))
@pytest.mark.parametrize("task_name,checkpoint", CHECKPOINTS, ids=[f"{t}:{c}" for t, c in CHECKPOINTS])
def test_conformance(task_name, checkpoint, check, tmp_path):
    task = zoo.registry().task(task_name)
    check(task, zoo.pipeline(task_name, checkpoint=checkpoint, device="cpu"), tmp_path)
