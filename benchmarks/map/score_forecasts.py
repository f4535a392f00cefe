"""sMAPE, MASE and 80% coverage of ``zoo map forecasting`` output against held-out values, with
the same definitions as ``python -m zoo eval forecasting`` (season 12):

    python benchmarks/map/score_forecasts.py FORECASTS.csv HISTORY_LONG.csv ACTUALS_LONG.csv
"""
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def main(forecasts: str, history: str, actuals: str, m: int = 12) -> dict:
    from plugins.forecasting import metrics

    fc, hist, act = pd.read_csv(forecasts), pd.read_csv(history), pd.read_csv(actuals)
    errors = fc[fc["error"].notna()] if "error" in fc else fc.iloc[:0]
    by_id = {k: g.sort_values("step") for k, g in fc[fc["forecast"].notna()].groupby("unique_id")}
    h = {k: g["y"].to_numpy() for k, g in hist.groupby("unique_id")}
    smape, mase, cover = [], [], []
    for sid, g in act.groupby("unique_id"):
        actual, f = g.sort_values("ds")["y"].to_numpy(), by_id[sid]
        smape.append(metrics.smape(actual, f["forecast"].to_numpy()))
        mase.append(metrics.mase(h[sid], actual, f["forecast"].to_numpy(), m))
        cover.append(metrics.coverage(actual, f["lo-80"].to_numpy(), f["hi-80"].to_numpy()))
    return {"series": len(smape), "errors": len(errors), "smape": round(float(np.mean(smape)), 3),
            "mase": round(float(np.mean(mase)), 3), "coverage": round(float(np.mean(cover)), 4)}


if __name__ == "__main__":
    print(main(*sys.argv[1:4]))
