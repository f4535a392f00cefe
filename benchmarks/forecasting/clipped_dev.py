"""Dev only: how many forecasts the clipping at zero touches (a series that never goes below zero
gets no negative forecast or bound). Per checkpoint, on 2 rolling dev origins of its M3 subset
(histories of 8 or more values): the series whose median, and whose 80% lower bound, reach 0.
No test part is read.

    python benchmarks/forecasting/clipped_dev.py
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import zoo  # noqa: E402
from plugins.forecasting import data  # noqa: E402

for name in ("monthly", "quarterly", "yearly", "other"):
    p = data.period(name)
    rows = [r for k in range(2) for r in data.split("dev", p.name, origin=k) if len(r[1]) >= 8]
    res = zoo.pipeline("forecasting", checkpoint=f"m3-{name}").batch(
        [h for _, h, _ in rows], horizon=p.horizon, season_length=p.season)
    print(f"m3-{name}: {len(rows)} dev forecasts; median at 0: {sum(min(r['forecast']) <= 0 for r in res)}; "
          f"80% lower bound at 0: {sum(min(r['lower']) <= 0 for r in res)}", flush=True)
