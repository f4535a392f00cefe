"""The added checkpoint passes the zoo's conformance suite inside the forecasting task."""
import lstm_zoo_forecasting_log as plugin
import pytest

import zoo
from zoo.checkpoint import content_revision
from zoo.plugins import manager


@pytest.fixture
def registry():
    if any(p.module == plugin.__name__ for p in zoo.registry().plugins):
        yield zoo.registry()  # pip-installed: the entry point registered it
    else:
        with manager.registered(plugin, name="forecasting_log") as reg:
            yield reg


def test_it_adds_a_checkpoint_to_forecasting_and_no_task(registry):
    info = next(p for p in registry.plugins if p.module == plugin.__name__)
    assert not info.error and info.tasks == [] and info.checkpoints == ["forecasting:m3-monthly-log"]


def test_the_bundle_is_the_pinned_content():
    assert content_revision(plugin.CHECKPOINT.bundled) == plugin.CHECKPOINT.digest


def test_conformance(zoo_check, registry, tmp_path):
    task = registry.task("forecasting")
    zoo_check(task, zoo.pipeline(task, checkpoint="m3-monthly-log", device="cpu", cache=False), tmp_path)
