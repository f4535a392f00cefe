"""Dev only: Holt-Winters keeps a season found in the values (not given, not from dates) only where
it earns its states by AICc (``smoothing._season_or_not``). Prints (1) on simulated series, how
many false seasons (noisy straight lines the autocorrelation gives a season) it drops and how many
real ones it keeps, and (2) the served ``m3-monthly`` on the M3 monthly dev split with every
season inferred, with the choice and without it, in the same run. No test part is read.

    python benchmarks/forecasting/inferred_season_dev.py
"""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import zoo  # noqa: E402
from plugins.forecasting import data, metrics, smoothing, task  # noqa: E402
from plugins.forecasting.series import season_from_acf  # noqa: E402


def simulated(rng) -> None:
    lines = []
    while len(lines) < 40:
        y = 10 * np.arange(40) + rng.normal(0, 3, 40) + 1
        if (m := season_from_acf(list(y))) > 1:
            lines.append((y, m))
    plain = sum(np.allclose(smoothing.holt_winters([y], 8, m, inferred=True), smoothing.holt_winters([y], 8, 1))
                for y, m in lines)
    print(f"noisy straight lines given a false season: {plain} of {len(lines)} forecast without it")
    for m, n, slope in ((12, 48, 0.5), (12, 72, 3.0), (4, 24, 0.5), (12, 120, 1.0)):
        ys = [v for v in (100 + slope * np.arange(n) + 10 * np.sin(2 * np.pi * np.arange(n) / m) + rng.normal(0, 2, n)
                          for _ in range(100)) if season_from_acf(list(v)) == m]
        kept = sum(np.allclose(smoothing.holt_winters([y], m, m, inferred=True), smoothing.holt_winters([y], m, m))
                   for y in ys)
        print(f"a real season of {m} in {n} values (trend {slope}/step), found: kept in {kept} of {len(ys)}")


def m3_dev() -> None:
    pipe = zoo.pipeline("forecasting", checkpoint="m3-monthly", device="cpu")
    rows = data.split("dev", "monthly")
    hist, actual = [h for _, h, _ in rows], [f for _, _, f in rows]

    def scored() -> str:
        forecasts = [r["forecast"] for r in pipe.batch(hist, horizon=18)]  # no season_length: inferred
        smape = np.mean([metrics.smape(a, f) for a, f in zip(actual, forecasts)])
        mase = np.nanmean([metrics.mase(h, a, f, 12) for h, a, f in zip(hist, actual, forecasts)])
        return f"{smape:.3f} / {mase:.3f}"

    with_choice = scored()
    task.INFERRED, kept = "(never)", task.INFERRED  # every inferred season used as if given
    try:
        without = scored()
    finally:
        task.INFERRED = kept
    print(f"m3-monthly on the M3 monthly dev split ({len(rows)} series), seasons inferred, sMAPE / MASE: "
          f"with the choice {with_choice}, without {without}")


if __name__ == "__main__":
    simulated(np.random.default_rng(0))
    m3_dev()
