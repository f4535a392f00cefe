"""``python -m zoo bench forecasting``: the served pipeline's speed beside statsmodels Theta on
the same series in the same run (rounds interleaved: this machine's speed drifts).

- ``one series``: AirPassengers (144 monthly values), horizon 18, p50 and p90 over the calls of
  all rounds, through ``zoo.pipeline`` (parsing, encoding, the model, intervals); for a checkpoint
  of another M3 subset (``--checkpoint m3-quarterly``), that subset's longest history, at its
  horizon and season;
- ``all series``: the subset's training parts (1,428 monthly) forecast as one batch, against
  Theta fitted series by series (``--limit`` fewer series).

A checkpoint that averages its LSTM with a statistical partner is also timed without it
(``lstm alone``), so the table shows what each part costs.
"""
from __future__ import annotations

import argparse
import datetime
import platform
import statistics
import time

import torch

import zoo

from . import combine, data, metrics
from .evaluate import period_of
from .task import SAMPLES


def _seconds(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--checkpoint", default=None)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--runs", type=int, default=20, help="one-series calls per round and method")
    p.add_argument("--limit", type=int, default=None, help="only the first N M3 series")


def run(args) -> dict:
    pipe = zoo.pipeline("forecasting", checkpoint=args.checkpoint, device="cpu")
    period = data.period(period_of(pipe.config))
    histories = [hist for _, hist, _ in data.split("test", period.name)][:args.limit]
    h, m = period.horizon, period.season
    air = ([float(line.split(",")[1]) for line in (SAMPLES / "AirPassengers.csv").read_text().split()[1:]]
           if period.name == "monthly" else max(histories, key=len))
    kw = dict(horizon=h, season_length=m)
    pipe(air, **kw)  # warm-up
    runners = {"lstm": {}}
    if pipe.preprocessor.combine:
        runners["lstm alone"] = {"partners": False}  # what the LSTM itself costs
    one: dict[str, list[float]] = {k: [] for k in [*runners, "theta"]}
    whole: dict[str, list[float]] = {k: [] for k in [*runners, "theta"]}
    for _ in range(args.rounds):
        for name, extra in runners.items():
            one[name] += [_seconds(lambda e=extra: pipe(air, **kw, **e)) for _ in range(args.runs)]
            whole[name].append(_seconds(lambda e=extra: pipe.batch(histories, **kw, **e)))
        one["theta"] += [_seconds(lambda: metrics.theta(air, h, m)) for _ in range(args.runs)]
        whole["theta"].append(_seconds(lambda: [metrics.theta(x, h, m) for x in histories]))

    def pct(v, q):
        return round(1000 * statistics.quantiles(v, n=10)[q - 1], 2) if len(v) >= 10 else None

    ratios = [t / s for s, t in zip(whole["lstm"], whole["theta"])]
    alone_ratios = [t / s for s, t in zip(whole.get("lstm alone", []), whole["theta"])]
    return {
        "machine": f"{platform.machine()}, {torch.get_num_threads()} threads, torch {torch.__version__}",
        "date": datetime.date.today().isoformat(), "checkpoint": pipe.source.name if pipe.source else None,
        "one_series": "AirPassengers" if period.name == "monthly" else f"the longest M3 {period.name} history "
                      f"({len(air)} values)", "horizon": h,
        "one_series_ms": {k: {"p50": round(1000 * statistics.median(v), 2), "p90": pct(v, 9)} for k, v in one.items()},
        "one_series_theta_over_lstm": round(statistics.median(one["theta"]) / statistics.median(one["lstm"]), 2),
        "method": combine.describe(pipe.preprocessor.combine),
        "all_series": len(histories),
        "all_series_seconds": {k: round(statistics.median(v), 3) for k, v in whole.items()},
        "all_series_theta_over_lstm": round(statistics.median(ratios), 1),
        **({"all_series_theta_over_lstm_alone": round(statistics.median(alone_ratios), 1)} if alone_ratios else {}),
        "per_round": {"all_series_seconds": {k: [round(x, 3) for x in v] for k, v in whole.items()},
                      "theta_over_lstm": [round(r, 1) for r in ratios]},
    }
