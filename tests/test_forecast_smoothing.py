"""The zoo's own combination partners (``plugins/forecasting/smoothing.py``): Theta as SES with
drift, damped Holt-Winters and the Dynamic Optimised Theta Model, fitted to every series of a
batch at once. A series' forecast is its own (the batch it came in changes nothing), every series
gets a finite forecast, and the checkpoint that names them serves the weighted mean, in a batch as
alone."""
import numpy as np
import pytest
from test_forecast_combine import AIR, _copy, _pipe

from plugins.forecasting import combine, metrics, smoothing

AIRLINE = np.array([float(line.split(",")[1]) for line in AIR.split()[1:]])
PARTNERS = [smoothing.theta, smoothing.holt_winters, smoothing.dynamic_theta]


def _series(seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(200)
    return [AIRLINE, AIRLINE[:30], -AIRLINE[:100] + 50,  # positive (logged), short, crossing zero
            10 + 0.2 * t[:80] + 3 * np.sin(2 * np.pi * t[:80] / 12) + rng.normal(0, 0.3, 80),
            rng.normal(0, 1, 200).cumsum(), np.r_[np.zeros(20), rng.gamma(1.0, 5.0, 40)]]


@pytest.mark.parametrize("partner", PARTNERS, ids=lambda f: f.__name__)
def test_a_series_forecast_does_not_depend_on_its_batch(partner):
    series = _series()
    together = partner(series, 18, 12)
    assert together.shape == (len(series), 18) and np.isfinite(together).all()
    for s, row in zip(series, together):
        assert partner([s], 18, 12)[0] == pytest.approx(row, rel=1e-9, abs=1e-9)
    assert partner(series[::-1], 18, 12)[::-1] == pytest.approx(together, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("partner", PARTNERS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("m", [1, 4, 7, 12, 24, 52, 168])
def test_any_season_length_and_a_short_series_get_a_finite_forecast(partner, m):
    out = partner([AIRLINE, AIRLINE[:8], AIRLINE[:13]], 24, m)
    assert out.shape == (3, 24) and np.isfinite(out).all()


def test_holt_winters_continues_an_exact_seasonal_pattern():
    pattern = np.array([3.0, 5, 9, 4, 2, 7, 8, 6, 1, 4, 5, 6])
    y = np.tile(pattern, 6) + 20
    assert smoothing.holt_winters([y], 24, 12)[0] == pytest.approx(np.tile(pattern, 2) + 20, rel=1e-3)


@pytest.mark.parametrize("partner", PARTNERS, ids=lambda f: f.__name__)
def test_on_the_airline_holdout_each_beats_seasonal_naive(partner):
    history, actual = AIRLINE[:-12], AIRLINE[-12:]  # the last year (1960)
    naive = metrics.mase(history, actual, metrics.seasonal_naive(history, 12, 12), 12)  # 1.57
    assert metrics.mase(history, actual, partner([history], 12, 12)[0], 12) < 0.7 * naive  # 0.86, 0.84


def test_too_few_values_give_the_last_value_and_no_values_are_refused():
    assert smoothing.holt_winters([[100.0], [5.0, 7.0, 6.0]], 6, 1).tolist() == [[100.0] * 6, [6.0] * 6]
    assert np.isfinite(smoothing.theta([[100.0]], 6, 1)).all()
    for partner in PARTNERS:
        with pytest.raises(ValueError, match="at least one value"):
            partner([AIRLINE, []], 6, 12)


@pytest.mark.parametrize("m", [1, 4, 12, 24])
def test_a_holt_winters_chunk_holds_its_arrays_within_the_memory_budget(m):
    long = [np.ones(240)] * 3
    chunk = smoothing._hw_chunk(long, m)
    grid = 5 * 3 * 2 * (4 if m > 1 else 1)
    assert 1 <= chunk <= smoothing.CHUNK
    assert chunk * 8 * grid * (240 + 2 * (m + 2) ** 2) <= smoothing.MEMORY


def test_the_memory_is_bounded_by_chunks_whatever_the_batch():
    many = [AIRLINE[: 40 + k % 100] for k in range(600)]  # more series than one chunk
    out = smoothing.holt_winters(many, 18, 12)
    assert out[3] == pytest.approx(smoothing.holt_winters([many[3]], 18, 12)[0], rel=1e-9)


def test_a_checkpoint_with_the_zoo_partners_serves_the_weighted_mean_in_a_batch_as_alone(tmp_path):
    spec = {"models": ["SES-Theta", "Holt-Winters"], "lstm_weight": 0.25}
    both, alone = _pipe(_copy(tmp_path / "a", spec)), _pipe(_copy(tmp_path / "b", None))
    out, lstm = both({"csv": AIR}, horizon=18, compare=True), alone({"csv": AIR}, horizon=18)
    partner = np.mean([f([AIRLINE], 18, 12)[0] for f in (smoothing.theta, smoothing.holt_winters)], axis=0)
    assert out["forecast"] == pytest.approx(0.25 * np.array(lstm["forecast"]) + 0.75 * partner)
    assert out["method"] == ("LSTM reading the forecasts of SES-Theta and Holt-Winters (0.25) and the mean of SES-Theta and "
                             "Holt-Winters (0.75), weighted mean of the medians")
    # the bundled network reads both; averaged in as well, each is named once
    assert out["partners"] == lstm["partners"] == ["SES-Theta", "Holt-Winters"]
    assert out["baselines"]["Holt-Winters"] == pytest.approx(smoothing.holt_winters([AIRLINE], 18, 12)[0])
    others = [list(AIRLINE[:60]), list(AIRLINE[50:]), [1.0] * 12, list(-AIRLINE[:40])]
    batch = both.batch([{"csv": AIR}, *others], horizon=18, season_length=12)
    alone = [both(x, horizon=18, season_length=12)["forecast"] for x in [{"csv": AIR}, *others]]
    for got, want in zip(batch, alone):  # to float32 rounding: the LSTM runs the batch as one tensor
        assert got["forecast"] == pytest.approx(want, rel=1e-6)
    assert batch[3]["forecast"] == [1.0] * 18


def test_batch_fits_leaves_out_constant_series_and_statsforecast_partners():
    spec = combine.check({"models": ["DynamicOptimizedTheta", "Holt-Winters"], "lstm_weight": 0.5})
    fits = combine.batch_fits(spec, [AIRLINE, [2.0] * 30, AIRLINE[:50]], 6, [12, 12, 4])
    assert set(fits[0]) == {"Holt-Winters"} and fits[1] == {} and len(fits[2]["Holt-Winters"]) == 6
    assert fits[2]["Holt-Winters"] == pytest.approx(smoothing.holt_winters([AIRLINE[:50]], 6, 4)[0])


def test_an_inferred_season_is_kept_only_where_it_earns_its_states():
    rng = np.random.default_rng(0)
    line = 10 * np.arange(40) + rng.normal(0, 3, 40) + 1  # no season: a fitted one of 7 made it zigzag
    assert np.all(np.diff(smoothing.holt_winters([line], 8, 7, inferred=True)[0]) > 0)
    assert not np.all(np.diff(smoothing.holt_winters([line], 8, 7)[0]) > 0)
    # a real season stays, found or given
    assert smoothing.holt_winters([AIRLINE], 18, 12, inferred=True) == pytest.approx(smoothing.holt_winters([AIRLINE], 18, 12))
    got = combine.batch_fits({"models": ["Holt-Winters"], "lstm_weight": 0.5}, [line, line], 8, 7, [True, False])
    assert np.all(np.diff(got[0]["Holt-Winters"]) > 0) and not np.all(np.diff(got[1]["Holt-Winters"]) > 0)


def test_a_pasted_straight_line_gets_no_zigzag_from_a_season_it_does_not_have(tmp_path):
    pipe = _pipe(_copy(tmp_path, {"models": ["SES-Theta", "Holt-Winters"], "lstm_weight": 0.2}))
    line = [round(float(v), 2) for v in 10 * np.arange(40) + np.random.default_rng(0).normal(0, 3, 40) + 1]
    out = pipe(line, horizon=8)
    assert np.all(np.diff(out["forecast"]) > 0), (out["season_length"], out["forecast"])


def test_dynamic_theta_fits_statsforecasts_model_at_least_as_well_as_statsforecast():
    # The same model and objective as statsforecast's DynamicOptimizedTheta (one-step squared errors
    # past the third); least squares per alpha finds a fit at least as good as its Nelder-Mead.
    from statsforecast.theta import auto_theta

    rng = np.random.default_rng(4)
    short = [5000 + rng.normal(0, 300, n).cumsum() for n in (8, 9, 11, 13) for _ in range(5)]  # yearly-like
    for y in [s for s in _series(3) if s.min() > 0] + [AIRLINE[:60], np.r_[AIRLINE[:40], AIRLINE[40:80] * 0.5]] + short:
        ab = smoothing._regression_states(y[None])
        alpha, c, l0, _ = (float(v[0]) for v in smoothing._dotm_params(y[None], np.array([len(y)]), ab))
        ours = auto_theta(y, 1, model="DOTM", initial_smoothed=l0, alpha=alpha, theta=1 / (1 - c))["mse"]
        theirs = auto_theta(y, 1, model="DOTM")["mse"]
        assert ours <= theirs * (1 + 1e-6), (len(y), ours, theirs)


@pytest.mark.parametrize("scale", [1e-200, 1e-150, 1.0, 1e150, 1e200])
def test_dynamic_theta_forecasts_the_same_series_alike_at_any_scale(scale):
    y = _series(5)[3]  # a trend with a season, all positive
    assert smoothing.dynamic_theta([y * scale], 8, 1)[0] / scale == pytest.approx(smoothing.dynamic_theta([y], 8, 1)[0], rel=1e-9)


def _acf_test_one_at_a_time(y, m):
    """The seasonality test as the M4 benchmark code states it, one series and one lag at a time."""
    n = len(y)
    if m < 2 or n < 3 * m:
        return False
    x = y - y.mean()
    denom = float(x @ x)
    if denom == 0.0:
        return False
    acf = np.array([float(x[:n - k] @ x[k:]) / denom for k in range(m + 1)])
    return abs(acf[m]) > 1.645 * np.sqrt((1 + 2 * float(np.sum(acf[1:m] ** 2))) / n)


def test_the_batched_seasonality_test_decides_as_the_one_series_definition():
    from plugins.forecasting.preprocess import deseasonalize, deseasonalize_batch, seasonal_flags

    rng = np.random.default_rng(3)
    t = np.arange(150)
    series = [*_series(), np.full(60, 4.0), AIRLINE[:35], AIRLINE[:36]]  # constant; one short of 3 seasons; 3
    for k in range(60):  # near the limit: a weak season in noise, lengths that share and that do not
        series.append(rng.normal(0, 1, 40 + k % 7 * 13) + 0.35 * np.sin(2 * np.pi * t[:40 + k % 7 * 13] / 12))
    for m in (1, 4, 12, [12, 4, 7] * (len(series) // 3)):
        ms = np.broadcast_to(np.asarray(m), (len(series),)).tolist()
        expected = [_acf_test_one_at_a_time(y, mi) for y, mi in zip(series, ms)]
        assert seasonal_flags(series, m) == expected
        assert 0 < sum(expected) < len(series) or m == 1
        for y, mi, (d, idx, mult) in zip(series, ms, deseasonalize_batch(series, m)):
            alone = deseasonalize(y, mi)
            assert np.array_equal(d, alone[0]) and np.array_equal(idx, alone[1]) and mult == alone[2]
