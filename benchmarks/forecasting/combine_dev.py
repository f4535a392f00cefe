"""Dev only: an LSTM's median, statsforecast's DynamicOptimizedTheta, and their weighted mean.
Prints sMAPE, MASE and the coverage of the LSTM's 80% interval moved with the mean, per LSTM
weight 0.0 (Theta alone) ... 1.0 (the LSTM alone), plus the interval scale that would bring each
mean's coverage to 80%. No test part is read.

    # the default checkpoint's LSTM on two rolling dev origins of M3 subsets it was not trained on
    python benchmarks/forecasting/combine_dev.py yearly quarterly other
    # a --holdout dev training run on its own dev origins (the ones it never saw)
    python benchmarks/forecasting/combine_dev.py --run runs/fc-dev3
"""
import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def from_checkpoint(name: str, checkpoint: str | None = None):
    """(period, rows, quantile forecasts, quantile levels): a checkpoint's LSTM, 2 origins."""
    import zoo
    from plugins.forecasting import data
    from plugins.forecasting.combine import lstm_alone

    p = data.period(name)
    rows = [r for k in range(2) for r in data.split("dev", p.name, origin=k) if len(r[1]) >= 8]
    pipe = lstm_alone(zoo.pipeline("forecasting", checkpoint=checkpoint))  # the LSTM's own median
    res = pipe.batch([h for _, h, _ in rows], horizon=p.horizon, level=80.0, season_length=p.season)
    q = [np.stack([r["lower"], r["forecast"], r["upper"]], axis=1) for r in res]
    return p, rows, q, [0.1, 0.5, 0.9]


def dev_run(run: Path):
    """The same for a ``--holdout dev`` run on every dev origin it held out."""
    from plugins.forecasting import data
    from plugins.forecasting.export import load_run
    from plugins.forecasting.train import dev_rows, predict

    model, pre, meta = load_run(run)
    if meta["args"].get("holdout") != "dev":
        raise SystemExit(f"{run} is not a --holdout dev run: its dev origins were trained on")
    p = data.period(meta["args"].get("period", "monthly"))
    rows = dev_rows(p, meta["args"].get("origins", 1))
    q = predict(model, pre, [h for _, h, _ in rows], m=p.season, horizon=p.horizon)
    return p, rows, q, list(pre.quantiles)


def report(p, rows, q, levels) -> None:
    from plugins.forecasting import metrics
    from plugins.forecasting.evaluate import statsforecast_forecasts

    mid, lo, hi = (levels.index(x) for x in (0.5, 0.1, 0.9))
    lstm = [f[:, mid] for f in q]
    theta = statsforecast_forecasts(rows, p.horizon, p.season, "DynamicOptimizedTheta")
    actual = [f for _, _, f in rows]
    for w in np.round(np.arange(0, 1.01, 0.1), 1):
        fc = [w * a + (1 - w) * b for a, b in zip(lstm, theta)]
        smape = np.mean([metrics.smape(f, c) for f, c in zip(actual, fc)])
        mase = np.nanmean([metrics.mase(h, f, c, p.season) for (_, h, f), c in zip(rows, fc)])

        def cover(k, fc=fc):
            return np.mean([metrics.coverage(a, c + k * (x[:, lo] - x[:, mid]), c + k * (x[:, hi] - x[:, mid]))
                            for a, c, x in zip(actual, fc, q)])

        scales = np.round(np.arange(0.5, 2.01, 0.05), 2)
        best = min(scales, key=lambda k: abs(cover(k) - 0.8))
        print(f"{p.name} forecasts {len(rows)} lstm_weight {w} smape {smape:.3f} mase {mase:.3f} "
              f"coverage80 {cover(1.0):.4f} scale_for_80 {best} coverage_scaled {cover(best):.4f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("periods", nargs="*", default=[], help="M3 subsets for the default checkpoint")
    ap.add_argument("--run", type=Path, help="a --holdout dev training run instead")
    ap.add_argument("--checkpoint", default=None, help="for the periods: this checkpoint (default: the default)")
    a = ap.parse_args()
    if a.run:
        report(*dev_run(a.run))
    for name in a.periods or ([] if a.run else ["yearly", "quarterly", "other"]):
        report(*from_checkpoint(name, a.checkpoint))


if __name__ == "__main__":
    main()
