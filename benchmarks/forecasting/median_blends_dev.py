"""Dev only: would a median (or another plain combination) of the LSTM and the zoo's partners beat
the served weighted mean (LSTM 0.2, SES-Theta 0.4, Holt-Winters 0.4) on M3 monthly? On the
``--holdout dev`` run's rolling origins, all of dev and each origin; sMAPE / MASE; no test read.

    python benchmarks/forecasting/median_blends_dev.py --run runs/fc-dev3
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from combine_dev import dev_run  # noqa: E402

from plugins.forecasting import combine, data  # noqa: E402

NAMES = ("lstm", "SES-Theta", "Holt-Winters", "Dynamic-Theta")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", type=Path, required=True)
    a = ap.parse_args()
    p, rows, q, levels = dev_run(a.run)
    mid = levels.index(0.5)
    hs = [np.asarray(h, dtype=np.float64)[-combine.TAIL:] for _, h, _ in rows]
    parts = np.stack([np.array([f[:p.horizon, mid] for f in q]),
                      *(combine.OWN[n](hs, p.horizon, p.season) for n in NAMES[1:])])  # (models, series, h)
    actual = np.array([f for _, _, f in rows])
    scale = np.array([np.mean(np.abs(np.asarray(h)[p.season:] - np.asarray(h)[:-p.season])) for _, h, _ in rows])
    origins = json.loads((a.run / "state.json").read_text())["args"].get("origins", 1)  # dev_rows: origin-major
    origin = np.repeat(np.arange(origins), [len(data.split("dev", p.name, origin=k)) for k in range(origins)])

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
    print(f"{p.name}: {len(rows)} dev forecasts, {origins} origins; sMAPE / MASE")
    for name, fc in candidates.items():
        every = "{:.3f} / {:.4f}".format(*score(fc, slice(None)))
        each = "  ".join("{:.3f} / {:.4f}".format(*score(fc, origin == k)) for k in range(origins))
        print(f"{name:55s} all {every}   by origin {each}")


if __name__ == "__main__":
    main()
