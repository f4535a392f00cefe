"""LSTM Zoo plugin: the wordsplit task."""
from zoo import hookimpl

__version__ = "0.1.0"


@hookimpl
def register_tasks(register):
    from .task import Task

    register(Task())
