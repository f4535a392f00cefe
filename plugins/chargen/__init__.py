"""Built-in plugin: character-level text generation with a 2-layer LSTM."""
from zoo import hookimpl

__version__ = "0.1.0"


@hookimpl
def register_tasks(register):
    from .task import ChargenTask

    register(ChargenTask())
