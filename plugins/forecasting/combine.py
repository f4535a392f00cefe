"""The LSTM's quantiles combined with a statistical forecaster's point forecast.

A checkpoint may name a partner (statsforecast's ``DynamicOptimizedTheta``) and the LSTM's weight
in the median, both chosen on rolling-origin dev data: forecast combination is the most reliable
gain in the M competitions, and an LSTM and Theta err differently. The whole quantile fan moves
with the median, so the intervals keep the LSTM's (calibrated) width and shape.
"""
from __future__ import annotations

import numpy as np

PARTNERS = ("DynamicOptimizedTheta",)
TAIL = 240  # values the partner is fitted to (a few ms; M3 histories are shorter)


def check(spec: dict | None) -> dict | None:
    """A checkpoint's ``combine`` entry, validated: ``{"model": name, "lstm_weight": w}``."""
    if not spec:
        return None
    if spec.get("model") not in PARTNERS:
        raise ValueError(f"combine.model must be one of {PARTNERS}, got {spec.get('model')!r}")
    w = float(spec.get("lstm_weight", -1))
    if not 0.0 <= w <= 1.0:
        raise ValueError(f"combine.lstm_weight must be within 0..1, got {spec.get('lstm_weight')!r}")
    return {"model": spec["model"], "lstm_weight": w}


def partner_forecast(name: str, values, horizon: int, season_length: int) -> np.ndarray:
    """The partner's point forecast of ``values`` (statsforecast, fitted here: ~2-5 ms a series)."""
    import statsforecast.models as models

    y = np.asarray(values, dtype=np.float64)
    model = getattr(models, name)(season_length=max(1, int(season_length)))
    return np.asarray(model.forecast(y=y, h=int(horizon))["mean"], dtype=np.float64)


def combine(q: np.ndarray, median_index: int, partner: np.ndarray, lstm_weight: float) -> np.ndarray:
    """Quantiles (steps x quantiles) moved so that the median becomes the weighted mean."""
    partner = np.asarray(partner, dtype=np.float64)
    if partner.shape != (len(q),):
        raise ValueError(f"the partner forecast has shape {partner.shape}, the quantiles {len(q)} steps")
    return q + ((1.0 - lstm_weight) * (partner - q[:, median_index]))[:, None]


def served(q: np.ndarray, median_index: int, spec: dict, values, season_length: int,
           fit=None) -> tuple[np.ndarray, str | None]:
    """The quantiles as a checkpoint with ``spec`` serves them (the app and the calibration alike),
    and a notice where the partner could not take part: then the LSTM's own. ``fit(name)``: a
    partner forecast already made for this series (the app fits each model once per series)."""
    name, horizon = spec["model"], len(q)
    try:
        partner = fit(name) if fit else partner_forecast(name, np.asarray(values)[-TAIL:], horizon, season_length)
        partner = np.asarray(partner, dtype=np.float64)[:horizon]
        if len(partner) != horizon or not np.all(np.isfinite(partner)):
            return q, f"{name} gave no usable forecast for this series: the LSTM's forecast alone"
    except ImportError:
        return q, (f"this checkpoint averages the LSTM with statsforecast's {name}, which is not installed "
                   "(pip install statsforecast): the LSTM's forecast alone")
    except Exception as exc:  # noqa: BLE001 - a partner's failure leaves the LSTM's forecast
        return q, f"{name} could not fit this series ({type(exc).__name__}): the LSTM's forecast alone"
    return combine(q, median_index, partner, spec["lstm_weight"]), None


def lstm_alone(pipe):
    """A copy of a forecasting pipeline that serves its LSTM without the partner (benchmarks and
    dev scripts compare the two); the cached pipeline keeps its own preprocessor."""
    import copy

    alone = copy.copy(pipe)
    alone.preprocessor = copy.copy(pipe.preprocessor)
    alone.preprocessor.combine = None
    return alone


def describe(spec: dict | None) -> str:
    if not spec:
        return "LSTM"
    w = spec["lstm_weight"]
    return f"LSTM ({w:g}) and {spec['model']} ({1 - w:g}), weighted mean of the medians"
