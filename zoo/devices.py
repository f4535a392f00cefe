"""Device selection: ``ZOO_DEVICE=auto|cpu|cuda[:N]`` and ``ZOO_DTYPE=float32|float16|bfloat16``.

Asking for CUDA where there is none is an error, never a silent fallback to the CPU.
"""
from __future__ import annotations

import torch

from . import settings
from .errors import DeviceError

_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


def resolve_device(device: str | torch.device | None = None) -> torch.device:
    name = str(device).strip().lower() if device else settings.device()
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise DeviceError(
                f"device {name!r} was asked for, but torch sees no CUDA GPU "
                f"(torch {torch.__version__}, built with CUDA: {torch.version.cuda or 'no'}); "
                "use --device cpu or ZOO_DEVICE=cpu"
            )
        dev = torch.device(name)
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise DeviceError(f"device {name!r}: only {torch.cuda.device_count()} CUDA device(s) present")
        return dev
    raise DeviceError(f"unknown device {name!r}; use auto, cpu or cuda")


def resolve_dtype(device: torch.device, dtype: str | None = None) -> torch.dtype:
    """Half precision only on CUDA: on the CPU it is slower and less exact, so it is refused."""
    name = dtype.strip().lower() if dtype else settings.dtype()
    if name not in _DTYPES:
        raise DeviceError(f"unknown dtype {name!r}; use one of {sorted(_DTYPES)}")
    if name != "float32" and device.type != "cuda":
        raise DeviceError(f"dtype {name} is only supported on CUDA (device is {device})")
    return _DTYPES[name]
