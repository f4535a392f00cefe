"""A task may choose the checkpoint for each input (``Task.route``). It is asked only when the
caller names none (``auto`` in the app, no checkpoint from the API or the CLI); the result then
names the checkpoint and says why. A checkpoint the caller names is never overridden."""
import pytest
from toy import ToyTask

import zoo
from zoo.scheduler import Scheduler


class RoutedToy(ToyTask):
    """Texts starting with "b" go to toy-2; anything else to the default (toy-1)."""

    def route(self, input, params, checkpoints):
        assert checkpoints == ["toy-1", "toy-2"]
        if input.startswith("b"):  # raises for a non-text: the pipeline reports bad input, not route
            return "toy-2", "the text starts with b"
        return None


@pytest.fixture
def routed(toy_checkpoints):
    task = RoutedToy()
    task.checkpoints = toy_checkpoints
    return task, Scheduler(lambda t, c: zoo.pipeline(t, checkpoint=c))


def test_with_no_checkpoint_named_the_task_chooses_and_the_result_says_which_and_why(routed):
    task, sched = routed
    by_2 = zoo.pipeline(task, checkpoint="toy-2")("bab")["score"]
    assert by_2 != zoo.pipeline(task, checkpoint="toy-1")("bab")["score"]
    for named in ("auto", None, ""):
        result = sched.predict(task, named, "bab", {})
        assert result["score"] == by_2 and result["checkpoint"] == "toy-2"
        assert "checkpoint toy-2: the text starts with b" in result["notices"]


def test_from_python_zoo_predict_chooses_as_the_api_does_and_zoo_pipeline_never_does(routed):
    task, _ = routed
    result = zoo.predict(task, "bab")
    assert result["checkpoint"] == "toy-2" and "checkpoint toy-2: the text starts with b" in result["notices"]
    assert result["score"] == zoo.pipeline(task, checkpoint="toy-2")("bab")["score"]
    assert zoo.predict(task, "bab", checkpoint="toy-1") == zoo.pipeline(task, checkpoint="toy-1")("bab")
    assert "checkpoint" not in zoo.pipeline(task)("bab")


def test_a_named_checkpoint_is_used_as_named(routed):
    task, sched = routed
    result = sched.predict(task, "toy-1", "bab", {})
    assert result == zoo.pipeline(task, checkpoint="toy-1")("bab") and "checkpoint" not in result


def test_an_input_the_task_does_not_route_goes_to_the_default_and_bad_input_is_still_bad_input(routed):
    task, sched = routed
    assert sched.predict(task, "auto", "abc", {}) == zoo.pipeline(task)("abc")
    assert sched.predict(task, "auto", None, {}) == {"error": "the text is empty"}
    assert sched.predict(task, None, "   ", {}) == {"error": "the text is empty"}


def test_a_task_that_does_not_route_treats_auto_as_its_default(toy_checkpoints):
    task = ToyTask()
    task.checkpoints = toy_checkpoints
    sched = Scheduler(lambda t, c: zoo.pipeline(t, checkpoint=c))
    assert not task.routes() and RoutedToy().routes()
    assert sched.predict(task, "auto", "bab", {}) == zoo.pipeline(task)("bab")


def test_a_task_with_one_checkpoint_is_not_asked(toy_checkpoints):
    task = RoutedToy()
    task.checkpoints = toy_checkpoints[:1]
    task.route = lambda *a: pytest.fail("route asked with nothing to choose between")
    sched = Scheduler(lambda t, c: zoo.pipeline(t, checkpoint=c))
    assert sched.predict(task, "auto", "bab", {}) == zoo.pipeline(task)("bab")
