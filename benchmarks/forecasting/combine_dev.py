"""Dev only: an LSTM's median, statsforecast partners (DynamicOptimizedTheta, AutoETS, or the
mean of both), and their weighted means. Prints sMAPE, MASE and the coverage of the LSTM's 80%
interval moved with the mean, per partner set and LSTM weight 0.0 (the partners alone) ... 1.0
(the LSTM alone), plus the interval scale that would bring each mean's coverage to 80%. No test
part is read.

    # the default checkpoint's LSTM on two rolling dev origins of M3 subsets it was not trained on
    python benchmarks/forecasting/combine_dev.py yearly quarterly other
    # a --holdout dev training run on its own dev origins (the ones it never saw)
    python benchmarks/forecasting/combine_dev.py --run runs/fc-dev3
    # only some partner sets (comma-separated models, averaged)
    python benchmarks/forecasting/combine_dev.py --run runs/fc-dev3 --partners DynamicOptimizedTheta
    # coverage per step over the model's whole horizon (24 monthly steps, past the M3's 18), as a
    # checkpoint with this combination and interval scale serves it, from the run's earliest
    # held-out cut point: every value scored lies in the part the run never saw
    python benchmarks/forecasting/combine_dev.py --run runs/fc-dev3 --long --partners \
        DynamicOptimizedTheta,AutoETS --weight 0.3 --scale 0.95
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

    p = data.period(name)
    rows = [r for k in range(2) for r in data.split("dev", p.name, origin=k) if len(r[1]) >= 8]
    pipe = zoo.pipeline("forecasting", checkpoint=checkpoint)
    res = pipe.batch([h for _, h, _ in rows], horizon=p.horizon, level=80.0, season_length=p.season,
                     partners=False)  # the LSTM's own median
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


def dev_parts(run: Path, names: tuple[str, ...]):
    """For the scripts that recombine forecasts: ``(period, parts, actual, scale, origin)`` with
    ``parts`` (models, series, horizon), the LSTM's median first, then the zoo's own ``names[1:]``;
    ``scale`` each series' in-sample seasonal-naive error (MASE's) and ``origin`` its dev origin."""
    import json

    import numpy as np

    from plugins.forecasting import combine, data

    p, rows, q, levels = dev_run(run)
    mid = levels.index(0.5)
    hs = [np.asarray(h, dtype=np.float64)[-combine.TAIL:] for _, h, _ in rows]
    parts = np.stack([np.array([f[:p.horizon, mid] for f in q]),
                      *(combine.OWN[n](hs, p.horizon, p.season) for n in names[1:])])
    actual = np.array([f for _, _, f in rows])
    scale = np.array([np.mean(np.abs(np.asarray(h)[p.season:] - np.asarray(h)[:-p.season])) for _, h, _ in rows])
    origins = json.loads((run / "state.json").read_text())["args"].get("origins", 1)  # dev_rows: origin-major
    origin = np.repeat(np.arange(origins), [len(data.split("dev", p.name, origin=k)) for k in range(origins)])
    assert len(origin) == len(rows)
    return p, parts, actual, scale, origin


PARTNER_SETS = ("DynamicOptimizedTheta", "AutoETS", "DynamicOptimizedTheta,AutoETS", "SES-Theta,Holt-Winters")


def report(p, rows, q, levels, partner_sets=PARTNER_SETS) -> None:
    from plugins.forecasting import combine, metrics
    from plugins.forecasting.evaluate import statsforecast_forecasts

    mid, lo, hi = (levels.index(x) for x in (0.5, 0.1, 0.9))
    lstm = [f[:, mid] for f in q]
    actual = [f for _, _, f in rows]
    fitted = {}
    for partners in partner_sets:
        names = partners.split(",")
        for name in names:
            if name in combine.OWN and name not in fitted:  # the zoo's own: every series at once, as the app fits a batch
                fitted[name] = list(combine.OWN[name]([np.asarray(h)[-combine.TAIL:] for _, h, _ in rows],
                                                      p.horizon, p.season))
            elif name not in fitted:
                fitted[name] = statsforecast_forecasts(rows, p.horizon, p.season, name)
        partner = [np.mean([fitted[n][i] for n in names], axis=0) for i in range(len(rows))]
        for w in np.round(np.arange(0, 1.01, 0.1), 1):
            fc = [w * a + (1 - w) * b for a, b in zip(lstm, partner)]
            smape = np.mean([metrics.smape(f, c) for f, c in zip(actual, fc)])
            mase = np.nanmean([metrics.mase(h, f, c, p.season) for (_, h, f), c in zip(rows, fc)])

            def cover(k, fc=fc):
                return np.mean([metrics.coverage(a, c + k * (x[:, lo] - x[:, mid]), c + k * (x[:, hi] - x[:, mid]))
                                for a, c, x in zip(actual, fc, q)])

            scales = np.round(np.arange(0.5, 2.01, 0.05), 2)
            best = min(scales, key=lambda k: abs(cover(k) - 0.8))
            print(f"{p.name} forecasts {len(rows)} partners {partners} lstm_weight {w} smape {smape:.3f} "
                  f"mase {mase:.3f} coverage80 {cover(1.0):.4f} scale_for_80 {best} coverage_scaled {cover(best):.4f}",
                  flush=True)


def long_horizon(run: Path, partners: str, weight: float, scale: float) -> None:
    """sMAPE and 80% coverage per step for the model's whole horizon from the earliest cut point
    a ``--holdout dev`` run held out (origins x the subset's horizon values before each training
    part's end), served as a checkpoint would: the fan moved to the combined median, scaled."""
    from plugins.forecasting import combine, data, metrics
    from plugins.forecasting.export import load_run
    from plugins.forecasting.train import predict

    model, pre, meta = load_run(run)
    if meta["args"].get("holdout") != "dev":
        raise SystemExit(f"{run} is not a --holdout dev run: its dev origins were trained on")
    p = data.period(meta["args"].get("period", "monthly"))
    held, steps = meta["args"].get("origins", 1) * p.horizon, pre.horizon
    rows = [(s["id"], s["x"][:len(s["x"]) - held], s["x"][len(s["x"]) - held:][:steps]) for s in data.m3(p.name)
            if len(s["x"]) - held >= p.horizon and held >= steps]
    if not rows:
        raise SystemExit(f"the run held out {held} values per series: fewer than its {steps} steps")
    q = predict(model, pre, [h for _, h, _ in rows], m=p.season, horizon=steps)
    mid, lo, hi = (pre.quantiles.index(x) for x in (0.5, 0.1, 0.9))
    spec = combine.check({"models": partners.split(","), "lstm_weight": weight})
    served = combine.served_batch(q, mid, spec, [h for _, h, _ in rows], p.season)
    inside = np.array([(np.asarray(a) >= f[:, mid] + scale * (f[:, lo] - f[:, mid]))
                       & (np.asarray(a) <= f[:, mid] + scale * (f[:, hi] - f[:, mid])) for (_, _, a), f in zip(rows, served)])
    smape = np.mean([metrics.smape(a, f[:, mid]) for (_, _, a), f in zip(rows, served)])
    print(f"{p.name} series {len(rows)} steps {steps} partners {partners} lstm_weight {weight} scale {scale} "
          f"smape {smape:.3f} coverage80 {inside.mean():.4f}")
    print("coverage80 by step: " + ", ".join(f"{v:.3f}" for v in inside.mean(axis=0)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("periods", nargs="*", default=[], help="M3 subsets for the default checkpoint")
    ap.add_argument("--run", type=Path, help="a --holdout dev training run instead")
    ap.add_argument("--checkpoint", default=None, help="for the periods: this checkpoint (default: the default)")
    ap.add_argument("--partners", nargs="+", default=PARTNER_SETS,
                    help=f"partner sets, each comma-separated models averaged (default: {' '.join(PARTNER_SETS)})")
    ap.add_argument("--long", action="store_true", help="with --run: coverage per step over the model's horizon "
                    "(one partner set, --weight and --scale)")
    ap.add_argument("--weight", type=float, default=1.0, help="with --long: the LSTM's weight")
    ap.add_argument("--scale", type=float, default=1.0, help="with --long: the interval scale")
    a = ap.parse_args()
    if a.long:
        if not a.run or len(a.partners) != 1:
            raise SystemExit("--long needs --run and one partner set")
        return long_horizon(a.run, a.partners[0], a.weight, a.scale)
    if a.run:
        report(*dev_run(a.run), a.partners)
    for name in a.periods or ([] if a.run else ["yearly", "quarterly", "other"]):
        report(*from_checkpoint(name, a.checkpoint), a.partners)


if __name__ == "__main__":
    main()
