"""A forecasting checkpoint may average its LSTM's median with statistical partners
(statsforecast's DynamicOptimizedTheta, AutoETS, or the mean of both): the served median is the
weighted mean, the quantile fan moves with it, the result says which method made it, and a
partner that cannot run leaves the LSTM's forecast with a notice."""
import json
import shutil
import sys

import numpy as np
import pytest
import torch
from helpers import ROOT

from plugins.forecasting import combine
from plugins.forecasting.task import ForecastingTask
from zoo import CheckpointError
from zoo.pipelines import load_folder

BUNDLED = ROOT / "plugins" / "forecasting" / "checkpoints" / "m3-monthly"
READS = "LSTM reading the forecasts of SES-Theta and Holt-Winters"  # the bundled network's own method
AIR = (ROOT / "plugins" / "forecasting" / "samples" / "AirPassengers.csv").read_text()


def _pipe(folder):
    return load_folder(ForecastingTask(), folder, torch.device("cpu"))


def _copy(tmp_path, spec):
    """The bundled checkpoint with another ``combine`` entry (None: the LSTM alone)."""
    folder = tmp_path / "ckpt"
    shutil.copytree(BUNDLED, folder)
    pre = json.loads((folder / "preprocessor.json").read_text())
    pre.pop("combine", None)
    if spec is not None:
        pre["combine"] = spec
    (folder / "preprocessor.json").write_text(json.dumps(pre))
    return folder


def test_the_median_becomes_the_weighted_mean_and_the_fan_keeps_its_width():
    q = np.array([[1.0, 2.0, 4.0], [2.0, 3.0, 5.0]])
    out = combine.combine(q, 1, np.array([4.0, 7.0]), lstm_weight=0.25)
    assert out[:, 1] == pytest.approx([0.25 * 2 + 0.75 * 4, 0.25 * 3 + 0.75 * 7])
    assert out - out[:, [1]] == pytest.approx(q - q[:, [1]])
    assert combine.combine(q, 1, np.array([4.0, 7.0]), lstm_weight=1.0) == pytest.approx(q)


def test_a_combined_checkpoint_serves_the_weighted_mean_and_names_the_method(tmp_path):
    spec = {"model": "DynamicOptimizedTheta", "lstm_weight": 0.3}
    both, alone = _pipe(_copy(tmp_path / "a", spec)), _pipe(_copy(tmp_path / "b", None))
    out, lstm = both({"csv": AIR}, horizon=18), alone({"csv": AIR}, horizon=18)
    partner = combine.partner_forecast("DynamicOptimizedTheta", lstm["history"][-combine.TAIL:], 18, 12)
    assert out["forecast"] == pytest.approx(0.3 * np.array(lstm["forecast"]) + 0.7 * partner)
    width = np.subtract(out["upper"], out["lower"])
    assert width == pytest.approx(np.subtract(lstm["upper"], lstm["lower"]))
    assert "DynamicOptimizedTheta" in out["method"] and lstm["method"] == READS
    assert "notices" not in out
    off = both({"csv": AIR}, horizon=18, partners=False)  # a caller may ask for the LSTM alone
    assert off["forecast"] == pytest.approx(lstm["forecast"]) and off["method"] == READS


def test_two_partners_are_averaged_and_both_are_shown_as_baselines(tmp_path):
    spec = {"models": ["DynamicOptimizedTheta", "AutoETS"], "lstm_weight": 0.3}
    both, alone = _pipe(_copy(tmp_path / "a", spec)), _pipe(_copy(tmp_path / "b", None))
    out, lstm = both({"csv": AIR}, horizon=18, compare=True), alone({"csv": AIR}, horizon=18)
    partners = [combine.partner_forecast(n, lstm["history"][-combine.TAIL:], 18, 12) for n in spec["models"]]
    assert out["forecast"] == pytest.approx(0.3 * np.array(lstm["forecast"]) + 0.7 * np.mean(partners, axis=0))
    assert out["baselines"]["AutoETS"] == pytest.approx(partners[1])
    assert out["baselines"]["DynamicOptimizedTheta"] == pytest.approx(partners[0])
    assert out["method"] == f"{READS} (0.3) and the mean of DynamicOptimizedTheta and AutoETS (0.7), weighted mean of the medians"


def test_a_checkpoint_written_with_one_named_partner_still_loads(tmp_path):
    pipe = _pipe(_copy(tmp_path, {"model": "DynamicOptimizedTheta", "lstm_weight": 0.5}))
    assert pipe.preprocessor.combine == {"models": ["DynamicOptimizedTheta"], "lstm_weight": 0.5}


def test_without_statsforecast_the_lstm_forecast_is_served_with_a_notice(tmp_path, monkeypatch):
    spec = {"model": "DynamicOptimizedTheta", "lstm_weight": 0.5}
    both, alone = _pipe(_copy(tmp_path / "a", spec)), _pipe(_copy(tmp_path / "b", None))
    monkeypatch.setitem(sys.modules, "statsforecast.models", None)  # as if it were not installed
    out = both({"csv": AIR}, horizon=12)
    assert out["forecast"] == pytest.approx(alone({"csv": AIR}, horizon=12)["forecast"])
    assert any("statsforecast" in n and "not installed" in n for n in out["notices"])


@pytest.mark.parametrize("spec", [{"model": "Prophet", "lstm_weight": 0.5},
                                  {"model": "DynamicOptimizedTheta", "lstm_weight": 1.5},
                                  {"model": "DynamicOptimizedTheta"},
                                  {"models": [], "lstm_weight": 0.5},
                                  {"models": ["AutoETS", "AutoETS"], "lstm_weight": 0.5},
                                  {"models": "AutoETS", "lstm_weight": 0.5}])
def test_a_bad_combine_entry_is_a_checkpoint_error_naming_the_file(tmp_path, spec):
    with pytest.raises(CheckpointError, match="preprocessor"):
        _pipe(_copy(tmp_path, spec))


def test_a_constant_series_stays_constant_with_a_partner(tmp_path):
    both = _pipe(_copy(tmp_path, {"model": "DynamicOptimizedTheta", "lstm_weight": 0.5}))
    out = both([5.0] * 30, horizon=6)
    assert out["forecast"] == [5.0] * 6


@pytest.mark.parametrize("fit, says", [(lambda name: 1 / 0, "could not fit this series (ZeroDivisionError)"),
                                      (lambda name: [float("nan")] * 3, "no usable forecast"),
                                      (lambda name: [1.0], "no usable forecast"),
                                      (lambda name: [5.0] * 3 if name == "DynamicOptimizedTheta" else 1 / 0,
                                       "AutoETS could not fit this series")])
def test_a_partner_that_fails_leaves_the_lstm_forecast_and_says_so(fit, says):
    q = np.array([[1.0, 2.0, 4.0], [2.0, 3.0, 5.0], [3.0, 4.0, 6.0]])
    spec = {"models": ["DynamicOptimizedTheta", "AutoETS"], "lstm_weight": 0.5}
    out, notice = combine.served(q, 1, spec, [1.0] * 20, 1, fit)
    assert out is q and says in notice


def test_when_a_partner_fails_the_method_names_the_lstm_alone(tmp_path, monkeypatch):
    both = _pipe(_copy(tmp_path, {"models": ["DynamicOptimizedTheta", "AutoETS"], "lstm_weight": 0.3}))
    real = combine.partner_forecast
    monkeypatch.setattr(combine, "partner_forecast",
                        lambda name, *a: (_ for _ in ()).throw(ValueError("no")) if name == "AutoETS" else real(name, *a))
    out = both({"csv": AIR}, horizon=12)
    assert out["method"] == READS and any("AutoETS could not fit" in n for n in out["notices"])


def test_a_partner_forecast_of_another_length_is_refused():
    with pytest.raises(ValueError, match="shape"):
        combine.combine(np.zeros((3, 3)), 1, np.zeros(1), 0.5)

