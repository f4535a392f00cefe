"""``python -m zoo eval forecasting --split test``: mean sMAPE and MASE over one M3 subset (the
checkpoint's: 1,428 monthly series, h = 18, for ``m3-monthly``; ``--period`` for another) and the
coverage of the 80% interval, overall and per step ahead, for the served pipeline, beside
seasonal naive (naive where there is no season) and statsmodels Theta (and ETS with ``--ets``,
statsforecast's models with ``--statsforecast``) measured in the same run."""
from __future__ import annotations

import argparse
import time

import numpy as np

from zoo.errors import InputError

from . import data, metrics


def score(rows, forecasts, m: int) -> dict:
    return {"smape": round(float(np.mean([metrics.smape(f, p) for (_, _, f), p in zip(rows, forecasts)])), 3),
            "mase": round(float(np.mean([metrics.mase(h, f, p, m) for (_, h, f), p in zip(rows, forecasts)])), 3)}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--limit", type=int, default=None, help="only the first N series")
    p.add_argument("--period", choices=list(data.PERIODS), default=None,
                   help="the M3 subset to score (default: the one the checkpoint was trained on)")
    p.add_argument("--origins", type=int, default=1, help="with --split dev: rolling-origin cut points (default 1)")
    p.add_argument("--ets", action="store_true", help="also statsmodels ETS (damped trend; slow)")
    p.add_argument("--level", type=float, default=80.0, help="prediction interval level in percent (default 80)")
    p.add_argument("--outside", action="store_true", help="score real weekly, daily and hourly series (outside "
                   "every training set) with the checkpoint the app picks for each, beside the baselines; "
                   "--limit: windows per series (default 20); they decided once that m3-other keeps its partner")
    p.add_argument("--statsforecast", action="store_true", help="also statsforecast's AutoETS, AutoTheta and "
                   "DynamicOptimizedTheta and the mean of the three (minutes)")


def run(pipe, split: str, args) -> dict:
    if split == "train":
        raise InputError("forecasting has dev and test splits (the training parts are what it learns from)")
    if getattr(args, "outside", False):
        if split != "test":
            raise InputError("--outside scores test windows only (no model is tuned on those series)")
        from . import outside

        return outside.run(args)
    period = data.period(getattr(args, "period", None) or period_of(pipe.config))
    if split == "dev":
        rows = [row for k in range(getattr(args, "origins", 1)) for row in data.split("dev", period.name, origin=k)]
    else:
        rows = data.split(split, period.name)
    rows = rows[:args.limit]
    h, m = period.horizon, period.season
    started = time.perf_counter()
    results = pipe.batch([hist for _, hist, _ in rows], horizon=h, level=args.level, season_length=m)
    seconds = time.perf_counter() - started
    lstm = score(rows, [r["forecast"] for r in results], m)
    inside = np.array([(np.asarray(f) >= r["lower"]) & (np.asarray(f) <= r["upper"]) for (_, _, f), r in zip(rows, results)])
    lstm["coverage"] = round(float(inside.mean()), 4)
    lstm["coverage_by_step"] = [round(float(v), 3) for v in inside.mean(axis=0)]
    lstm["seconds"] = round(seconds, 2)
    baselines = {}
    methods = {"seasonal naive": metrics.seasonal_naive, "theta": metrics.theta}
    if args.ets:
        methods["ets"] = metrics.ets
    for name, fn in methods.items():
        started = time.perf_counter()
        fc = [fn(hist, h, m) for _, hist, _ in rows]
        baselines[name] = {**score(rows, fc, m), "seconds": round(time.perf_counter() - started, 2)}
    if getattr(args, "statsforecast", False):
        baselines.update(statsforecast_baselines(rows, h, m))
    out = {"period": period.name, "n": len(rows), "horizon": h, "level": args.level, "metrics": lstm,
           "baselines": baselines}
    if split == "dev" and not pipe.config.get("training", {}).get("args", {}).get("holdout") == "dev":
        out["note"] = ("this checkpoint was trained on whole training parts, dev values included: its dev "
                       "score is not held out (a --holdout dev training run scores dev fairly)")
    return out


def period_of(config: dict) -> str:
    """The M3 subset a checkpoint serves: the one it was calibrated for (``serves``, a network
    trained on another subset), else the one it was trained on."""
    return config.get("serves") or trained_on(config)


def trained_on(config: dict) -> str:
    """The M3 subset a checkpoint's network was trained on (checkpoints from before ``--period``: monthly)."""
    return config.get("training", {}).get("args", {}).get("period") or "monthly"


STATSFORECAST_MODELS = ("AutoETS", "AutoTheta", "DynamicOptimizedTheta")


def statsforecast_forecasts(rows, h: int, m: int, name: str) -> list[np.ndarray]:
    """One statsforecast model fitted to every history (``freq=1``: steps; one process, so its
    time compares with the others'), forecasts in ``rows`` order."""
    import pandas as pd
    import statsforecast.models as models
    from statsforecast import StatsForecast

    ids = [str(i) for i in range(len(rows))]
    df = pd.DataFrame({"unique_id": np.repeat(ids, [len(hist) for _, hist, _ in rows]),
                       "ds": np.concatenate([np.arange(1, len(hist) + 1) for _, hist, _ in rows]),
                       "y": np.concatenate([np.asarray(hist, float) for _, hist, _ in rows])})
    fc = StatsForecast(models=[getattr(models, name)(season_length=m)], freq=1, n_jobs=1).forecast(df=df, h=h)
    by_id = {k: g[name].to_numpy() for k, g in fc.groupby("unique_id", sort=False)}
    return [by_id[i] for i in ids]


def statsforecast_baselines(rows, h: int, m: int) -> dict:
    """statsforecast's AutoETS, AutoTheta and DynamicOptimizedTheta, and the mean of the three
    (the combination forecasters reach for), scored like the rest."""
    out, forecasts = {}, {}
    for name in STATSFORECAST_MODELS:
        started = time.perf_counter()
        forecasts[name] = statsforecast_forecasts(rows, h, m, name)
        out[f"statsforecast {name}"] = {**score(rows, forecasts[name], m),
                                        "seconds": round(time.perf_counter() - started, 2)}
    mean = [np.mean([forecasts[n][i] for n in STATSFORECAST_MODELS], axis=0) for i in range(len(rows))]
    out["mean of the three statsforecast models"] = score(rows, mean, m)
    return out
