"""Forecast accuracy as the M3/M4 competitions score it, and the classical baselines."""
from __future__ import annotations

import warnings

import numpy as np


def smape(actual, forecast) -> float:
    """Symmetric MAPE in percent (200 |F - A| / (|A| + |F|), as in M3/M4); 0/0 counts 0."""
    a, f = np.asarray(actual, float), np.asarray(forecast, float)
    denom = np.abs(a) + np.abs(f)
    terms = np.divide(200 * np.abs(f - a), denom, out=np.zeros_like(denom), where=denom > 0)
    return float(terms.mean())


def mase(history, actual, forecast, m: int) -> float:
    """MAE scaled by the in-sample MAE of the seasonal naive forecast (lag m, or 1 when the
    history is shorter than m + 1)."""
    h = np.asarray(history, float)
    lag = m if len(h) > m else 1
    scale = np.mean(np.abs(h[lag:] - h[:-lag])) if len(h) > lag else 0.0
    err = float(np.mean(np.abs(np.asarray(actual, float) - np.asarray(forecast, float))))
    return float(err / scale) if scale > 0 else float("nan")


def coverage(actual, lower, upper) -> float:
    a = np.asarray(actual, float)
    return float(np.mean((a >= np.asarray(lower)) & (a <= np.asarray(upper))))


def seasonal_naive(history, horizon: int, m: int) -> np.ndarray:
    h = np.asarray(history, float)
    if m < 2 or len(h) < m:
        return np.full(horizon, h[-1])
    return np.resize(h[-m:], horizon)


def theta(history, horizon: int, m: int) -> np.ndarray:
    """statsmodels' Theta method (Assimakopoulos & Nikolopoulos), deseasonalized when the
    series tests seasonal, multiplicatively for positive series."""
    from statsmodels.tsa.forecasting.theta import ThetaModel

    h = np.asarray(history, float)
    if np.ptp(h) == 0:  # statsmodels drifts away from a constant series (5, 5, ... -> 10.99, 11.61, ...)
        return np.full(horizon, h[-1])
    period = m if m >= 2 and len(h) >= 2 * m else 1
    method = "multiplicative" if h.min() > 0 else "additive"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = ThetaModel(h, period=period, method=method, deseasonalize=period > 1).fit()
            return np.asarray(res.forecast(horizon), float)
        except Exception:  # too short or degenerate for statsmodels: fall back to the naive forecast
            return np.full(horizon, h[-1])


def ets(history, horizon: int, m: int) -> np.ndarray:
    """statsmodels ETS with additive damped trend, and multiplicative seasonality when seasonal
    and positive (one fixed specification: no model selection)."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    h = np.asarray(history, float)
    seasonal = "mul" if m >= 2 and len(h) >= 2 * m and h.min() > 0 else ("add" if m >= 2 and len(h) >= 2 * m else None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = ExponentialSmoothing(h, trend="add", damped_trend=True, seasonal=seasonal,
                                       seasonal_periods=m if seasonal else None).fit()
            return np.asarray(res.forecast(horizon), float)
        except Exception:
            return np.full(horizon, h[-1])
