"""Dev only: which checkpoint should answer a series that comes without dates and shows no season
(the router's default for it). Every M3 dev history of each subset whose season the router would
not find (``season_from_acf`` gives 1), as undated numbers, forecast by each checkpoint at the
subset's horizon; sMAPE and MASE (non-seasonal scale) per subset, and over all of them with each
series counted once. Two rolling dev origins; no test part is read.

    python benchmarks/forecasting/undated_route_dev.py
"""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import zoo  # noqa: E402
from plugins.forecasting import data, metrics  # noqa: E402
from plugins.forecasting import series as S  # noqa: E402

CHECKPOINTS = ("m3-monthly", "m3-quarterly", "m3-yearly", "m3-other")
scores: dict[str, dict[str, list[tuple[float, float]]]] = {c: {} for c in CHECKPOINTS}
for name in ("monthly", "quarterly", "yearly", "other"):
    p = data.period(name)
    rows = [r for k in range(2) for r in data.split("dev", p.name, origin=k)
            if len(r[1]) >= S.MIN_VALUES and S.season_from_acf(r[1]) == 1]
    for checkpoint in CHECKPOINTS:
        results = zoo.pipeline("forecasting", checkpoint=checkpoint).batch([h for _, h, _ in rows], horizon=p.horizon)
        assert all(r["season_length"] == 1 for r in results)  # read as the router reads them: no season
        scores[checkpoint][name] = [(metrics.smape(f[:p.horizon], r["forecast"]),
                                     metrics.mase(h, f[:p.horizon], r["forecast"], 1)) for (_, h, f), r in zip(rows, results)]
    print(f"{name}: {len(rows)} undated dev histories without a season found", flush=True)

print("\nsMAPE / MASE (non-seasonal scale), mean over the series")
print(f"{'checkpoint':14s}" + "".join(f"{n:>18s}" for n in ("monthly", "quarterly", "yearly", "other", "all")))
for checkpoint, by in scores.items():
    every = [x for v in by.values() for x in v]
    cells = [np.mean(v, axis=0) for v in by.values()] + [np.mean(every, axis=0)]
    print(f"{checkpoint:14s}" + "".join(f"{s:>10.3f} / {m:5.3f}" for s, m in cells))
