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


def registry():
    """The tasks, checkpoints and plugins discovered in this process."""
    from .plugins import registry as _registry

    return _registry()


__all__ = [
    "Checkpoint", "CheckpointError", "DeviceError", "InputError", "Param", "PluginError", "Tab", "View",
    "StreamSequence", "Task", "UnsupportedVerb", "ZooError", "hookimpl", "pipeline", "registry", "__version__",
]
