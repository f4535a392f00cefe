"""Dev only: the default forecasting checkpoint's median, statsforecast's DynamicOptimizedTheta, and
their weighted mean, on two rolling dev origins of each M3 subset named (series with at least 8
values of history). Prints sMAPE, MASE and the coverage of the LSTM's 80% interval moved with the
mean, per LSTM weight 0.0 (Theta alone) ... 1.0 (the LSTM alone). No test part is read.

    python benchmarks/forecasting/combine_dev.py yearly quarterly other
"""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def main(periods: list[str]) -> None:
    import zoo
    from plugins.forecasting import data, metrics
    from plugins.forecasting.evaluate import statsforecast_forecasts

    pipe = zoo.pipeline("forecasting")
    for name in periods:
        p = data.period(name)
        rows = [r for k in range(2) for r in data.split("dev", p.name, origin=k) if len(r[1]) >= 8]
        res = pipe.batch([h for _, h, _ in rows], horizon=p.horizon, level=80.0, season_length=p.season)
        lstm = [np.asarray(r["forecast"]) for r in res]
        theta = statsforecast_forecasts(rows, p.horizon, p.season, "DynamicOptimizedTheta")
        for w in np.round(np.arange(0, 1.01, 0.1), 1):
            fc = [w * a + (1 - w) * b for a, b in zip(lstm, theta)]
            smape = np.mean([metrics.smape(f, q) for (_, _, f), q in zip(rows, fc)])
            mase = np.nanmean([metrics.mase(h, f, q, p.season) for (_, h, f), q in zip(rows, fc)])
            shift = [q - np.asarray(r["forecast"]) for r, q in zip(res, fc)]
            cover = np.mean([metrics.coverage(f, np.asarray(r["lower"]) + d, np.asarray(r["upper"]) + d)
                             for (_, _, f), r, d in zip(rows, res, shift)])
            print(f"{name} forecasts {len(rows)} lstm_weight {w} smape {smape:.3f} mase {mase:.3f} coverage80 {cover:.4f}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["yearly", "quarterly", "other"])
