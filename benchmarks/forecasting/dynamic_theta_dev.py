"""Dev only: the zoo's ``Dynamic-Theta`` (``smoothing.dynamic_theta``: the Dynamic Optimised
Theta Model fitted to every series at once, least squares per alpha) against statsforecast's
``DynamicOptimizedTheta`` (Nelder-Mead, series by series) on the same dev histories, in the same
run: sMAPE / MASE of each alone, seconds for the whole set and their ratio, and, on the series
without a season (both fit the same model to the same values there), how often the zoo's fit has
an in-sample error no larger than statsforecast's. No test part is read.

    python benchmarks/forecasting/dynamic_theta_dev.py              # every M3 subset, 2 dev origins
    python benchmarks/forecasting/dynamic_theta_dev.py other --origins 1
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from plugins.forecasting import data, metrics, smoothing  # noqa: E402


def in_sample_ok(y: np.ndarray) -> bool:
    """The zoo's fit of a non-seasonal series has statsforecast's objective no larger than its own."""
    from statsforecast.theta import auto_theta

    ab = smoothing._regression_states(y[None])
    a, c, l0, _ = (float(v[0]) for v in smoothing._dotm_params(y[None], np.array([len(y)]), ab))
    ours = auto_theta(y, 1, model="DOTM", initial_smoothed=l0, alpha=a, theta=1 / (1 - c))["mse"]
    return ours <= auto_theta(y, 1, model="DOTM")["mse"] * (1 + 1e-6)


def main() -> None:
    from statsforecast.models import DynamicOptimizedTheta

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("periods", nargs="*", default=["monthly", "quarterly", "yearly", "other"])
    ap.add_argument("--origins", type=int, default=2)
    a = ap.parse_args()
    for name in a.periods:
        p = data.period(name)
        rows = [r for k in range(a.origins) for r in data.split("dev", p.name, origin=k) if len(r[1]) >= 8]
        hs = [np.asarray(h, dtype=np.float64)[-240:] for _, h, _ in rows]  # as served: the last 240 values
        started = time.perf_counter()
        ours = smoothing.dynamic_theta(hs, p.horizon, p.season)
        t_ours = time.perf_counter() - started
        started = time.perf_counter()
        theirs = [DynamicOptimizedTheta(season_length=p.season).forecast(y=h, h=p.horizon)["mean"] for h in hs]
        t_theirs = time.perf_counter() - started

        def score(fc, rows=rows, m=p.season):
            return (np.mean([metrics.smape(f, c) for (_, _, f), c in zip(rows, fc)]),
                    np.nanmean([metrics.mase(h, f, c, m) for (_, h, f), c in zip(rows, fc)]))

        plain = [h for h in hs if p.season == 1]
        ok = sum(in_sample_ok(h) for h in plain)
        print(f"{p.name}: {len(rows)} dev forecasts, h {p.horizon}; sMAPE / MASE: Dynamic-Theta "
              "{:.3f} / {:.3f}, statsforecast DynamicOptimizedTheta {:.3f} / {:.3f}; ".format(*score(ours), *score(theirs))
              + f"seconds {t_ours:.3f} vs {t_theirs:.3f} ({t_theirs / t_ours:.1f}x)"
              + (f"; in-sample error no larger than statsforecast's on {ok} of {len(plain)}" if plain else ""),
              flush=True)


if __name__ == "__main__":
    main()
