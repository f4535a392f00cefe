"""Every setting the zoo reads from the environment, read here and only here, at call time (tests
and a Space change them between calls).

One parser per kind: ``flag`` (1/0, true/false, yes/no, on/off), ``whole`` (an integer with a
floor), ``seconds`` and ``choice``. A bad value is a ``SettingsError`` naming the variable and
what would work; nothing here raises ``SystemExit``.
"""
from __future__ import annotations

import os

from .errors import ZooError


class SettingsError(ZooError):
    """An environment variable holds a value the zoo cannot use."""


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")  # huggingface_hub's too


def flag(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    low = raw.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise SettingsError(f"{name}={raw!r}: use 1/0, true/false, yes/no or on/off")


def whole(name: str, default: int, minimum: int = 1) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise SettingsError(f"{name}={raw!r}: expected a whole number >= {minimum}")
    return value


def seconds(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise SettingsError(f"{name}={raw!r}: expected a number of seconds >= 0")
    return value


# -- serving (see zoo.scheduler and zoo.app) -------------------------------------------------------

def max_batch_size() -> int:
    """Requests of one model answered together in one forward pass."""
    return whole("ZOO_MAX_BATCH_SIZE", 32)


def max_streams() -> int:
    """Streams of one model being stepped at once, over all its lanes (more wait to join)."""
    return whole("ZOO_MAX_STREAMS", 16)


def stream_lanes(device_type: str) -> int:
    """Batches of one model's streams stepped at once, each by its own thread: on a CPU the device
    slots, at most 4 (a lane's run of steps releases Python's lock, so two lanes use two cores; more
    lanes were not measured, and each adds Python work between runs under the same lock), on a GPU
    one (one bigger batch uses the device better than two taking turns)."""
    return whole("ZOO_STREAM_LANES", min(device_slots(device_type), 4) if device_type == "cpu" else 1)


def max_waiting() -> int:
    """Requests waiting for one model beyond which new ones are refused as busy (bounded memory)."""
    return whole("ZOO_MAX_WAITING", 256)


def torch_threads() -> int:
    """Threads per op in the app, for torch and for BLAS (see zoo.app.serve_settings)."""
    return whole("ZOO_TORCH_THREADS", 1)


def device_slots(device_type: str) -> int:
    """Batches (or stream steps) running on the model device at once, across all models: the
    CPU cores, or one on a GPU (kernels of two models would only queue behind each other)."""
    return whole("ZOO_DEVICE_SLOTS", (os.cpu_count() or 1) if device_type == "cpu" else 1)


def max_upload_mb() -> int:
    return whole("ZOO_MAX_UPLOAD_MB", 20)


def max_sessions() -> int:
    """Browser sessions whose state Gradio keeps (each holds its last inputs and outputs)."""
    return whole("ZOO_MAX_SESSIONS", 200)


def drain_seconds() -> float:
    """On SIGTERM, how long requests in flight may take to finish before the app exits."""
    return seconds("ZOO_DRAIN_SECONDS", 20.0)


def hub_retry_seconds() -> float:
    """After a Hub failure, how long the zoo answers from what it has without asking again."""
    return seconds("ZOO_HUB_RETRY_SECONDS", 300.0)


def preload() -> bool:
    return flag("ZOO_PRELOAD")


def freeze_heap() -> bool:
    """``ZOO_FREEZE_HEAP`` (default on): after a model is loaded for the process, ``gc.freeze()``
    the objects alive then (libraries, models), so that a full collection walks only what came
    later (see ``zoo.pipelines.pipeline``)."""
    return flag("ZOO_FREEZE_HEAP", True)


def strict_plugins() -> bool:
    return flag("ZOO_STRICT_PLUGINS")


def log_level(default: str = "INFO") -> str:
    return (os.environ.get("ZOO_LOG_LEVEL") or default).strip().upper()


def setup_logging(default: str = "INFO", verbose: bool = False, timestamps: bool = False) -> None:
    """The one logging setup (the CLI and the app): ``ZOO_LOG_LEVEL`` (or INFO with ``verbose``)
    on stderr; HTTP clients' chatter at WARNING or above."""
    import logging

    level = logging.INFO if verbose else getattr(logging, log_level(default), logging.WARNING)
    fmt = ("%(asctime)s " if timestamps else "") + "%(levelname)s %(name)s: %(message)s"
    logging.basicConfig(level=level, format=fmt)  # stderr
    for noisy in ("httpx", "httpx2", "urllib3"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def choice(name: str, default: str, allowed: tuple[str, ...]) -> str:
    raw = (os.environ.get(name) or default).strip().lower()
    if raw not in allowed:
        raise SettingsError(f"{name}={raw!r}: use one of {', '.join(allowed)}")
    return raw


def telemetry_off() -> None:
    """No outbound telemetry from anything the zoo imports, unless the user turned it on
    explicitly (called once, when ``zoo`` is imported, before Gradio or huggingface_hub)."""
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


# -- data, plugins, checkpoints, devices ------------------------------------------------------------

def data_root() -> str:
    """Where data recipes cache data sets: ``$ZOO_DATA_DIR`` or ``~/.cache/lstm_zoo/data``."""
    return os.environ.get("ZOO_DATA_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "lstm_zoo", "data")


def plugins_selected() -> set[str] | None:
    """``ZOO_PLUGINS``: load only these plugins (comma-separated names); None: all."""
    raw = os.environ.get("ZOO_PLUGINS", "").strip()
    return {n.strip() for n in raw.split(",") if n.strip()} if raw else None


def plugins_dir() -> str | None:
    """``ZOO_PLUGINS_DIR``: a folder of one-off plugin modules."""
    return os.environ.get("ZOO_PLUGINS_DIR") or None


def pins_path() -> str | None:
    """``ZOO_PINS``: a pins file (what ``zoo publish`` printed) to pin checkpoints by."""
    return os.environ.get("ZOO_PINS") or None


def weights_mode() -> str:
    """``ZOO_WEIGHTS``: auto (the Hub, else the bundled copy), hub (only the Hub) or bundled."""
    return choice("ZOO_WEIGHTS", "auto", ("auto", "hub", "bundled"))


def hub_offline() -> bool:
    """huggingface_hub's own ``HF_HUB_OFFLINE``, read at call time (the library reads it at import)."""
    return flag("HF_HUB_OFFLINE")


def device(default: str = "auto") -> str:
    return (os.environ.get("ZOO_DEVICE") or default).strip().lower()


def dtype(default: str = "float32") -> str:
    return (os.environ.get("ZOO_DTYPE") or default).strip().lower()
