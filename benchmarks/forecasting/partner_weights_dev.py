"""Dev only: would free weights for the LSTM and each of the zoo's partners (SES-Theta,
Holt-Winters, Dynamic-Theta) beat the served equal-weight mean? On the ``--holdout dev`` run's
3 rolling origins: the best simplex point (step 0.05) on all of dev, then the honest check,
weights chosen on two origins and scored on the third, beside the served weights (LSTM 0.2,
SES-Theta 0.4, Holt-Winters 0.4) on the same forecasts. sMAPE / MASE; no test part is read.

    python benchmarks/forecasting/partner_weights_dev.py --run runs/fc-dev3
"""
import argparse
import itertools
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from combine_dev import dev_parts  # noqa: E402

NAMES = ("lstm", "SES-Theta", "Holt-Winters", "Dynamic-Theta")
SERVED = (0.2, 0.4, 0.4, 0.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", type=Path, required=True)
    a = ap.parse_args()
    p, parts, actual, scale, origin = dev_parts(a.run, NAMES)

    def score(w, idx):
        fc = np.tensordot(np.asarray(w), parts[:, idx], axes=1)
        a = actual[idx]
        return (float(np.mean(200 * np.abs(a - fc) / (np.abs(a) + np.abs(fc)))),
                float(np.nanmean(np.mean(np.abs(a - fc), axis=1) / scale[idx])))

    grid = np.round(np.arange(0, 1.001, 0.05), 2)
    cands = [tuple(float(x) for x in (*w, round(1 - sum(w), 2))) for w in itertools.product(grid, repeat=3)
             if sum(w) <= 1 + 1e-9]
    every = np.arange(len(actual))
    print(f"{p.name}: {len(actual)} dev forecasts; weights ({', '.join(NAMES)})")
    print("served", SERVED, "sMAPE / MASE {:.3f} / {:.4f}".format(*score(SERVED, every)))
    for crit, label in ((0, "sMAPE"), (1, "MASE")):
        best = min(cands, key=lambda w: score(w, every)[crit])
        print(f"best on all of dev by {label}", best, "{:.3f} / {:.4f}".format(*score(best, every)))
    for crit, label in ((0, "sMAPE"), (1, "MASE")):
        for k in np.unique(origin):
            fit, held = np.flatnonzero(origin != k), np.flatnonzero(origin == k)
            best = min(cands, key=lambda w: score(w, fit)[crit])
            print(f"chosen by {label} on the other origins, scored on origin {k}: {best} "
                  "{:.3f} / {:.4f}".format(*score(best, held)) + "; served {:.3f} / {:.4f}".format(*score(SERVED, held)))


if __name__ == "__main__":
    main()
