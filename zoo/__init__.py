"""LSTM Zoo: a plugin-style zoo of LSTM models with a Gradio app, a CLI and a Python API."""
from .settings import telemetry_off as _telemetry_off

_telemetry_off()  # before anything imports Gradio or huggingface_hub

__version__ = "0.1.0"

from .errors import CheckpointError, DeviceError, InputError, PluginError, UnsupportedVerb, ZooError  # noqa: E402
from .hookspecs import hookimpl  # noqa: E402
from .task import Checkpoint, Param, StreamSequence, Tab, Task, View  # noqa: E402


def pipeline(task, checkpoint=None, device="auto", dtype=None, cache=True):
    """Load a task's checkpoint and return a callable ``Pipeline`` (see ``zoo.pipelines.pipeline``)."""
    from .pipelines import pipeline as _pipeline

    return _pipeline(task, checkpoint=checkpoint, device=device, dtype=dtype, cache=cache)


def predict(task, input, checkpoint=None, device="auto", **params):
    """One result, as the app's API and ``python -m zoo predict`` give it: with no checkpoint (or
    ``auto``) named, a task that picks its checkpoint per input (``Task.route``: translation by the
    text's register, forecasting by the series' frequency) does so, and the result names the
    ``checkpoint`` and says why in a notice. ``zoo.pipeline`` loads one checkpoint and never picks."""
    from .pipelines import pipeline as _pipeline
    from .plugins import registry as _registry
    from .scheduler import route

    task_obj = _registry().task(task) if isinstance(task, str) else task
    chosen, routed = route(task_obj, checkpoint, input, params)
    result = _pipeline(task_obj, checkpoint=chosen, device=device)(input, **params)
    return routed(result) if routed else result


def map(task, input, output, column=None, checkpoint=None, params=None, **options):  # noqa: A001
    """Run ``task`` over every row of a CSV, Parquet or JSON Lines file into ``output`` (see
    ``zoo.mapping.run``; the same as ``python -m zoo map``). Returns the run's counts."""
    from .mapping import run

    return run(task, input, output, column=column, checkpoint=checkpoint, params=params, **options)


def registry():
    """The tasks, checkpoints and plugins discovered in this process."""
    from .plugins import registry as _registry

    return _registry()


__all__ = [
    "Checkpoint", "CheckpointError", "DeviceError", "InputError", "Param", "PluginError", "Tab", "View",
    "StreamSequence", "Task", "UnsupportedVerb", "ZooError", "hookimpl", "map", "pipeline", "predict", "registry", "__version__",
]
