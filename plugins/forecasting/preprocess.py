"""Turning a series into the model's inputs and its outputs back into forecasts; saved with the
weights as ``preprocessor.json``.

For one series (its last ``context`` values at most):
1. seasonality: when the season length ``m`` > 1, at least ``3 m`` values are there and the
   autocorrelation at lag ``m`` is significant (90%, the test of the M4 benchmarks), seasonal
   indices come from a classical decomposition (multiplicative for positive series, else
   additive) and the series is deseasonalized;
2. scaling: ``z = (d - level) / scale`` where ``level`` is the mean of the last season of the
   deseasonalized values and ``scale`` their mean absolute step, so every series looks alike;
3. the model reads the last ``window`` scaled values, left-padded with a mask feature where the
   series is shorter.

The model predicts quantiles of ``z`` for each step ahead; ``forecast`` undoes 2 and 1.
Everything is computed from the context alone, so ``encode(decode(e)) == e``.

A preprocessor that ``reads`` partners (``SES-Theta``, ``Holt-Winters``...: ``combine.OWN``) also
fits them to each series' context and hands the network their forecasts
of every step, deseasonalized and scaled as 1 and 2 do the targets (``encode_batch``).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

FILE = "preprocessor.json"
QUANTILES = (0.025, 0.05, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.9, 0.95, 0.975)


def seasonal_flags(series: list[np.ndarray], season_lengths) -> list[bool]:
    """Per series, whether its ACF at lag m is beyond its 90% limit (as in the M4 competition's
    benchmark code); ``season_lengths``: one for all, or one per series. Series of one length and
    season are tested together: each lag's dot products are still one BLAS ddot per series (a
    stacked ``matmul`` of vectors), so the figures are those of ``x[:n - k] @ x[k:]`` to the bit,
    without a Python call per lag and series."""
    ms = np.broadcast_to(np.asarray(season_lengths), (len(series),)).tolist()
    out = [False] * len(series)
    groups: dict[tuple[int, int], list[int]] = {}
    for i, (y, m) in enumerate(zip(series, ms)):
        if m >= 2 and len(y) >= 3 * m:
            groups.setdefault((len(y), int(m)), []).append(i)
    for (n, m), rows in groups.items():
        X = np.stack([np.asarray(series[i], dtype=np.float64) for i in rows])
        X = X - X.mean(axis=1, keepdims=True)
        dots = np.stack([np.matmul(X[:, None, :n - k], X[:, k:, None])[:, 0, 0] for k in range(m + 1)], axis=1)
        denom = dots[:, :1]  # lag 0: x @ x
        with np.errstate(all="ignore"):  # a constant series (denom 0) is not seasonal, below
            acf = dots / denom
            limit = 1.645 * np.sqrt((1 + 2 * np.sum(acf[:, 1:m] ** 2, axis=1)) / n)
            flags = (denom[:, 0] != 0.0) & (np.abs(acf[:, m]) > limit)
        for i, flag in zip(rows, flags.tolist()):
            out[i] = flag
    return out


def is_seasonal(y: np.ndarray, m: int) -> bool:
    """``seasonal_flags`` of one series."""
    return seasonal_flags([y], m)[0]


def seasonal_indices(y: np.ndarray, m: int, multiplicative: bool) -> np.ndarray:
    """Per position ``i % m`` (``i`` counted from the window's start): classical decomposition
    against a centred moving average (2 x m when m is even)."""
    if m % 2 == 0:
        weights = np.r_[0.5, np.ones(m - 1), 0.5] / m
    else:
        weights = np.ones(m) / m
    trend = np.convolve(y, weights, mode="valid")
    start = (len(weights) - 1) // 2
    detrended = y[start:start + len(trend)] / trend if multiplicative else y[start:start + len(trend)] - trend
    positions = np.arange(start, start + len(trend)) % m
    idx = np.bincount(positions, weights=detrended, minlength=m) / np.bincount(positions, minlength=m)
    return idx / idx.mean() if multiplicative else idx - idx.mean()


def deseasonalize_batch(series: list[np.ndarray], season_lengths) -> list[tuple[np.ndarray, np.ndarray, bool]]:
    """Per series ``(d, indices, multiplicative)``: the series without its season where it tests
    seasonal (indices empty where not), multiplicatively for positive series; ``season_lengths``:
    one for all, or one per series."""
    ms = np.broadcast_to(np.asarray(season_lengths), (len(series),)).tolist()
    out = []
    for y, m, flag in zip(series, ms, seasonal_flags(series, ms)):
        if not flag:
            out.append((y, np.zeros(0), False))
            continue
        multiplicative = bool(y.min() > 0)
        indices = seasonal_indices(y, m, multiplicative)
        s = indices[np.arange(len(y)) % m]
        out.append(((y / s if multiplicative else y - s), indices, multiplicative))
    return out


def deseasonalize(y: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """``deseasonalize_batch`` of one series."""
    return deseasonalize_batch([y], m)[0]


def reseasonalize(d: np.ndarray, n: int, m: int, indices: np.ndarray, multiplicative: bool) -> np.ndarray:
    """Forecasts ``d`` (steps first) of a series of ``n`` values, given back its season."""
    if not indices.size:
        return d
    s = indices[(n + np.arange(d.shape[0])) % m].reshape((-1,) + (1,) * (d.ndim - 1))
    return d * s if multiplicative else d + s


def _plain(value):
    """Arrays as lists, inside dicts too (``encode``'s JSON-ready form)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value.tolist() if isinstance(value, np.ndarray) else value


INFERRED = "from the autocorrelation"  # prepare()'s how for a season found in the values, not given


class ForecastPreprocessor:
    def __init__(self, window: int = 36, horizon: int = 18, quantiles=QUANTILES, interval_scale: float = 1.0,
                 context: int = 120, log: bool = False, combine: dict | None = None, reads=()):
        from .combine import OWN, check

        self.window, self.horizon, self.context = int(window), int(horizon), int(context)
        # Scale positive series in log space (relative changes, as sMAPE measures them).
        self.log = bool(log)
        self.quantiles = tuple(float(q) for q in quantiles)
        # Widens (> 1) or narrows the intervals around the median; calibrated on the dev split.
        self.interval_scale = float(interval_scale)
        # A statistical partner whose forecast the median is averaged with (``combine.py``), or None.
        self.combine = check(combine)
        # Partners whose forecasts the network reads beside the values (the zoo's own: fitted by batch).
        self.reads = tuple(str(n) for n in reads)
        if any(n not in OWN for n in self.reads) or len(set(self.reads)) != len(self.reads):
            raise ValueError(f"reads must be distinct names from {tuple(OWN)}, got {list(self.reads)!r}")

    def config(self) -> dict:
        return {"file": FILE, "window": self.window, "context": self.context, "horizon": self.horizon,
                "quantiles": list(self.quantiles), "interval_scale": self.interval_scale, "log": self.log,
                **({"combine": self.combine} if self.combine else {}), **({"reads": list(self.reads)} if self.reads else {})}

    def save(self, folder: Path) -> None:
        (Path(folder) / FILE).write_text(json.dumps(self.config(), indent=2) + "\n")

    @classmethod
    def load(cls, folder: Path) -> ForecastPreprocessor:
        return cls.from_config(json.loads((Path(folder) / FILE).read_text()))

    @classmethod
    def from_config(cls, cfg: dict) -> ForecastPreprocessor:
        """The inverse of ``config()`` (also what a training run's state.json records)."""
        return cls(cfg["window"], cfg["horizon"], cfg["quantiles"], cfg["interval_scale"], cfg["context"],
                   cfg.get("log", False), cfg.get("combine"), cfg.get("reads", ()))

    # -- the zoo's preprocessor contract: the task's input in, its encoding out --------------------
    def prepare(self, input, season_length: int = 0):
        """Parse any input form into a clean ``Series`` and choose its season length: the one
        asked for, else the series' own (``{"season_length": m}``), else that of the frequency
        chosen with it (``{"frequency": "weekly"}``: 52), else its dates' calendar, else the
        autocorrelation. Returns ``(series, m, how)``."""
        from . import series as S

        s = S.from_input(input)
        from_dates = S.season_of(s.freq)
        def asked(m: int, what: str) -> None:  # a season asked for that the dates contradict is used, and said
            if from_dates is not None and from_dates != m:
                s.notices.append(f"the dates are {S.freq_name(s.freq) or s.freq} (season {from_dates}) but {what} "
                                 f"was asked for: using {m}")

        if season_length:
            asked(int(season_length), f"season length {season_length}")
            return s, int(season_length), "given"
        if s.season_length:
            return s, s.season_length, "given with the series"
        if s.frequency:
            asked(S.FREQUENCIES[s.frequency], f"{s.frequency} (season {S.FREQUENCIES[s.frequency]})")
            return s, S.FREQUENCIES[s.frequency], f"of the frequency chosen ({s.frequency})"
        if from_dates is not None:
            return s, from_dates, f"from the dates ({S.freq_name(s.freq) or s.freq})"
        return s, S.season_from_acf(s.values), INFERRED

    def encode(self, input, season_length: int = 0) -> dict:
        s, m, how = self.prepare(input, season_length)
        return _plain(self.encode_batch([s.values], m, how == INFERRED)[0])

    def decode(self, encoded: dict) -> dict:
        """The series the encoding was made from (its context), as an input."""
        return {"values": list(encoded["values"]), "season_length": encoded["season_length"]}

    def _context(self, values) -> np.ndarray:
        y = np.asarray(values, dtype=np.float64)[-self.context:]
        if y.size == 0 or not np.all(np.isfinite(y)):
            raise ValueError("encode() takes a non-empty series of finite numbers (fill gaps first)")
        return y

    def _encoded(self, y: np.ndarray, m: int, d: np.ndarray, indices: np.ndarray, multiplicative: bool) -> dict:
        """``encode`` of a clean context ``y`` and its decomposition, its arrays left as arrays."""
        seasonal = indices.size > 0
        log = bool(self.log and d.min() > 0)
        if log:
            d = np.log(d)
        k = m if seasonal else 1
        level = float(d[-k:].mean())
        steps = np.abs(np.diff(d))
        scale = float(steps.mean()) if steps.size else 0.0
        # Relative floors only: an absolute one (1e-8 until 2026-12-04) swamped series of tiny values.
        scale = max(scale, 1e-3 * abs(level)) or 1.0  # 1.0: every value 0 (z is 0 whatever the scale)
        z = np.clip((d - level) / scale, -100, 100)
        z = z[-self.window:]
        inputs = np.zeros((self.window, 2))  # (value, present) per step, left-padded with absent steps
        inputs[self.window - len(z):] = np.stack([z, np.ones(len(z))], axis=1)
        return {"values": y, "season_length": m, "seasonal": indices,
                "multiplicative": multiplicative, "log": log, "level": level, "scale": scale, "inputs": inputs}

    def encode_batch(self, histories, season_lengths, inferred=False) -> list[dict]:
        """The encoding of every history, its arrays left as arrays (``encode`` gives lists);
        ``season_lengths`` and ``inferred``: one for all, or one per history. Where the network
        reads partners, each encoding's ``partners`` holds their scaled forecasts (reads x horizon)
        and ``partner_forecasts`` them in the series' units. A partner that cannot fit a series is
        read as a flat forecast at the level, and ``notices`` says so (a constant series: every
        partner is the constant, also flat)."""
        from . import combine

        ms = np.broadcast_to(np.asarray(season_lengths), (len(histories),)).tolist()
        flags = np.broadcast_to(np.asarray(inferred, dtype=bool), (len(histories),)).tolist()
        ys = [self._context(h) for h in histories]
        encs = [self._encoded(y, int(m), *parts) for y, m, parts in zip(ys, ms, deseasonalize_batch(ys, ms))]
        if not self.reads:
            return encs
        # Fitted to the context, as everything else here, so that ``encode(decode(e)) == e``.
        fits = combine.batch_fits({"models": list(self.reads)}, [e["values"] for e in encs], self.horizon, ms, flags)
        forecasts = np.zeros((len(encs), len(self.reads), self.horizon))
        read = np.zeros((len(encs), len(self.reads)), dtype=bool)  # fitted: read as forecast; else as flat
        for i, (e, fit, m, found) in enumerate(zip(encs, fits, ms, flags)):
            e["partner_forecasts"] = {}
            if not np.ptp(e["values"]):
                continue
            for k, name in enumerate(self.reads):
                f = fit.get(name)
                if f is None:  # the batch could not fit it: alone, as served() does
                    try:
                        f = combine.partner_forecast(name, e["values"], self.horizon, m, found)
                    except Exception:  # noqa: BLE001 - read as flat below, and said
                        f = None
                if f is None or len(f) != self.horizon or not np.all(np.isfinite(f)):
                    e.setdefault("notices", []).append(f"{name} could not fit this series: the network read a flat "
                                                       "forecast in its place")
                    continue
                e["partner_forecasts"][name] = forecasts[i, k] = f
                read[i, k] = True
        with np.errstate(all="ignore"):  # the whole batch in one pass (per series, a third of the time)
            z = np.clip(np.nan_to_num(self._scaled_batch(encs, forecasts), nan=0.0, posinf=100.0, neginf=-100.0),
                        -100, 100)
        z[~read] = 0.0
        for e, row in zip(encs, z):
            e["partners"] = row
        return encs

    def _scaled_batch(self, encs: list[dict], future: np.ndarray) -> np.ndarray:
        """Values after each series' end (series x rows x steps: its targets, or the forecasts it
        reads) deseasonalized and scaled as that series was, for the whole batch at once."""
        steps = future.shape[-1]
        divide, subtract = np.ones((len(encs), steps)), np.zeros((len(encs), steps))  # the seasonal factors
        for i, e in enumerate(encs):
            if len(e["seasonal"]):
                s = np.asarray(e["seasonal"])[(len(e["values"]) + np.arange(steps)) % e["season_length"]]
                (divide if e["multiplicative"] else subtract)[i] = s
        f = future / divide[:, None] - subtract[:, None]
        logged = np.array([bool(e.get("log")) for e in encs])
        if logged.any():
            f[logged] = np.log(np.maximum(f[logged], 1e-12))
        level = np.array([e["level"] for e in encs])[:, None, None]
        scale = np.array([e["scale"] for e in encs])[:, None, None]
        return (f - level) / scale

    def targets(self, encoded: dict, future) -> list[float]:
        """The scaled, deseasonalized targets the model learns (training only)."""
        return list(self._scaled_batch([encoded], np.asarray(future, dtype=np.float64)[None, None])[0, 0])

    def forecast(self, encoded: dict, z_quantiles: np.ndarray) -> np.ndarray:
        """``z_quantiles`` (steps x quantiles, sorted) back to the series' units."""
        q = np.asarray(z_quantiles, dtype=np.float64)
        median = q[:, [self.quantiles.index(0.5)]]
        q = median + self.interval_scale * (q - median)
        d = encoded["level"] + encoded["scale"] * q
        if encoded.get("log"):
            d = np.exp(np.clip(d, -700, 700))
        return reseasonalize(d, len(encoded["values"]), encoded["season_length"], np.asarray(encoded["seasonal"]),
                             encoded["multiplicative"])
