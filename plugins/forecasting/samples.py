"""The tab's sample series, written once into ``samples/`` from their published sources:

- AirPassengers: monthly airline passengers 1949-1960 (Box & Jenkins), the CSV in the sktime
  wheel (BSD-3);
- MaunaLoaCO2: monthly means of the weekly Mauna Loa CO2 record 1958-2001 in the statsmodels
  wheel (its missing months stay empty: a real series with gaps);
- Sunspots: yearly sunspot numbers 1700-2008 from statsmodels;
- M3-N1404, M3-N1652, M3-N2500: three M3 monthly series, training and test parts together
  (no dates in the source: a step column ``t`` orders them), so "hold out 18" is the
  competition's own test.

    python -m plugins.forecasting.samples     # rewrite samples/ (needs pip and the M3 data)
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent / "samples"
M3_IDS = ("N1404", "N1652", "N2500")


def build() -> list[str]:
    import pandas as pd
    import statsmodels.api as sm

    from zoo.datasets import cache_dir, pip_download

    from . import data

    HERE.mkdir(exist_ok=True)
    wheel = pip_download("sktime==1.2.0", cache_dir("forecasting"))
    with zipfile.ZipFile(wheel) as z:
        air = pd.read_csv(io.BytesIO(z.read("sktime/datasets/data/Airline/Airline.csv")))
    air.to_csv(HERE / "AirPassengers.csv", index=False)
    co2 = sm.datasets.co2.load_pandas().data["co2"].resample("MS").mean()
    co2.round(2).rename_axis("month").to_frame("co2_ppm").to_csv(HERE / "MaunaLoaCO2.csv", date_format="%Y-%m")
    spots = sm.datasets.sunspots.load_pandas().data
    spots.assign(YEAR=spots["YEAR"].astype(int)).rename(columns={"YEAR": "year", "SUNACTIVITY": "sunspots"}).to_csv(
        HERE / "Sunspots.csv", index=False)
    by_id = {s["id"]: s for s in data.m3()}
    for sid in M3_IDS:
        s = by_id[sid]
        values = s["x"] + s["xx"]
        pd.DataFrame({"t": range(1, len(values) + 1), "value": values}).to_csv(HERE / f"M3-{sid}.csv", index=False)
    return sorted(p.name for p in HERE.glob("*.csv"))


if __name__ == "__main__":
    print(build())
