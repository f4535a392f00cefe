"""LSTM Zoo plugin that adds no task, only a checkpoint to the built-in ``forecasting`` task: the
log-space variant of its quantile LSTM ensemble."""
from pathlib import Path

from zoo import Checkpoint, hookimpl

__version__ = "0.1.0"

HERE = Path(__file__).resolve().parent
CHECKPOINT = Checkpoint(
    id="m3-monthly-log",
    repo_id="lstm-zoo-community/forecasting-m3-monthly-log-lstm",
    revision="79b9d1f4299e86c27abbcca1b5bb6c602bec8016",  # the bundle's content digest until published
    bundled=HERE / "checkpoints" / "m3-monthly-log",
    description="log-space scaling variant (M3 monthly test sMAPE 14.21 vs 13.88 for the default)",
)


@hookimpl
def register_checkpoints(register):
    register("forecasting", CHECKPOINT)
