"""Dev only: would a median (or another plain combination) of the LSTM and the zoo's partners beat
the served weighted mean (LSTM 0.2, SES-Theta 0.4, Holt-Winters 0.4) on M3 monthly? On the
``--holdout dev`` run's rolling origins, all of dev and each origin; sMAPE / MASE; no test read.

    python benchmarks/forecasting/median_blends_dev.py --run runs/fc-dev3
"""
import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from combine_dev import dev_parts  # noqa: E402

NAMES = ("lstm", "SES-Theta", "Holt-Winters", "Dynamic-Theta")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", type=Path, required=True)
    a = ap.parse_args()
    p, parts, actual, scale, origin = dev_parts(a.run, NAMES)
    origins = int(origin.max()) + 1

    def score(fc, idx):
        act, f = actual[idx], fc[idx]
        return (float(np.mean(200 * np.abs(act - f) / (np.abs(act) + np.abs(f)))),
                float(np.nanmean(np.mean(np.abs(act - f), axis=1) / scale[idx])))

    candidates = {
        "served: 0.2 LSTM + 0.4 SES-Theta + 0.4 Holt-Winters": 0.2 * parts[0] + 0.4 * parts[1] + 0.4 * parts[2],
        "median of LSTM, SES-Theta, Holt-Winters": np.median(parts[:3], axis=0),
        "mean of the four (Dynamic-Theta too)": parts.mean(0),
        "median of the four": np.median(parts, axis=0),
        "0.2 LSTM + 0.8 median of the three partners": 0.2 * parts[0] + 0.8 * np.median(parts[1:], 0),
    }
    print(f"{p.name}: {len(actual)} dev forecasts, {origins} origins; sMAPE / MASE")
    for name, fc in candidates.items():
        every = "{:.3f} / {:.4f}".format(*score(fc, slice(None)))
        each = "  ".join("{:.3f} / {:.4f}".format(*score(fc, origin == k)) for k in range(origins))
        print(f"{name:55s} all {every}   by origin {each}")


if __name__ == "__main__":
    main()
