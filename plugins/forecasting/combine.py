"""The LSTM's quantiles combined with statistical forecasters' point forecasts.

A checkpoint may name partners and the LSTM's weight in the median, both chosen on rolling-origin
dev data: forecast combination is the most reliable gain in the M competitions, and an LSTM,
Theta and exponential smoothing err differently. The partners' point forecasts are averaged; the
served median is the weighted mean of the LSTM's median and that average. The whole quantile fan
moves with the median, so the intervals keep the LSTM's (calibrated) width and shape.

Partners: the zoo's own ``SES-Theta``, ``Holt-Winters`` and ``Dynamic-Theta`` (``smoothing.py``:
every series of a batch fitted at once, about what the LSTM costs), and statsforecast's ``DynamicOptimizedTheta``
and ``AutoETS`` (fitted series by series: a few ms and about 100 ms a monthly series).
"""
from __future__ import annotations

import numpy as np

from . import smoothing

# (series, h, m, inferred=...) -> (series, h); ``inferred``: the season was found in the values, not given
OWN = {"SES-Theta": smoothing.theta, "Holt-Winters": smoothing.holt_winters, "Dynamic-Theta": smoothing.dynamic_theta}
STATSFORECAST = ("DynamicOptimizedTheta", "AutoETS")
PARTNERS = (*STATSFORECAST, *OWN)
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


def partner_forecast(name: str, values, horizon: int, season_length: int, inferred: bool = False) -> np.ndarray:
    """One partner's point forecast of ``values``."""
    y = np.asarray(values, dtype=np.float64)
    if name in OWN:
        with np.errstate(all="ignore"):  # overflow is a non-finite forecast, which served() refuses
            return OWN[name]([y], int(horizon), season_length, inferred=inferred)[0]
    import statsforecast.models as models

    model = getattr(models, name)(season_length=max(1, int(season_length)))
    return np.asarray(model.forecast(y=y, h=int(horizon))["mean"], dtype=np.float64)


def combine(q: np.ndarray, median_index: int, partner: np.ndarray, lstm_weight: float) -> np.ndarray:
    """Quantiles (steps x quantiles) moved so that the median becomes the weighted mean."""
    partner = np.asarray(partner, dtype=np.float64)
    if partner.shape != (len(q),):
        raise ValueError(f"the partner forecast has shape {partner.shape}, the quantiles {len(q)} steps")
    return q + ((1.0 - lstm_weight) * (partner - q[:, median_index]))[:, None]


def batch_fits(spec: dict | None, histories, horizon: int, season_lengths, inferred=False) -> list[dict]:
    """Per history, the forecasts of the spec's own partners, fitted to the whole batch at once
    (grouped by season length, and by whether it was ``inferred``: one flag, or one per history),
    for ``served``'s ``fit``; statsforecast's are left to be fitted series by series. A batch they
    cannot fit leaves them out: each series then tries alone."""
    fits: list[dict] = [{} for _ in histories]
    names = [n for n in (spec or {}).get("models", []) if n in OWN]
    if not names:  # nothing of the zoo's own to fit: not even a look at the histories
        return fits
    groups = list(zip(np.broadcast_to(np.asarray(season_lengths), (len(histories),)).tolist(),
                      np.broadcast_to(np.asarray(inferred, dtype=bool), (len(histories),)).tolist()))
    rows_of: dict[tuple, list[int]] = {}  # constant series are served as they are: not fitted
    for i, (h, g) in enumerate(zip(histories, groups)):
        if np.ptp(h):
            rows_of.setdefault(g, []).append(i)
    for name in names:
        for (m, found), rows in rows_of.items():
            try:
                with np.errstate(all="ignore"):
                    forecasts = OWN[name]([np.asarray(histories[i], dtype=np.float64)[-TAIL:] for i in rows],
                                          horizon, m, inferred=found)
            except Exception:  # noqa: BLE001 - served() fits such a series alone and says why it failed
                continue
            for i, f in zip(rows, forecasts):
                fits[i][name] = f
    return fits


def served_batch(qs, median_index: int, spec: dict, histories, season_length: int) -> list[np.ndarray]:
    """``served`` for many series, the zoo's own partners fitted to all at once. A constant series
    is left as given, its partners not fitted (the app serves the constant itself)."""
    fits = batch_fits(spec, histories, len(qs[0]) if len(qs) else 0, season_length)
    out = []
    for q, h, done in zip(qs, histories, fits):
        if not np.ptp(h):
            out.append(q)
            continue
        out.append(served(q, median_index, spec, h, season_length, done.get)[0])
    return out


def served(q: np.ndarray, median_index: int, spec: dict, values, season_length: int,
           fit=None, inferred: bool = False) -> tuple[np.ndarray, str | None]:
    """The quantiles as a checkpoint with ``spec`` serves them (the app and the calibration alike),
    and a notice where a partner could not take part: then the LSTM's own. ``fit(name)``: a
    partner forecast already made for this series (the app fits each model once per series), or
    None: fitted here."""
    horizon, forecasts = len(q), []
    for name in spec["models"]:
        try:
            partner = fit(name) if fit else None
            if partner is None:
                partner = partner_forecast(name, np.asarray(values)[-TAIL:], horizon, season_length, inferred)
            partner = np.asarray(partner, dtype=np.float64)[:horizon]
            if len(partner) != horizon or not np.all(np.isfinite(partner)):
                return q, f"{name} gave no usable forecast for this series: the LSTM's forecast alone"
        except ImportError:
            sf = partners_text(spec, "statsforecast's ")
            return q, (f"this checkpoint averages the LSTM with {sf}; "
                       "statsforecast is not installed (pip install statsforecast): the LSTM's forecast alone")
        except Exception as exc:  # noqa: BLE001 - a partner's failure leaves the LSTM's forecast
            return q, f"{name} could not fit this series ({type(exc).__name__}): the LSTM's forecast alone"
        forecasts.append(partner)
    return combine(q, median_index, np.mean(forecasts, axis=0), spec["lstm_weight"]), None


def partners_text(spec: dict, prefix: str = "") -> str:
    """The partners as one forecast: ``X``, or ``the mean of X and Y``, each named with whose it
    is (``prefix``: "statsforecast's " then, say, where statsforecast's are meant)."""
    names = [f"{prefix if n in STATSFORECAST else ''}{n}" for n in spec["models"]]
    return names[0] if len(names) == 1 else "the mean of " + " and ".join(names)


def describe(spec: dict | None, reads=()) -> str:
    """The served method; ``reads``: the partners the network reads."""
    lstm = f"LSTM reading the forecasts of {' and '.join(reads)}" if reads else "LSTM"
    if not spec:
        return lstm
    w = spec["lstm_weight"]
    return f"{lstm} ({w:g}) and {partners_text(spec)} ({1 - w:g}), weighted mean of the medians"
