"""Real weekly, daily and hourly series, which no checkpoint was trained on: a held-out test of what
the app serves for them (the checkpoint it picks for the frequency, which it names and flags as
outside its training), beside the baselines it shows first.

``python -m zoo eval forecasting --split test --outside``. Every window is a test window: nothing
here trains a model or tunes one. Its figures were used once to decide: ``m3-other`` kept
DynamicOptimizedTheta as partner although AutoETS did better on the M3 'other' dev origins, because
AutoETS did badly here (BENCHMARKS.md). ``--checkpoint`` and ``--device`` do not apply: each
series gets the checkpoint the app picks for its frequency. The series (``python -m zoo data forecasting`` fetches the
wheels into the cache; none of their code is imported or run):

- weekly: Mauna Loa CO2, March 1958 - December 2001 (2,284 weeks; statsmodels' ``co2``, NOAA,
  public domain; its 59 missing weeks take the previous week's value);
- daily: Seattle's daily maximum temperature 2012-2015 (1,461 days; ``vega_datasets==0.9.0``,
  BSD-3, NOAA data);
- hourly: Seattle and San Francisco hourly temperature in 2010 (``vega_datasets``; smooth, no
  hour moves more than 3.5 F: they read like NOAA's hourly climate normals), and England
  and Wales electricity demand, 5 June - 27 August 2000 (Taylor 2003; ``pmdarima==2.0.4``, MIT),
  its half-hours summed to hours (2,016 hours).

Each series is cut at ``WINDOWS`` origins, one horizon apart, ending at its last value; each
window is forecast from the values before it, two seasons ahead as far as the checkpoint reaches
(14 days; 24 hours and 24 weeks, its longest horizon).
"""
from __future__ import annotations

import ast
import csv
import io
import zipfile
from pathlib import Path

import numpy as np

from zoo.datasets import cache_dir, pip_download

VEGA, PMDARIMA = "vega_datasets==0.9.0", "pmdarima==2.0.4"
WINDOWS = 20
SEASON = {"weekly": 52, "daily": 7, "hourly": 24}


def _folder() -> Path:
    return cache_dir("forecasting") / "outside"


def fetch() -> Path:
    """The two wheels, downloaded (no code of theirs runs here)."""
    folder = _folder()
    for requirement in (VEGA, PMDARIMA):
        pip_download(requirement, folder)
    return folder


def _member(requirement: str, name: str) -> str:
    with zipfile.ZipFile(pip_download(requirement, _folder())) as z:
        return z.read(name).decode("utf-8")


def _vega(name: str, column: str) -> list[float]:
    rows = csv.DictReader(io.StringIO(_member(VEGA, f"vega_datasets/_data/{name}")))
    return [float(r[column]) for r in rows]


def _taylor_hourly() -> list[float]:
    """The ``np.array([...])`` literal in pmdarima's ``taylor.py``, read as data (``ast``), half-hours
    summed to hours."""
    tree = ast.parse(_member(PMDARIMA, "pmdarima/datasets/taylor.py"))
    values = next(ast.literal_eval(node.args[0]) for node in ast.walk(tree)
                  if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "array"
                  and node.args and isinstance(node.args[0], ast.List) and len(node.args[0].elts) > 1000)
    half = np.asarray(values, dtype=float)
    return [float(v) for v in half[: len(half) // 2 * 2].reshape(-1, 2).sum(axis=1)]


def _co2_weekly() -> list[float]:
    from statsmodels.datasets import co2

    return [float(v) for v in co2.load_pandas().data["co2"].ffill().bfill()]


SERIES = {
    "co2 (weekly)": ("weekly", _co2_weekly),
    "Seattle max temperature (daily)": ("daily", lambda: _vega("seattle-weather.csv", "temp_max")),
    "Seattle temperature (hourly)": ("hourly", lambda: _vega("seattle-temps.csv", "temp")),
    "San Francisco temperature (hourly)": ("hourly", lambda: _vega("sf-temps.csv", "temp")),
    "electricity demand (hourly)": ("hourly", _taylor_hourly),
}


def series() -> dict[str, tuple[str, list[float]]]:
    """name -> (frequency, values)."""
    fetch()
    return {name: (freq, load()) for name, (freq, load) in SERIES.items()}


def windows(values: list[float], horizon: int, count: int = WINDOWS) -> list[tuple[list[float], list[float]]]:
    """(history, future) at ``count`` origins one horizon apart, the last ending at the last value."""
    out = []
    for k in range(count, 0, -1):
        cut = len(values) - k * horizon
        if cut > 0:
            out.append((values[:cut], values[cut:cut + horizon]))
    return out


def run(args) -> dict:
    """Every series' windows forecast by the checkpoint the app picks for its frequency (as served:
    its partners too), and by the baselines the tab shows (fitted to the same bounded tails as in
    the app), scored with sMAPE and MASE (seasonal lag of the frequency); per frequency."""
    import time

    import zoo

    from . import combine, metrics
    from .evaluate import score
    from .task import _PERIOD_OF_FREQ

    limit = getattr(args, "limit", None) or WINDOWS
    out = {}
    for name, (freq, values) in series().items():
        m, checkpoint = SEASON[freq], "m3-" + _PERIOD_OF_FREQ[freq]
        pipe = zoo.pipeline("forecasting", checkpoint=checkpoint)
        h = min(2 * m, pipe.preprocessor.horizon)  # two seasons, as far as the checkpoint reaches
        rows = [(name, hist, fut) for hist, fut in windows(values, h, limit)]
        started = time.perf_counter()
        served = pipe.batch([hist for _, hist, _ in rows], horizon=h, level=80.0, season_length=m)
        ours = {**score(rows, [r["forecast"] for r in served], m),
                "coverage": round(float(np.mean([metrics.coverage(f, r["lower"], r["upper"])
                                                  for (_, _, f), r in zip(rows, served)])), 4),
                "seconds": round(time.perf_counter() - started, 2)}
        methods = _baselines(h, m)
        baselines = {}
        for method, fn in methods.items():
            started = time.perf_counter()
            try:
                baselines[method] = {**score(rows, [fn(hist) for _, hist, _ in rows], m),
                                     "seconds": round(time.perf_counter() - started, 2)}
            except Exception as exc:  # noqa: BLE001 - one method that cannot fit leaves the others
                baselines[method] = {"error": f"{type(exc).__name__}: {exc}"}
        scored = [k for k in baselines if "smape" in baselines[k]]
        best = min(scored, key=lambda k: baselines[k]["smape"])
        out[name] = {"frequency": freq, "season_length": m, "checkpoint": checkpoint,
                     "method": combine.describe(pipe.preprocessor.combine), "values": len(values),
                     "windows": len(rows), "horizon": h, "metrics": ours, "baselines": baselines,
                     "best_baseline": best,
                     "smape_vs_best_baseline": round(ours["smape"] - baselines[best]["smape"], 3)}
    return {"split": "test", "what": "weekly, daily and hourly series outside every training set",
            "checkpoint": "per series: the one the app picks for its frequency", "series": out}


def _baselines(h: int, m: int) -> dict:
    """The tab's baselines, plain naive, and AutoETS (which the tab shows only where a checkpoint
    has it as partner), each a function of a history (fitted to the tails the app uses)."""
    from . import combine, metrics
    from .task import BASELINE_TAIL

    methods = {"seasonal naive": lambda x: metrics.seasonal_naive(x[-BASELINE_TAIL:], h, m),
               "naive": lambda x: np.full(h, x[-1]),
               "theta": lambda x: metrics.theta(x[-BASELINE_TAIL:], h, m)}
    for partner in combine.STATSFORECAST:
        methods[f"statsforecast {partner}"] = lambda x, p=partner: combine.partner_forecast(p, x[-combine.TAIL:], h, m)
    return methods
