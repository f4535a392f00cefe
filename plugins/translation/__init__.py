"""Built-in plugin: English -> Spanish translation with an attentional LSTM encoder-decoder."""
from zoo import hookimpl

__version__ = "0.1.0"


@hookimpl
def register_tasks(register):
    from .task import TranslationTask

    register(TranslationTask())
