"""A forecasting network that reads statistical partners' forecasts: what it is handed, what it
serves when it has learned no correction (training, export and serving: test_training.py)."""
import numpy as np
import pytest
import torch

from plugins.forecasting import combine
from plugins.forecasting.model import QuantileLSTM, model_inputs
from plugins.forecasting.preprocess import ForecastPreprocessor
from plugins.forecasting.train import collapsed

READS = ("SES-Theta", "Holt-Winters")


def seasonal(n=72, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return list(100 + 0.8 * t + 15 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 2, n))


def test_each_partner_forecast_is_handed_over_scaled_as_the_targets_are():
    pre = ForecastPreprocessor(36, 24, reads=READS)
    y = seasonal()
    enc = pre.encode_batch([y], 12)[0]
    assert enc["partners"].shape == (2, 24)
    for k, name in enumerate(READS):
        forecast = combine.OWN[name]([np.asarray(y)], 24, 12)[0]
        assert np.allclose(enc["partner_forecasts"][name], forecast)
        assert np.allclose(enc["partners"][k], pre.targets(enc, forecast))
    # A constant series: every partner forecasts the constant, read as flat (0 in scaled units).
    flat = pre.encode_batch([[5.0] * 30], 12)[0]
    assert not flat["partners"].any() and "notices" not in flat


def test_a_network_without_a_correction_serves_the_partners_mean():
    """Its quantiles are residuals around the partners' mean: zero residuals give that mean."""
    pre = ForecastPreprocessor(36, 24, reads=READS)
    model = QuantileLSTM(horizon=24, members=2, hidden=8, reads=2).eval()
    for member in model.members:
        torch.nn.init.zeros_(member.head[2].weight)
        torch.nn.init.zeros_(member.head[2].bias)
    histories = [seasonal(seed=s) for s in range(3)]
    encs = pre.encode_batch(histories, 12)
    with torch.no_grad():
        z = model(*model_inputs(encs, 24)).numpy()
    mid = pre.quantiles.index(0.5)
    for y, e, q in zip(histories, encs, z):
        mean = np.mean([combine.OWN[n]([np.asarray(y)], 24, 12)[0] for n in READS], axis=0)
        assert np.allclose(pre.forecast(e, q)[:, mid], mean, rtol=1e-4)


def test_a_reading_network_refuses_to_run_without_its_partners():
    model = QuantileLSTM(horizon=4, members=1, hidden=8, reads=2)
    with pytest.raises(ValueError, match="reads 2 partner forecasts of 4 steps, got None"):
        model(torch.zeros(3, 12, 2))
    with pytest.raises(ValueError, match=r"got \(1, 4\)"):
        model(torch.zeros(3, 12, 2), torch.zeros(3, 1, 4))


def test_a_reading_member_whose_lstm_ignores_the_values_counts_as_collapsed():
    """Its output still varies through the partners, but the values no longer reach it."""
    model = QuantileLSTM(horizon=4, quantiles=3, members=2, hidden=8, layers=1, reads=1)
    x, p = torch.randn(64, 12, 2), torch.randn(64, 1, 4)
    assert not collapsed(model, 0, x, p)
    with torch.no_grad():
        for w in model.members[1].lstm.parameters():
            w.zero_()  # a constant state whatever the values
    assert collapsed(model, 1, x, p) and not collapsed(model, 0, x, p)


def test_unknown_partners_are_refused_by_name():
    with pytest.raises(ValueError, match="reads must be distinct names from"):
        ForecastPreprocessor(reads=("Prophet",))
    assert ForecastPreprocessor(reads=READS).config()["reads"] == list(READS)
    assert "reads" not in ForecastPreprocessor().config()  # checkpoints that read nothing keep their files


def test_the_partners_read_are_shown_as_fitted_to_what_the_network_read():
    """They were fitted to the context (120 values), the other baselines to a longer tail."""
    import zoo

    out = zoo.predict("forecasting", seasonal(n=200), season_length=12, compare=True)
    assert "SES-Theta and Holt-Winters were fitted to the last 120 values" in out["notices"]
    assert not any(n.startswith("DynamicOptimizedTheta was fitted") for n in out["notices"])  # 200 < 240
    longer = zoo.predict("forecasting", seasonal(n=300), season_length=12, compare=True)
    assert "DynamicOptimizedTheta was fitted to the last 240 values" in longer["notices"]


def test_partners_false_on_a_reading_network_changes_nothing_and_says_so():
    import zoo

    values = seasonal(n=100)
    fc = zoo.pipeline("forecasting", checkpoint="m3-monthly", device="cpu")
    with_, without = fc(values, horizon=6), fc(values, horizon=6, partners=False)
    assert without["forecast"] == with_["forecast"] and without["partners"] == ["SES-Theta", "Holt-Winters"]
    assert any(n.startswith("partners=false changes nothing here") for n in without["notices"])
    assert not any(n.startswith("partners=false") for n in with_.get("notices", []))
