"""The LSTM's quantiles combined with a statistical forecaster's point forecast.

A checkpoint may name a partner (statsforecast's ``DynamicOptimizedTheta``) and the LSTM's weight
in the median, both chosen on rolling-origin dev data: forecast combination is the most reliable
gain in the M competitions, and an LSTM and Theta err differently. The whole quantile fan moves
with the median, so the intervals keep the LSTM's (calibrated) width and shape.
"""
from __future__ import annotations

import numpy as np

PARTNERS = ("DynamicOptimizedTheta",)


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
    shift = (1.0 - lstm_weight) * (np.asarray(partner)[:len(q)] - q[:, median_index])
    return q + shift[:, None]


def describe(spec: dict | None) -> str:
    if not spec:
        return "LSTM"
    w = spec["lstm_weight"]
    return f"LSTM ({w:g}) and {spec['model']} ({1 - w:g}), weighted mean of the medians"
