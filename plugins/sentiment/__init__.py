"""Built-in plugin: sentence sentiment with a bidirectional LSTM (Rotten Tomatoes sentences)."""
from zoo import hookimpl

__version__ = "0.1.0"


@hookimpl
def register_tasks(register):
    from .task import SentimentTask

    register(SentimentTask())
