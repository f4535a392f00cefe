"""The LSTM's quantiles combined with statistical forecasters' point forecasts.

A checkpoint may name partners (statsforecast's ``DynamicOptimizedTheta`` and ``AutoETS``) and the
LSTM's weight in the median, both chosen on rolling-origin dev data: forecast combination is the
most reliable gain in the M competitions, and an LSTM, Theta and exponential smoothing err
differently. The partners' point forecasts are averaged; the served median is the weighted mean
of the LSTM's median and that average. The whole quantile fan moves with the median, so the
intervals keep the LSTM's (calibrated) width and shape.
"""
from __future__ import annotations

import numpy as np

PARTNERS = ("DynamicOptimizedTheta", "AutoETS")
TAIL = 240  # values a partner is fitted to (DynamicOptimizedTheta a few ms, AutoETS tens of ms)


def check(spec: dict | None) -> dict | None:
    """A checkpoint's ``combine`` entry, validated: ``{"models": [names], "lstm_weight": w}``
    (checkpoints written before partners could be several: ``{"model": name, ...}``)."""
    if not spec:
        return None
    models = spec["models"] if "models" in spec else [spec.get("model")]
    if not isinstance(models, list) or not models or any(m not in PARTNERS for m in models) \
            or len(set(models)) != len(models):
        raise ValueError(f"combine.models must be distinct names from {PARTNERS}, got {models!r}")
    w = float(spec.get("lstm_weight", -1))
    if not 0.0 <= w <= 1.0:
        raise ValueError(f"combine.lstm_weight must be within 0..1, got {spec.get('lstm_weight')!r}")
    return {"models": list(models), "lstm_weight": w}


def partner_forecast(name: str, values, horizon: int, season_length: int) -> np.ndarray:
    """One partner's point forecast of ``values`` (statsforecast, fitted here)."""
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
    and a notice where a partner could not take part: then the LSTM's own. ``fit(name)``: a
    partner forecast already made for this series (the app fits each model once per series)."""
    horizon, forecasts = len(q), []
    for name in spec["models"]:
        try:
            partner = fit(name) if fit else partner_forecast(name, np.asarray(values)[-TAIL:], horizon, season_length)
            partner = np.asarray(partner, dtype=np.float64)[:horizon]
            if len(partner) != horizon or not np.all(np.isfinite(partner)):
                return q, f"{name} gave no usable forecast for this series: the LSTM's forecast alone"
        except ImportError:
            return q, (f"this checkpoint averages the LSTM with statsforecast's {_names(spec)}, which is not "
                       "installed (pip install statsforecast): the LSTM's forecast alone")
        except Exception as exc:  # noqa: BLE001 - a partner's failure leaves the LSTM's forecast
            return q, f"{name} could not fit this series ({type(exc).__name__}): the LSTM's forecast alone"
        forecasts.append(partner)
    return combine(q, median_index, np.mean(forecasts, axis=0), spec["lstm_weight"]), None


def _names(spec: dict) -> str:
    return " and ".join(spec["models"])


def partners_text(spec: dict, prefix: str = "") -> str:
    """The partners as one forecast: ``X``, or ``the mean of X and Y`` (``prefix`` before the names)."""
    return prefix + spec["models"][0] if len(spec["models"]) == 1 else f"the mean of {prefix}{_names(spec)}"


def describe(spec: dict | None) -> str:
    if not spec:
        return "LSTM"
    w = spec["lstm_weight"]
    return f"LSTM ({w:g}) and {partners_text(spec)} ({1 - w:g}), weighted mean of the medians"
