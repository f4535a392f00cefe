"""Dev only, an experiment for issue 18: exponential smoothing fitted to every series at once
(vectorised over series and parameter grid, least-squares initial states), as a partner for the
LSTM that would cost about what the LSTM costs, against statsforecast's per-series
DynamicOptimizedTheta and AutoETS, on the rolling-origin dev forecasts of a ``--holdout dev`` run
(no test part read). Prints each partner set's seconds for the whole dev set (same run) and
sMAPE / MASE of the weighted means by the LSTM's weight.

    python benchmarks/forecasting/vectorized_partners_dev.py --run runs/fc-dev3

The methods, each on the series deseasonalized as the LSTM's preprocessor does it (but ``hw``):
``theta`` (SES with drift, Hyndman & Billah 2003: the served ``SES-Theta``), ``ses``, ``holt``,
``damped`` (additive damped trend), ``ets`` (per series the lowest AICc of those three), and
``hw`` (the served ``Holt-Winters``: damped, its season updated, on the series itself,
``smoothing.holt_winters``; until 2026-12-04 this script's own, with initial states from the
first two seasons). The errors of a linear exponential
smoothing recursion are linear in its initial states, so for each grid point the initial level
and trend are solved by least squares from three runs of the recursion (the data with zero
initial states, and each state's unit response, which does not depend on the data).
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from plugins.forecasting import smoothing  # noqa: E402
from plugins.forecasting.preprocess import deseasonalize, reseasonalize  # noqa: E402

METHODS = ("theta", "ses", "holt", "damped", "ets", "hw")


def grid(kind: str):
    if kind == "ses":
        a = np.linspace(0.02, 1.0, 50)
        return a, np.zeros_like(a), np.ones_like(a)
    A, B, P = np.meshgrid(np.linspace(0.05, 1.0, 12), [0.0, 0.01, 0.03, 0.08, 0.2],
                          [1.0] if kind == "holt" else [0.8, 0.9, 0.95, 0.98], indexing="ij")
    keep = B <= A
    return A[keep], B[keep], P[keep]


def fit(series: list[np.ndarray], alpha, beta, phi, trend: bool):
    """Per series, the grid point with the least one-step SSE, its initial states chosen by least
    squares (the errors are linear in them). Returns (sse, level, trend, phi, alpha) at the end."""
    n = np.array([len(s) for s in series])
    N, T, G = len(series), int(n.max()), len(alpha)
    Y = np.zeros((N, T))
    for i, s in enumerate(series):
        Y[i, :len(s)] = s
    units = [(1.0, 0.0)] + ([(0.0, 1.0)] if trend else [])
    eU, stU = [], []
    for l0, b0 in units:  # the states' own channels: no data, unit initial state
        lv, tr = np.full(G, l0), np.full(G, b0)
        errs, states = np.empty((T, G)), np.empty((T + 1, G, 2))
        states[0] = np.stack([lv, tr], 1)
        for t in range(T):
            ahead = lv + phi * tr
            e = -ahead
            lv, tr = ahead + alpha * e, phi * tr + beta * e
            errs[t] = e
            states[t + 1] = np.stack([lv, tr], 1)
        eU.append(errs)
        stU.append(states)
    lv, tr = np.zeros((N, G)), np.zeros((N, G))
    sDD = np.zeros((N, G))
    sUD = [np.zeros((N, G)) for _ in units]
    for t in range(T):
        on = (t < n)[:, None]
        ahead = lv + phi * tr
        e = np.where(on, Y[:, t:t + 1] - ahead, 0.0)
        sDD += e * e
        for k in range(len(units)):
            sUD[k] += eU[k][t] * e
        lv = np.where(on, ahead + alpha * e, lv)
        tr = np.where(on, phi * tr + beta * e, tr)
    cum = lambda a, b: np.cumsum(a * b, 0)[n - 1]  # noqa: E731  (N, G)
    rows = np.arange(N)
    if trend:
        cLL, cLB, cBB = cum(eU[0], eU[0]), cum(eU[0], eU[1]), cum(eU[1], eU[1])
        ridge = 1e-9 * (cLL + cBB) + 1e-300
        det = cLL * cBB - cLB ** 2 + ridge
        l0 = (-sUD[0] * cBB + sUD[1] * cLB) / det
        b0 = (-sUD[1] * cLL + sUD[0] * cLB) / det
        sse = sDD + 2 * l0 * sUD[0] + 2 * b0 * sUD[1] + l0 ** 2 * cLL + 2 * l0 * b0 * cLB + b0 ** 2 * cBB
        endL, endB = stU[0][n], stU[1][n]  # (N, G, 2)
        level = lv + l0 * endL[..., 0] + b0 * endB[..., 0]
        slope = tr + l0 * endL[..., 1] + b0 * endB[..., 1]
    else:
        cLL = cum(eU[0], eU[0])
        l0 = -sUD[0] / (cLL + 1e-300)
        sse = sDD + 2 * l0 * sUD[0] + l0 ** 2 * cLL
        endL = stU[0][n]
        level = lv + l0 * endL[..., 0]
        slope = np.zeros_like(level)
    sse = np.maximum(sse, 0)
    best = sse.argmin(1)
    return sse[rows, best], level[rows, best], slope[rows, best], phi[best], alpha[best]


def _path(level, slope, phi, horizon):
    damp = np.cumsum(phi[:, None] ** np.arange(1, horizon + 1)[None, :], axis=1)
    return level[:, None] + damp * slope[:, None]


def run(method, series, horizon):
    """Forecasts of the (deseasonalized) series by ``method`` (ses, holt, damped, ets), all fitted at once."""
    if method not in ("ses", "holt", "damped", "ets"):
        raise ValueError(f"run() fits ses, holt, damped and ets; {method} is smoothing's (forecast() calls it)")
    n = np.array([len(s) for s in series], float)
    fits = {k: fit(series, *grid(k), trend=k != "ses") for k in (["ses", "holt", "damped"] if method == "ets" else [method])}
    if method != "ets":
        _, level, slope, phi, _ = fits[method]
        return _path(level, slope, phi, horizon)
    ks = {"ses": 2, "holt": 4, "damped": 5}
    def aicc(sse, k):
        return n * np.log(np.maximum(sse, 1e-300) / n) + 2 * k + 2 * k * (k + 1) / np.maximum(n - k - 1, 1)

    crit = np.stack([aicc(fits[k][0], ks[k]) for k in ks])
    pick = crit.argmin(0)
    paths = np.stack([_path(*fits[k][1:4], horizon) for k in ks])
    return paths[pick, np.arange(len(series))]


def forecast(method, histories, horizon, season_length):
    """Each history deseasonalized, forecast by ``method``, given its season back (``hw`` models
    the season itself, on the raw series)."""
    ys = [np.asarray(h, dtype=np.float64) for h in histories]
    if method in ("theta", "hw"):  # the served ones
        return list((smoothing.theta if method == "theta" else smoothing.holt_winters)(ys, horizon, season_length))
    parts = [deseasonalize(y, int(season_length)) for y in ys]
    d = run(method, [p[0] for p in parts], horizon)
    return [reseasonalize(f, len(y), int(season_length), idx, mult) for f, y, (_, idx, mult) in zip(d, ys, parts)]


def one_series() -> None:
    import statistics

    from plugins.forecasting import combine, metrics

    root = Path(__file__).resolve().parents[2]
    air = np.array([float(line.split(",")[1]) for line in
                    (root / "plugins/forecasting/samples/AirPassengers.csv").read_text().split()[1:]])
    fns = {"SES-Theta + Holt-Winters": lambda: (forecast("theta", [air], 18, 12), forecast("hw", [air], 18, 12)),
           "DynamicOptimizedTheta": lambda: combine.partner_forecast("DynamicOptimizedTheta", air, 18, 12),
           "AutoETS": lambda: combine.partner_forecast("AutoETS", air, 18, 12),
           "statsmodels Theta": lambda: metrics.theta(air, 18, 12)}
    times = {k: [] for k in fns}
    for f in fns.values():
        f()  # warm-up (numba compiles statsforecast's models on first use)
    for _ in range(3):
        for k, f in fns.items():
            for _ in range(10):
                started = time.perf_counter()
                f()
                times[k].append(time.perf_counter() - started)
    for k, v in times.items():
        print(f"{k}: p50 {1000 * statistics.median(v):.2f} ms")


def main() -> None:
    from combine_dev import dev_run

    from plugins.forecasting import metrics
    from plugins.forecasting.evaluate import statsforecast_forecasts

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", type=Path, help="a --holdout dev training run")
    ap.add_argument("--one-series", action="store_true", help="instead: one series' time (AirPassengers, h 18) "
                    "for vectorised theta+hw, the statsforecast partners and statsmodels Theta, rounds interleaved")
    a = ap.parse_args()
    if a.one_series:
        return one_series()
    if a.run is None:
        ap.error("--run is needed (or --one-series)")
    p, rows, q, levels = dev_run(a.run)
    lstm = [f[:, levels.index(0.5)] for f in q]
    hist, actual = [h for _, h, _ in rows], [f for _, _, f in rows]
    forecasts, seconds = {}, {}
    for name in ("DynamicOptimizedTheta", "AutoETS"):
        started = time.perf_counter()
        forecasts[name] = statsforecast_forecasts(rows, p.horizon, p.season, name)
        seconds[name] = time.perf_counter() - started
    for name in METHODS:
        started = time.perf_counter()
        forecasts[name] = forecast(name, [np.asarray(h)[-240:] for h in hist], p.horizon, p.season)
        seconds[name] = time.perf_counter() - started
    print(f"{len(rows)} dev forecasts; seconds for all: " + ", ".join(f"{k} {v:.2f}" for k, v in seconds.items()))
    sets = [["DynamicOptimizedTheta"], ["AutoETS"], ["DynamicOptimizedTheta", "AutoETS"]] + [[m] for m in METHODS] + [
        ["theta", "damped"], ["theta", "ets"], ["theta", "hw"]]
    for names in sets:
        partner = [np.mean([forecasts[n][i] for n in names], axis=0) for i in range(len(rows))]
        cells = []
        for w in (0.0, 0.2, 0.3, 0.4, 0.5, 1.0):
            fc = [w * x + (1 - w) * y for x, y in zip(lstm, partner)]
            smape = np.mean([metrics.smape(f, c) for f, c in zip(actual, fc)])
            mase = np.nanmean([metrics.mase(h, f, c, p.season) for h, f, c in zip(hist, actual, fc)])
            cells.append(f"{w}: {smape:.3f} / {mase:.3f}")
        print(f"{'+'.join(names):36s} " + "  ".join(cells), flush=True)


if __name__ == "__main__":
    main()
