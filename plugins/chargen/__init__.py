"""Built-in plugin: character-level text generation with stacked LSTMs (3x1024 for the Bible, 2x256 for Python)."""
from zoo import hookimpl

__version__ = "0.1.0"


@hookimpl
def register_tasks(register):
    from .task import ChargenTask

    register(ChargenTask())
