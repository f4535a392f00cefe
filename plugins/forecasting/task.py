"""Time-series forecasting with a global quantile LSTM: point forecasts with prediction
intervals (the median averaged with statistical partners where the checkpoint says so, ``combine.py``),
beside seasonal naive, Theta and DynamicOptimizedTheta when asked, scored against held-out values when asked.
"""
from __future__ import annotations

import bisect
from pathlib import Path

import numpy as np

from zoo import Checkpoint, InputError, Param, Task

from . import combine, data
from . import series as S
from .evaluate import period_of, trained_on
from .model import QuantileLSTM, model_inputs
from .preprocess import INFERRED, ForecastPreprocessor
from .smoothing import values_for_season

HERE = Path(__file__).resolve().parent
SAMPLES = HERE / "samples"
HISTORY_SHOWN = 360  # values of history echoed in the result (for plots)
BASELINE_TAIL = 2_000  # values the baselines are fitted to (M3 series have at most 144)
LONG = 1000  # past this many values, say that only the recent past was read
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
REVISION = "48988b50465c15356f375c0a3e2526a88f23abac"
# A monthly network calibrated (combination weight, interval width) for each other M3 subset:
# quarterly the one m3-monthly serves; yearly and other the one before it (each chosen on dev).
PERIOD_REVISIONS = {"quarterly": "40a1c2203439a66a7b6144481c5d0d290ecfe4d7",
                    "yearly": "9d284ba55ab57c6f48dc7e58be3c72e2b4b9ee72",
                    "other": "81c83281a79f800a2ddd9d2a26986a6d60b9b2e3"}
_DESCRIBED = {"quarterly": "the monthly network reading SES-Theta and Holt-Winters, calibrated for quarterly series"}
# The M3 subset whose checkpoint serves a series of each calendar frequency; weekly, daily and
# hourly series are outside every training set: the non-seasonal 'other' model serves them, and
# the result leads with the baselines and says so.
_PERIOD_OF_FREQ = {"monthly": "monthly", "quarterly": "quarterly", "yearly": "yearly", "weekly": "other",
                   "daily": "other", "hourly": "other"}
OUTSIDE = ("weekly", "daily", "hourly")
_PERIOD_OF_SEASON = {12: "monthly", 4: "quarterly"}
ROUTE_READS = 50_000  # characters (or values) of an undated series that route() reads for its season


def _size(input) -> int:
    values = input.get("values") if isinstance(input, dict) else input
    return len(values) if isinstance(values, (str, list, tuple)) else 0


def _steps(ds: list) -> list[int] | None:
    """``ds`` as whole step numbers, or None where any is not one (then it is a date)."""
    try:
        steps = [int(x) for x in ds]
    except (TypeError, ValueError):
        return None
    return steps if all(str(x).strip().lstrip("-").isdigit() or isinstance(x, int) for x in ds) else None


def _bracket(grid: tuple[float, ...], p: float) -> tuple[int, float]:
    """The quantile grid's interval around ``p`` and ``p``'s place in it, clamped as ``np.interp``
    clamps (plain floats: numpy's scalar calls cost more than the arithmetic, twice per series)."""
    j = min(max(bisect.bisect_right(grid, p) - 1, 0), len(grid) - 2)
    return j, min(max((p - grid[j]) / (grid[j + 1] - grid[j]), 0.0), 1.0)


def _mended(s, values: list[float], found: list[int], read: int) -> list[float]:
    """``values`` with the lone values ``S.spikes`` found in their last ``read`` replaced by the mean
    of their neighbours, each said in a notice on ``s``. The last value is only named: a slip
    there cannot be told from a break that has just begun."""
    start, out, mended = max(len(values) - read, 0), list(values), []
    for t in (start + t for t in found):
        if t == len(values) - 1:
            s.notices.append(f"the last value, {values[t]:,.6g}, lies far outside the rest of the series: the "
                             "forecast follows it; if it is a slip (a typo, a unit), mend it")
            continue
        neighbours = [values[n] for n in (t - 1, t + 1) if n >= 0]
        out[t] = sum(neighbours) / len(neighbours)
        mended.append(f"{values[t]:,.6g} at position {t + 1:,} as {out[t]:,.6g}")
    if mended:
        s.notices.append(f"{'a value stands' if len(mended) == 1 else 'values stand'} alone far outside the rest of "
                         f"the series, a slip by the look of {'it' if len(mended) == 1 else 'them'} (a typo, a unit): "
                         f"read as the mean of {'its' if len(mended) == 1 else 'their'} neighbours, "
                         f"{', '.join(mended)}")
    return out


class ForecastingTask(Task):
    name = "forecasting"
    title = "Forecasting"
    tab_order = 40
    description = ("Forecast a time series with a global LSTM trained on the 1,428 monthly series of the M3 "
                   "competition, averaged with exponential smoothing (SES-Theta and damped Holt-Winters; "
                   "Dynamic-Theta for yearly, quarterly and other series): point forecasts and a prediction "
                   "interval, beside the seasonal naive and Theta forecasts. Pick a sample, upload a CSV (a date "
                   "column and value columns) or paste numbers.")
    pipeline_tag = "time-series-forecasting"
    params = [
        Param("horizon", int, 0, "steps ahead to forecast (0: the usual for the checkpoint's frequency: 18 monthly, "
              "8 quarterly, 6 yearly, 8 other)", min=0, max=max(p.model_horizon for p in data.PERIODS.values())),
        Param("level", float, 80.0, "prediction interval level, in percent", min=50.0, max=95.0),
        Param("season_length", int, 0, "steps per season (12 monthly, 4 quarterly; 0 = infer, 1 = none)",
              min=0, max=400),
        Param("compare", bool, False, "also return the baselines: seasonal naive, Theta, DynamicOptimizedTheta "
              "and the checkpoint's partners"),
        Param("holdout", bool, False, "hold out the last `horizon` values and score every method on them"),
        Param("partners", bool, True, "average the LSTM's median with the checkpoint's statistical partners "
              "(false: the LSTM alone, faster; the result's method says which; a network that reads its partners' "
              "forecasts reads them either way)"),
    ]
    checkpoints = [
        Checkpoint(id="m3-monthly", repo_id="lstm-zoo/forecasting-m3-monthly-lstm", revision=REVISION,
                   bundled=HERE / "checkpoints" / "m3-monthly", default=True,
                   description="global quantile LSTM ensemble reading SES-Theta and Holt-Winters forecasts, M3 monthly"),
        *(Checkpoint(id=f"m3-{p}", repo_id=f"lstm-zoo/forecasting-m3-{p}-lstm", revision=rev,
                     bundled=HERE / "checkpoints" / f"m3-{p}",
                     description=_DESCRIBED.get(p, f"the earlier monthly network and its partners, calibrated "
                                                      f"for {p} series"))
          for p, rev in PERIOD_REVISIONS.items()),
    ]

    def build_model(self, config: dict) -> QuantileLSTM:
        return QuantileLSTM(**config["architecture"])

    def load_preprocessor(self, folder: Path, config: dict) -> ForecastPreprocessor:
        return ForecastPreprocessor.load(folder)

    def route(self, input, params: dict, checkpoints) -> tuple[str, str] | None:
        """The checkpoint for the series' frequency (``m3-<period>``, where registered): the one
        chosen with the series (``{..., "frequency": "yearly"}``, as the tab passes it), else from
        its dates, else from the season length given, else from the season found in the values
        (12 monthly, 4 quarterly); otherwise the default (``m3-monthly``), named with the reason."""
        chosen = input.get("frequency") if isinstance(input, dict) else None
        if chosen is not None:
            freq = S.chosen_frequency(chosen)
            period, why, s = _PERIOD_OF_FREQ[freq], f"{freq} was chosen", None
        else:
            dated = isinstance(input, dict) and ("csv" in input or input.get("dates") is not None)
            # Dates need the series parsed here; undated numbers are parsed twice (here for their season,
            # then by the pipeline) only while short: a million pasted numbers take 2 s to parse.
            s = S.from_input(input) if dated or _size(input) <= ROUTE_READS else None
            freq = S.freq_name(s.freq) if s else None
            period, why = _PERIOD_OF_FREQ.get(freq or ""), f"the dates are {freq}"
        if period is None:
            own = s.season_length if s else input.get("season_length") if isinstance(input, dict) else None
            given = int(params.get("season_length") or 0) or (own if isinstance(own, int) else 0)
            if given:
                period, why = _PERIOD_OF_SEASON.get(given), f"season length {given} was given"
            elif s is not None:
                found = S.season_from_acf(s.values)
                period = _PERIOD_OF_SEASON.get(found)
                lead = "the dates are not on a regular calendar" if s.dates else "no dates"
                why = (f"{lead}; the values repeat every {found} steps" if found > 1
                       else f"{lead}, and no season in the values")
            else:
                why = "no dates, and a series this long is not read twice to find its season (give season_length)"
        if period is None or f"m3-{period}" not in checkpoints:
            period, why = "monthly", f"{why}: the default"
            if "m3-monthly" not in checkpoints:
                return None
        if freq in OUTSIDE:
            why += f": no checkpoint was trained on {freq} series, so the one for the M3's other series"
        return f"m3-{period}", why

    map_column, map_group = "y", "unique_id"  # zoo map reads Nixtla's long format: unique_id, ds, y

    def validate(self, input) -> None:
        S.check_type(input)

    # -- zoo map: a long-format table (unique_id, ds, y) in, one row per series and step out ----------
    def map_input(self, rows: list[dict], column: str) -> dict:
        """One series: its rows' values in file order; ``ds`` as dates, or left out where it is a
        step number (the forecast rows then count on from the last step)."""
        series = {"values": [r[column] for r in rows], "name": str(rows[0].get(self.map_group))}
        steps = _steps([r.get("ds") for r in rows])
        if steps is None and all(r.get("ds") not in (None, "") for r in rows):
            series["dates"] = [str(r["ds"]) for r in rows]
        return series

    def map_output(self, rows: list[dict], result: dict) -> list[dict]:
        steps = _steps([r.get("ds") for r in rows])
        last = steps[-1] if steps else len(rows)
        dates = result.get("dates") or [last + k for k in range(1, len(result["forecast"]) + 1)]
        level = result["level"]
        notices = "; ".join(result.get("notices", []))
        out = []
        for k, when in enumerate(dates):
            row = {self.map_group: rows[0].get(self.map_group), "ds": when, "step": k + 1,
                   "forecast": result["forecast"][k], f"lo-{level:g}": result["lower"][k],
                   f"hi-{level:g}": result["upper"][k]}
            row.update({f"q{p}": v[k] for p, v in result["quantiles"].items()})
            row.update(season_length=result["season_length"], notices=notices)
            out.append(row)
        return out

    def map_error(self, rows: list[dict], error: str) -> list[dict]:
        """A series that could not be forecast is one row: its id and the reason."""
        return [{self.map_group: rows[0].get(self.map_group) if rows else None, "error": error}]

    # -- prediction --------------------------------------------------------------------------------
    def predict_batch(self, pipe, inputs: list, **params) -> list[dict]:
        pre: ForecastPreprocessor = pipe.preprocessor
        horizon, level = params["horizon"] or data.period(period_of(pipe.config)).horizon, params["level"]
        if horizon > pre.horizon:
            raise InputError(f"parameter 'horizon' must be <= {pre.horizon} for this checkpoint "
                             f"(M3 {period_of(pipe.config)}), got {horizon}")
        jobs = []
        for x in inputs:
            s, m, how = pre.prepare(x, params["season_length"])
            values, actual = s.values, None
            if params["holdout"]:
                if len(values) - horizon < S.MIN_VALUES:
                    raise InputError(f"holding out {horizon} of {len(values)} values leaves fewer than "
                                     f"{S.MIN_VALUES} to forecast from")
                values, actual = values[:-horizon], values[-horizon:]
            jobs.append((s, m, how, values, actual))
        # A lone value far outside what the network and its partners read is mended before they
        # read it: one typo made SES-Theta's drift, and so the forecast, collapse to zero.
        read = max(pre.context, combine.TAIL)
        found = S.spikes([np.asarray(j[3][-read:], dtype=np.float64) for j in jobs])
        jobs = [(j[0], j[1], j[2], _mended(j[0], j[3], f, read), j[4]) if f else j for j, f in zip(jobs, found)]
        encs = pre.encode_batch([j[3] for j in jobs], [j[1] for j in jobs], [j[2] == INFERRED for j in jobs])
        jobs = [(*j, e) for j, e in zip(jobs, encs)]
        z = pipe.model(*model_inputs(encs, pre.horizon, pipe.dtype, pipe.device)).float().cpu().numpy()
        # The zoo's own partners are fitted to the whole batch at once (statsforecast's per series).
        fits = combine.batch_fits(pre.combine if params.get("partners", True) else None,
                                  [j[3] for j in jobs], horizon, [j[1] for j in jobs], [j[2] == INFERRED for j in jobs])
        # A partner the network read is fitted already (to the model's horizon).
        fits = [{**{n: f[:horizon] for n, f in e.get("partner_forecasts", {}).items()}, **fit}
                for e, fit in zip(encs, fits)]
        return [self._result(pipe, job, zq, horizon, level, params, fit)
                for job, zq, fit in zip(jobs, z, fits)]

    def _result(self, pipe, job, zq, horizon: int, level: float, params: dict, fits: dict) -> dict:
        from . import metrics

        pre = pipe.preprocessor
        s, m, how, values, actual, enc = job
        notices = list(s.notices) + list(enc.get("notices", []))
        frequency = s.frequency or S.freq_name(s.freq)  # chosen, else the dates'
        outside = frequency in OUTSIDE
        if outside:
            period, network = period_of(pipe.config), trained_on(pipe.config)
            calibrated = f", calibrated for the M3's {period} series" if period != network else ""
            notices.insert(0, f"{frequency} series are outside every training set (the network learned "
                              f"from M3 {network} series{calibrated}): the baselines are shown beside it; trust it "
                              "only where it does better on a holdout")
        elif frequency in S.FREQUENCIES and frequency != period_of(pipe.config):  # a checkpoint named for another
            notices.insert(0, f"the series is {frequency}, but this checkpoint serves the M3's {period_of(pipe.config)} "
                              f"series: m3-{frequency} is the one for {frequency} series (with no checkpoint named, the "
                              "zoo picks it)")
        spec = pre.combine if params.get("partners", True) else None
        if not params.get("partners", True) and pre.reads and not pre.combine:
            notices.append(f"partners=false changes nothing here: this checkpoint's network reads the forecasts of "
                           f"{' and '.join(pre.reads)} as its inputs, and averages nothing in")

        def fit(name: str) -> np.ndarray:  # each partner fitted at most once per series (the zoo's own: by batch_fits)
            if name not in fits:
                fits[name] = combine.partner_forecast(name, values[-combine.TAIL:], horizon, m, how == INFERRED)
            return fits[name]

        lowest, highest = float(min(values)), float(max(values))  # a list, usually: no array made for it
        constant = lowest == highest
        if constant:
            notices.append("the series is constant: the forecast is that constant, with no spread")
            q = np.full((horizon, len(pre.quantiles)), values[-1])
        else:
            if m > 1 and len(values) < values_for_season(m):
                notices.append(f"a season of {m} steps cannot be seen in {len(values)} values (a season and a half "
                               f"are needed): the forecast has no season")
            q = pre.forecast(enc, zq)[:horizon]
            if spec:
                q, notice = combine.served(q, pre.quantiles.index(0.5), spec, values, m, fit, how == INFERRED)
                if notice:  # a partner could not take part: the LSTM's forecast, and the method says so
                    notices.append(notice)
                    spec = None
            if lowest >= 0:  # a series never below zero: neither its forecast nor its interval
                q = np.maximum(q, 0.0)
        served = period_of(pipe.config)
        scored = data.period(served).horizon
        if horizon > scored and served != trained_on(pipe.config):
            notices.append(f"steps {scored + 1}-{horizon} are past the {scored} that this checkpoint's intervals were "
                           f"calibrated and scored on (M3 {served}): trust their spread less")
        if len(values) > LONG:
            notices.append(f"a long series: the model read the last {pre.context} of {len(values):,} values")
        lo_p, hi_p = (1 - level / 100) / 2, 1 - (1 - level / 100) / 2
        def interp(p: float) -> list[float]:  # the level's bound at every step: one bracket for all steps
            j, frac = _bracket(pre.quantiles, p)
            return (q[:, j] + frac * (q[:, j + 1] - q[:, j])).tolist()

        mid = pre.quantiles.index(0.5)
        out = {
            "forecast": q[:, mid].tolist(),
            "lower": interp(lo_p), "upper": interp(hi_p), "level": level,
            "quantiles": dict(zip((f"{p:g}" for p in pre.quantiles), q.T.tolist())),
            "method": "the constant value" if constant else combine.describe(spec, pre.reads),
            # read by the network, or averaged into the forecast
            "partners": [] if constant else list(dict.fromkeys([*pre.reads, *(spec["models"] if spec else [])])),
            "season_length": m, "season_length_source": how, "seasonal": bool(len(enc["seasonal"])), "name": s.name,
            "history": values[-HISTORY_SHOWN:],
            "history_dates": s.dates[:len(values)][-HISTORY_SHOWN:] if s.dates else None,
            "dates": S.future_dates(s.dates[:len(values)], s.freq, horizon) if s.dates else None,
        }
        if s.dates and s.freq and out["dates"] is None:
            notices.append("the forecast's dates would run past the year 2262, beyond what pandas can date: "
                           "its steps are numbered instead")
        if params["compare"] or params["holdout"] or outside:
            # The baselines see a bounded tail, as the model does: fitting Theta to a million values
            # took 25 s and a gigabyte, and its forecast is made by the recent past anyway.
            tail = values[-BASELINE_TAIL:]
            if len(values) > BASELINE_TAIL:
                notices.append(f"the baselines were fitted to the last {BASELINE_TAIL:,} values")
            # statsforecast's DynamicOptimizedTheta (a few ms) is fast enough to fit per request; the
            # checkpoint's partners (AutoETS: tens of ms per M3 series, 2 s on a 2,000-value tail) are
            # shown because its combination fitted them anyway.
            library = list(dict.fromkeys(["DynamicOptimizedTheta", *pre.reads, *(spec or {}).get("models", [])]))
            # The partners the network reads were fitted to what it reads; the others to a longer tail.
            for names, tail_of in (([n for n in library if n not in pre.reads], combine.TAIL),
                                   ([n for n in library if n in pre.reads], pre.context)):
                if names and len(values) > tail_of:
                    notices.append(f"{' and '.join(names)} {'was' if len(names) == 1 else 'were'} fitted to the "
                                   f"last {tail_of} values")
            out["baselines"] = {"seasonal naive": [float(v) for v in metrics.seasonal_naive(tail, horizon, m)],
                                "theta": [float(v) for v in metrics.theta(tail, horizon, m)]}
            for name in library:
                try:
                    forecast = fit(name)
                    if np.all(np.isfinite(forecast)):
                        out["baselines"][name] = [float(v) for v in forecast]
                except Exception:  # noqa: BLE001 - not installed, or it cannot fit this series: the others stay
                    pass
        if actual is not None:
            out["actual"] = actual
            methods = {"lstm": out["forecast"], **out["baselines"]}
            out["errors"] = {k: {"smape": round(metrics.smape(actual, f), 3),
                                 "mase": round(metrics.mase(values, actual, f, m), 3),
                                 "mae": round(float(np.mean(np.abs(np.subtract(actual, f)))), 4)}
                             for k, f in methods.items()}
            out["errors"]["lstm"]["interval_coverage"] = round(metrics.coverage(actual, out["lower"], out["upper"]), 3)
        if notices:
            out["notices"] = notices
        return out

    def examples(self) -> list:
        air = (SAMPLES / "AirPassengers.csv").read_text()
        return [{"csv": air}, [112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118, 115, 126, 141, 135,
                               125, 149, 170, 170, 158, 133, 114, 140, 145, 150, 178, 163, 172, 178, 199, 199,
                               184, 162, 146, 166]]

    def bad_inputs(self) -> list:
        return [None, 42, "", "   ", "1, 2, three", [1, 2, 3], [1, "x", 3] * 5, {"csv": "date,value\n"},
                {"csv": "a,b\nx,y\nz,w\n"}, {"nothing": 1}, b"\x00\x01binary"]

    # -- app ---------------------------------------------------------------------------------------
    def build_tab(self, gr):
        from .tab import build

        return build(gr, self)

    # -- CLI ---------------------------------------------------------------------------------------
    def read_cli_input(self, raw: str):
        """The CLI's text: a CSV path (``data.csv`` or ``data.csv:column``), a JSON object or list,
        CSV text (a header line, e.g. piped into ``-``), or pasted numbers."""
        text = raw.strip()
        path, column = raw, ""
        if ":" in raw and not Path(raw).is_file():
            path, _, column = raw.rpartition(":")
        if path.lower().endswith(CSV_SUFFIXES) and "\n" not in raw:
            if not Path(path).is_file():
                raise InputError(f"no such file: {path}")
            return {"csv": Path(path).read_bytes(), "column": column or None}
        if text.startswith("{"):
            import json

            try:
                return json.loads(text)
            except json.JSONDecodeError as exc:
                raise InputError(f"the text looks like a JSON object but does not parse: {exc.msg}") from None
        first = text.split("\n", 1)[0]
        if "\n" in text and any(c.isalpha() for c in first) and first.lower() not in S.GAP_WORDS:
            return {"csv": text}
        return raw

    # -- CLI: zoo data|train|eval|bench forecasting -----------------------------------------------
    def add_arguments(self, verb: str, parser) -> None:
        if verb == "train":
            from . import train

            train.add_arguments(parser)
        elif verb == "eval":
            from . import evaluate

            evaluate.add_arguments(parser)
        elif verb == "bench":
            from . import bench

            bench.add_arguments(parser)

    def data(self, args) -> dict:
        from . import data

        path = data.fetch()
        series = data.m3()
        return {"file": str(path), "series": len(series), "horizon": data.HORIZON,
                "train_lengths": [min(len(s["x"]) for s in series), max(len(s["x"]) for s in series)],
                "outside": _fetch_outside()}

    def train(self, args) -> dict:
        from . import train

        return train.run(args)

    def evaluate(self, pipe, split: str, args) -> dict:
        from . import evaluate

        return evaluate.run(pipe, split, args)

    def bench(self, args) -> dict:
        from . import bench

        return bench.run(args)


def _fetch_outside() -> dict:
    """The weekly, daily and hourly test series' wheels (``--outside`` eval only): a failure to
    fetch them is reported, and the M3 data stays usable."""
    from . import outside

    try:
        return {"folder": str(outside.fetch()), "series": {k: v[0] for k, v in outside.SERIES.items()}}
    except Exception as exc:  # noqa: BLE001 - pip's failures vary (offline, no wheel for this Python)
        return {"error": f"could not fetch {outside.VEGA} and {outside.PMDARIMA} ({type(exc).__name__}): "
                         "`zoo eval forecasting --outside` needs them"}
