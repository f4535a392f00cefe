"""Every registered task, built-in or third-party, passes the same conformance suite, on each of
its checkpoints (``zoo_check`` comes from zoo.testing.pytest_plugin, as in a plugin's own tests)."""
import pytest

import zoo

CHECKPOINTS = [(name, c.id) for name, ckpts in sorted(zoo.registry().checkpoints.items()) for c in ckpts]


@pytest.mark.parametrize("task_name,checkpoint", CHECKPOINTS, ids=[f"{t}:{c}" for t, c in CHECKPOINTS])
def test_conformance(task_name, checkpoint, zoo_check, tmp_path):
    task = zoo.registry().task(task_name)
    zoo_check(task, zoo.pipeline(task_name, checkpoint=checkpoint, device="cpu"), tmp_path)
