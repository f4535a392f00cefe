"""Built-in plugin: time-series forecasting with a global quantile LSTM (M3 monthly)."""
from zoo import hookimpl

__version__ = "0.1.0"


@hookimpl
def register_tasks(register):
    from .task import ForecastingTask

    register(ForecastingTask())
