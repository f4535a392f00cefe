"""The forecasting tab: a series from a sample, an uploaded CSV or pasted numbers; horizon,
interval level, frequency and hold-out; a plot and, with hold-out, a table of errors."""
from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import time
from pathlib import Path

from zoo import InputError, Tab, settings

from . import series as S

NONE = "(none)"
FREQUENCY_CHOICES = ["infer", *S.FREQUENCIES, "none"]
HEAD_BYTES = 256 * 1024  # what the column list reads of an upload


def sample_names() -> list[str]:
    from .task import SAMPLES

    return sorted(p.stem for p in SAMPLES.glob("*.csv"))


def read_upload(path: str) -> bytes:
    size = os.path.getsize(path)
    if size > S.MAX_CSV_BYTES:
        raise InputError(f"the file is {size / 2**20:.0f} MB; at most {S.MAX_CSV_BYTES // 2**20} MB are read")
    with open(path, "rb") as f:
        return f.read()


def to_request(sample, upload, column, frequency, numbers, horizon, level, holdout):
    from .task import SAMPLES

    if numbers and str(numbers).strip():
        series = {"values": str(numbers), "name": "pasted numbers"}
    elif upload:
        series = {"csv": read_upload(upload), "column": column or None, "name": os.path.basename(upload)}
    elif sample and sample != NONE:
        if sample not in sample_names():
            raise InputError(f"unknown sample {sample!r}; samples: {', '.join(sample_names())}")
        series = {"csv": (SAMPLES / f"{sample}.csv").read_text(), "name": sample}
    else:
        raise InputError("choose a sample, upload a CSV or paste numbers")
    if frequency not in FREQUENCY_CHOICES:
        raise InputError(f"frequency must be one of {FREQUENCY_CHOICES}, got {frequency!r}")
    season = 0 if frequency == "infer" else 1 if frequency == "none" else S.FREQUENCIES[frequency]
    if frequency in S.FREQUENCIES:  # a frequency chosen picks its checkpoint too (when auto)
        series["frequency"] = frequency
    return series, {"horizon": horizon, "level": level, "season_length": season, "compare": True,
                    "holdout": bool(holdout)}


def forecast_frame(result: dict):
    """One row per forecast step: its date (or step), the LSTM's forecast and interval, the
    baselines and, with hold out, the actual value."""
    import pandas as pd

    n = len(result["forecast"])
    level = result.get("level", "")
    table = {"date": result["dates"]} if result.get("dates") else {"step": list(range(1, n + 1))}
    table |= {"forecast": result["forecast"], f"lower {level:g}%": result["lower"], f"upper {level:g}%": result["upper"]}
    table |= dict(result.get("baselines") or {})
    if result.get("actual"):
        table["actual (held out)"] = result["actual"]
    return pd.DataFrame(table)


DOWNLOADS = Path(tempfile.gettempdir()) / "lstm-zoo-forecasts"
KEEP_SECONDS = 1800


def forecast_csv(result: dict) -> str:
    """The forecast table as a CSV file for the download button. Named by its content (the same
    forecast is one file); files older than half an hour are removed, so the folder stays small."""
    data = forecast_frame(result).to_csv(index=False, float_format="%.6g").encode()
    DOWNLOADS.mkdir(exist_ok=True)
    now = time.time()
    for old in DOWNLOADS.glob("*.csv"):
        with contextlib.suppress(OSError):
            if now - old.stat().st_mtime > KEEP_SECONDS:
                old.unlink()
    name = re.sub(r"[^\w.-]+", "_", str(result.get("name") or "series"))[:60]
    path = DOWNLOADS / f"forecast-{name}-{hashlib.sha256(data).hexdigest()[:12]}.csv"
    path.write_bytes(data)
    return str(path)


def error_rows(result: dict) -> list[list]:
    errors = result.get("errors") or {}
    return [[name, e["smape"], e["mase"], e["mae"], e.get("interval_coverage", "")] for name, e in errors.items()]


def build(gr, task) -> Tab:
    from .plot import figure

    p = {x.name: x for x in task.params}
    with gr.Row():
        with gr.Column(scale=1):
            gr.Markdown("The series: pasted numbers when there are some, else the uploaded CSV, else the sample.")
            sample = gr.Dropdown([NONE, *sample_names()], value="AirPassengers", label="sample",
                                 elem_id="forecasting-sample")
            upload = gr.File(label=f"CSV file (a date column and value columns; at most {settings.max_upload_mb()} MB)",
                             file_types=[".csv", ".tsv", ".txt"], elem_id="forecasting-upload")
            # "" (not None) for the optional inputs: the API then lists them with a default, not as required
            column = gr.Dropdown([], value="", label="column", info="which value column of the CSV",
                                 allow_custom_value=True, elem_id="forecasting-column")
            numbers = gr.Textbox("", label="numbers", info="pasted values, oldest first; gaps as NaN or empty", lines=2,
                                 placeholder="112, 118, 132, 129, ...", elem_id="forecasting-numbers")
        with gr.Column(scale=1):
            frequency = gr.Dropdown(FREQUENCY_CHOICES, value="infer", label="frequency",
                                    info="sets the season length (monthly 12, quarterly 4, ...) and, with "
                                    "checkpoint auto, the checkpoint; infer: from the dates, else the "
                                    "autocorrelation", elem_id="forecasting-frequency")
            horizon = gr.Slider(0, p["horizon"].max, value=p["horizon"].default, step=1, precision=0,
                                label="horizon", info="steps ahead; 0: the usual for the checkpoint's frequency "
                                "(18 monthly, 8 quarterly, 6 yearly)")
            level = gr.Slider(50, 95, value=p["level"].default, step=5, label="level", info="prediction interval, %")
            holdout = gr.Checkbox(label="hold out", info="forecast the last `horizon` values from the rest "
                                  "and score each method on them", elem_id="forecasting-holdout")
            go = gr.Button("Forecast", variant="primary", elem_id="forecasting-submit")
    plot = gr.Plot(label="Forecast", elem_id="forecasting-plot")
    errors = gr.Dataframe(headers=["method", "sMAPE", "MASE", "MAE", "interval coverage"],
                          label="Errors on the held-out values", visible=False,
                          elem_id="forecasting-errors", interactive=False)
    with gr.Row():
        numbers_out = gr.Dataframe(label="The forecast, step by step", interactive=False, wrap=True,
                                   elem_id="forecasting-table", scale=3)
        download = gr.File(label="Download the forecast (CSV)", interactive=False, elem_id="forecasting-download",
                           scale=1)

    def columns_of(path):
        if not path:
            return gr.update(choices=[], value="")
        try:  # the first rows name the columns: a bounded read, however large the file
            with open(path, "rb") as f:
                head = f.read(HEAD_BYTES)
            names = S.value_columns(head[: head.rfind(b"\n") + 1] or head)
        except Exception:  # unreadable: the forecast itself says why
            names = []
        return gr.update(choices=names, value=names[0] if names else "")

    # Tab-local conveniences (no model, no queue): the column list follows the uploaded file, and the
    # error table is there only with hold out (without it there is nothing to score).
    upload.change(columns_of, inputs=upload, outputs=column, queue=False, api_visibility="private")
    holdout.change(lambda on: gr.update(visible=bool(on)), inputs=holdout, outputs=errors, queue=False,
                   api_visibility="private")

    return Tab(inputs=[sample, upload, column, frequency, numbers, horizon, level, holdout],
               outputs=[plot, errors, numbers_out, download], to_request=to_request,
               to_outputs=lambda r: (figure(r), error_rows(r),
                                     forecast_frame(r).round(4), forecast_csv(r)), submit=go,
               # A monthly, a yearly (served by m3-yearly, at its usual horizon) and an undated M3 series.
               examples=[[name, None, None, "infer", "", horizon, 80, True]
                         for name, horizon in (("AirPassengers", 12), ("Sunspots", 0), ("M3-N1652", 12))])
