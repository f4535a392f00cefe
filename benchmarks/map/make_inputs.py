"""Real inputs for ``zoo map`` (the figures in BENCHMARKS.md): ``python benchmarks/map/make_inputs.py OUT``.

- ``OUT/reviews_1m.csv``: 1,000,000 rows ``id, text`` of the movie-review sentences (the
  sentiment data set's train split, cycled; needs ``python -m zoo data sentiment``);
- ``OUT/m3_monthly_long.csv``: the 1,428 M3 monthly series' training parts in Nixtla's long
  format ``unique_id, ds, y`` (``ds`` = step number), and ``OUT/m3_monthly_test.csv`` their 18
  held-out values (needs ``python -m zoo data forecasting``). Score a map's output with
  ``python benchmarks/map/score_forecasts.py OUT/forecasts.csv OUT/m3_monthly_long.csv OUT/m3_monthly_test.csv``.
"""
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main(out: Path, rows: int = 1_000_000) -> None:
    from plugins.forecasting import data as fdata
    from plugins.sentiment import data as sdata

    out.mkdir(parents=True, exist_ok=True)
    sentences = [ex.text for ex in sdata.load_splits()["train"]]
    with open(out / "reviews_1m.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        w.writerows([i, sentences[i % len(sentences)]] for i in range(rows))
    with open(out / "m3_monthly_long.csv", "w", newline="") as f, \
            open(out / "m3_monthly_test.csv", "w", newline="") as g:
        long, test = csv.writer(f), csv.writer(g)
        long.writerow(["unique_id", "ds", "y"])
        test.writerow(["unique_id", "ds", "y"])
        for sid, history, future in fdata.split("test"):
            long.writerows([sid, t, repr(float(v))] for t, v in enumerate(history, 1))
            test.writerows([sid, len(history) + t, repr(float(v))] for t, v in enumerate(future, 1))
    print(f"wrote {out}/reviews_1m.csv ({rows:,} rows), m3_monthly_long.csv and m3_monthly_test.csv")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000)
