"""The forecasting plugin: every input form (samples, CSV, pasted numbers, lists), quantiles and
intervals that make sense, a seasonal series forecast closely, CSV edge cases and bad input
answered clearly (the bundled checkpoint, on the CPU)."""
import json
import math

import numpy as np
import pytest
from gradio_client import Client
from helpers import ROOT, run_cli

import zoo
from plugins.forecasting import series
from plugins.forecasting.metrics import smape
from zoo import InputError

SAMPLES = ROOT / "plugins" / "forecasting" / "samples"
AIR = (SAMPLES / "AirPassengers.csv").read_text()


@pytest.fixture(scope="module")
def forecast():
    return zoo.pipeline("forecasting", device="cpu")


def monthly_csv(values, start="2001-01", sep=",", header="month,sales") -> str:
    import pandas as pd

    dates = pd.date_range(start, periods=len(values), freq="MS").strftime("%Y-%m-%d")
    return header + "\n" + "\n".join(f"{d}{sep}{v}" for d, v in zip(dates, values)) + "\n"


def test_a_forecast_has_a_point_path_inside_an_interval_per_step(forecast):
    out = forecast({"csv": AIR}, horizon=12, level=90)
    assert len(out["forecast"]) == len(out["lower"]) == len(out["upper"]) == 12
    assert out["season_length"] == 12 and out["seasonal"] and out["level"] == 90
    assert out["dates"][0] == "1961-01-01" and out["history_dates"][-1] == "1960-12-01"
    assert all(lo <= f <= hi for lo, f, hi in zip(out["lower"], out["forecast"], out["upper"]))
    assert out["forecast"] != out["lower"] and out["forecast"] != out["upper"]  # a real interval around it
    json.dumps(out)  # JSON-friendly all the way down


def test_quantiles_never_cross_and_the_interval_holds_the_median(forecast):
    rng = np.random.default_rng(0)
    inputs = [{"csv": AIR}, list(rng.normal(50, 5, 40)), list(np.cumsum(rng.normal(0, 1, 200)) + 10),
              list(-np.arange(30.0))]
    for out in forecast.batch(inputs, horizon=18):
        q = np.array([out["quantiles"][k] for k in sorted(out["quantiles"], key=float)])
        assert np.all(np.diff(q, axis=0) >= 0)
        assert np.all(np.array(out["lower"]) <= out["forecast"]) and np.all(np.array(out["forecast"]) <= out["upper"])
    narrow, wide = forecast({"csv": AIR}, level=50), forecast({"csv": AIR}, level=95)
    assert all(w_lo < n_lo and n_hi < w_hi for n_lo, n_hi, w_lo, w_hi in
               zip(narrow["lower"], narrow["upper"], wide["lower"], wide["upper"]))


def test_a_seasonal_series_with_a_trend_is_forecast_closely(forecast):
    t = np.arange(120)
    y = 200 + 0.8 * t + 25 * np.sin(2 * np.pi * t / 12) + np.random.default_rng(1).normal(0, 1, 120)
    out = forecast(list(y[:108]), horizon=12, season_length=12)
    assert smape(y[108:], out["forecast"]) < 3.0
    found = forecast(list(y[:108]), horizon=12)  # the season is inferred from the autocorrelation
    assert found["season_length"] == 12 and found["season_length_source"] == "from the autocorrelation"


def test_holdout_scores_every_method_on_the_values_it_held_back(forecast):
    out = forecast({"csv": (SAMPLES / "M3-N1404.csv").read_text()}, horizon=18, holdout=True, season_length=12)
    assert out["actual"] == series.read_csv((SAMPLES / "M3-N1404.csv").read_text()).values[-18:]
    # The checkpoint's partners (SES-Theta, Holt-Winters) are scored too: they were fitted anyway.
    assert set(out["errors"]) == {"lstm", "seasonal naive", "theta", "DynamicOptimizedTheta", "SES-Theta", "Holt-Winters"}
    assert out["errors"]["lstm"]["smape"] == pytest.approx(smape(out["actual"], out["forecast"]), abs=1e-3)
    assert 0 <= out["errors"]["lstm"]["interval_coverage"] <= 1


def test_pasted_numbers_json_lists_and_python_lists_are_one_series(forecast):
    values = [float(v) for v in range(10, 40)]
    a = forecast(values)
    assert forecast(", ".join(map(str, values))) == a
    assert forecast("\n".join(map(str, values))) == a
    assert forecast(json.dumps(values)) == a
    assert forecast({"values": values}) == a


def test_gaps_are_filled_and_said_so(forecast):
    values = [float(v) for v in range(10, 40)]
    gappy = values[:5] + [None] + values[6:10] + [math.nan] + values[11:]
    out = forecast(gappy)
    assert "filled 2 gap(s) by linear interpolation" in out["notices"]
    assert out["forecast"] == forecast(values)["forecast"]
    assert "filled 1 gap(s)" in " ".join(forecast("1 2 3 NaN 5 6 7 8 9 10")["notices"])


def test_a_lone_value_far_outside_the_series_is_read_as_its_neighbours_mean_and_said(forecast):
    rng = np.random.default_rng(0)
    noisy = (100 + rng.normal(0, 3, 100)).tolist()
    typo = noisy[:50] + [noisy[50] * 1000] + noisy[51:]
    out = forecast(typo, horizon=6, compare=True)
    mended = noisy[:50] + [(noisy[49] + noisy[51]) / 2] + noisy[51:]
    clean = forecast(mended, horizon=6, compare=True)
    # Everything is read as if the value had been its neighbours' mean: the network, its partners, the baselines.
    assert out["forecast"] == clean["forecast"] and out["baselines"] == clean["baselines"]
    said = [n for n in out["notices"] if "alone far outside" in n]
    assert len(said) == 1 and f"{typo[50]:,.6g} at position 51 as {mended[50]:,.6g}" in said[0]
    two = typo[:70] + [-5e8] + typo[71:]
    assert "values stand alone" in " ".join(forecast(two, horizon=6)["notices"])
    # Positions count from the series' start when only its end is read.
    long = (10 + rng.normal(0, 1, 300)).tolist()
    long[280] = 4e6
    assert "4e+06 at position 281" in " ".join(forecast(long, horizon=6)["notices"])
    # The last value cannot be told from a break that has just begun: named, not mended.
    last = forecast(noisy[:-1] + [noisy[-1] * 1000], horizon=6)
    assert any(n.startswith("the last value") for n in last["notices"]) and min(last["forecast"]) > 1000
    # In a batch, each series is read and said of on its own.
    together = forecast.batch([noisy, typo], horizon=6, compare=True)
    assert together[0]["forecast"] == pytest.approx(forecast(noisy, horizon=6)["forecast"], rel=1e-6)
    assert together[1]["notices"] == out["notices"] and together[1]["forecast"] == pytest.approx(out["forecast"], rel=1e-6)
    quiet = [noisy[:50] + [v + 40 for v in noisy[50:]],  # a level shift: the series' own
             [0.0] * 30 + [5.0] + [0.0] * 20 + [3.0] + [0.0] * 20,  # intermittent counts
             [float(line.split(",")[1]) for line in AIR.split()[1:]]]
    for values in quiet:
        assert not any("far outside" in n for n in forecast(values, horizon=6).get("notices", []))


def test_a_constant_series_gets_that_constant_and_says_so(forecast):
    out = forecast([7.5] * 24, horizon=6)
    assert out["forecast"] == [7.5] * 6 and out["lower"] == out["upper"] == [7.5] * 6
    assert any("constant" in n for n in out["notices"])


def test_a_long_series_is_read_to_its_recent_past_and_a_million_values_are_accepted(forecast):
    y = list(np.sin(np.arange(1_000_000) / 5.0) + 3)
    out = forecast(y, horizon=5, season_length=1)
    assert any("last 120 of 1,000,000" in n for n in out["notices"]) and len(out["history"]) == 360
    with pytest.raises(InputError, match="at most 1,000,000"):
        forecast([1.0] * 1_000_001)


@pytest.mark.parametrize("bad,message", [
    ([1, 2, 3], "at least 8"), ([None] * 20, "0 usable"), ("1 2 three 4", "'three', not a number"),
    ([1, 2, True, 4, 5, 6, 7, 8, 9], "bool"), ({"csv": b"\x00\x01\x02"}, "binary"), ({"csv": ""}, "empty"),
    ({"values": [1.0] * 10, "dates": ["2020-01-01"]}, "as long as"), (3.5, "got float"), ({}, "needs 'values'"),
    ("[1, 2,", "does not parse"), ([1e300] * 10, "too large"),
])
def test_bad_series_get_clear_errors(forecast, bad, message):
    with pytest.raises(InputError, match=message):
        forecast(bad)


@pytest.mark.parametrize("params", [dict(horizon=-3), dict(horizon=25), dict(level=99.9),
                                    dict(level=10), dict(season_length=-1), dict(horizon="soon")])
def test_absurd_parameters_get_clear_errors(forecast, params):
    with pytest.raises(InputError, match="parameter"):
        forecast([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0], **params)


def test_holding_out_more_than_the_series_allows_is_refused(forecast):
    with pytest.raises(InputError, match="holding out 12 of 15"):
        forecast(list(range(15)), horizon=12, holdout=True)


# -- CSV edge cases -----------------------------------------------------------------------------

def test_csv_dates_set_the_season_and_the_dates_of_the_forecast():
    s = series.read_csv(AIR)
    assert len(s.values) == 144 and s.freq == "MS" and series.season_of(s.freq) == 12 and not s.notices
    quarterly = series.read_csv("quarter,gdp\n" + "\n".join(f"{y}-{m:02d}-01,{100 + i}" for i, (y, m) in enumerate(
        (y, m) for y in range(2000, 2006) for m in (1, 4, 7, 10))))
    assert series.season_of(quarterly.freq) == 4
    yearly = series.read_csv((SAMPLES / "Sunspots.csv").read_text())
    assert series.season_of(yearly.freq) == 1 and len(yearly.values) == 309
    assert series.future_dates(s.dates, s.freq, 2) == ["1961-01-01", "1961-02-01"]


def test_csv_rows_out_of_order_duplicated_or_missing_are_mended_with_notices():
    lines = monthly_csv(list(range(100, 124))).strip().split("\n")
    header, rows = lines[0], lines[1:]
    shuffled = [rows[5], rows[0], *rows[1:5], *rows[6:]]
    s = series.read_csv("\n".join([header, *shuffled]))
    assert s.values == [float(v) for v in range(100, 124)] and "the rows were sorted by date" in s.notices
    missing = series.read_csv("\n".join([header, *rows[:7], *rows[10:]]))
    assert len(missing.values) == 24 and "3 missing date(s) were inserted as gaps" in missing.notices
    assert missing.values[7:10] == pytest.approx([107, 108, 109])
    dup = series.read_csv("\n".join([header, *rows, rows[-1].replace(",123", ",125")]))
    assert dup.values[-1] == 124 and "1 duplicate date(s) were averaged" in dup.notices


def test_csv_separators_columns_and_non_numbers():
    semi = series.read_csv(monthly_csv(range(30), sep=";", header="month;sales"))
    assert semi.values == [float(v) for v in range(30)]
    two = "month,a,b\n" + "\n".join(f"2001-{m:02d}-01,{m},{10 * m}" for m in range(1, 13))
    assert "forecasting column 'a'" in series.read_csv(two).notices[0]
    assert series.read_csv(two, column="b").values[-1] == 120
    with pytest.raises(InputError, match="no value column 'c'; its columns: a, b"):
        series.read_csv(two, column="c")
    assert series.value_columns(two) == ["a", "b"]
    messy = monthly_csv([1, 2, "oops", 4, 5, 6, 7, 8, 9, 10])
    s = series.read_csv(messy)
    assert "1 cell(s) of 'sales' are not numbers and were read as gaps" in s.notices and s.values[2] == 3


def test_a_semicolon_csv_with_decimal_commas_is_read_and_the_series_is_named_by_its_column():
    s = series.read_csv("Datum;Umsatz\n" + "\n".join(f"2001-{m:02d}-01;{100 + m},5" for m in range(1, 13)))
    assert s.values == [100 + m + 0.5 for m in range(1, 13)] and s.freq == "MS" and s.name == "Umsatz"
    dots = series.read_csv("month;sales\n" + "\n".join(f"2001-{m:02d}-01;{m}.25" for m in range(1, 13)))
    assert dots.values == [m + 0.25 for m in range(1, 13)]  # a '.' decimal in such a file still reads


def test_dates_that_read_either_day_or_month_first_take_the_even_calendar_and_say_so():
    firsts = [f"01/{m:02d}/{y}" for y in (2022, 2023) for m in range(1, 13)]  # 1 Jan, 1 Feb, ... (day first)
    s = series.read_csv("date,v\n" + "\n".join(f"{d},{i}" for i, d in enumerate(firsts)))
    assert s.freq == "MS" and s.dates[:2] == ["2022-01-01", "2022-02-01"]
    assert s.notices == ["dates such as '01/02/2022' can be read day first or month first: they were read day "
                         "first (01 February 2022, not 02 January 2022); write dates as YYYY-MM-DD to be sure"]
    # Both readings even (1-12 January, or a year of months): dots are read day first, slashes month first.
    dots = series.read_csv("date,v\n" + "\n".join(f"01.{m:02d}.2024,{m}" for m in range(1, 13)))
    slashes = series.read_csv("date,v\n" + "\n".join(f"01/{m:02d}/2024,{m}" for m in range(1, 13)))
    assert (dots.freq, slashes.freq) == ("MS", "D") and "read month first" in slashes.notices[0]
    # A day over 12 settles it, silently; so does a listed 'dates' field.
    plain = series.read_csv("date,v\n" + "\n".join(f"{d:02d}/01/2024,{d}" for d in range(10, 30)))
    assert plain.freq == "D" and plain.dates[0] == "2024-01-10" and not plain.notices
    listed = series.from_input({"values": list(range(24)), "dates": firsts})
    assert listed.freq == "MS" and "read day first" in listed.notices[0]


def test_a_file_name_given_as_the_series_says_how_to_pass_the_file(forecast):
    with pytest.raises(InputError, match=r"'sales.csv' looks like a file name, not numbers: pass the file's text"):
        forecast("sales.csv")


def test_dates_mid_month_or_mid_quarter_are_read_as_months_or_quarters_and_said_so():
    mid = series.read_csv("date,v\n" + "\n".join(f"2022-{m:02d}-15,{m}" for m in range(1, 13) if m != 6))
    assert mid.freq == "MS" and mid.dates[0] == "2022-01-01" and len(mid.values) == 12  # June: a gap, filled
    assert mid.notices[0] == ("dates a month apart such as 2022-01-15 were read as months, each dated by its "
                              "first day (2022-01-01)") and "1 missing date(s) were inserted as gaps" in mid.notices
    quarters = series.read_csv("date,v\n" + "\n".join(f"{2020 + i // 4}-{i % 4 * 3 + 2:02d}-10,{i}" for i in range(12)))
    assert series.freq_name(quarters.freq) == "quarterly" and quarters.dates[:2] == ["2020-01-01", "2020-04-01"]
    twice = series.read_csv("date,v\n" + "\n".join(f"2022-{m:02d}-{d},{m}" for m in range(1, 7) for d in (5, 20)))
    assert twice.freq is None  # two a month: not months; the dates only order the values


def test_the_season_source_names_the_frequency_in_words(forecast):
    quarters = "ds,y\n" + "\n".join(f"{2000 + i // 4}-{i % 4 * 3 + 1:02d}-01,{100 + i}" for i in range(40))
    assert forecast({"csv": quarters})["season_length_source"] == "from the dates (quarterly)"


def test_csv_without_a_date_column_reads_rows_in_order_and_says_so():
    s = series.read_csv("sales\n" + "\n".join(str(v) for v in range(20)))
    assert s.dates is None and s.values[-1] == 19
    assert "no date column: the rows are taken as equally spaced, in file order" in s.notices


def test_a_csv_of_a_million_rows_is_read():
    body = "\n".join(f"{i},{i % 7}" for i in range(1_000_000))
    s = series.read_csv("t,value\n" + body)
    assert len(s.values) == 1_000_000


@pytest.mark.parametrize("text,message", [
    ("month,sales\n", "header but no rows"), ("a,b\nx,y\n", "no numeric column"),
    ('month,sales\n"2001-01,3\n', "could not be read"),
])
def test_malformed_csvs_get_clear_errors(text, message):
    with pytest.raises(InputError, match=message):
        series.read_csv(text)


# -- CLI and API ----------------------------------------------------------------------------------

def test_the_cli_takes_a_csv_path_or_a_json_list():
    out = run_cli("predict", "forecasting", str(SAMPLES / "AirPassengers.csv"), "--param", "horizon=3")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["dates"] == ["1961-01-01", "1961-02-01", "1961-03-01"]
    listed = run_cli("predict", "forecasting", json.dumps(list(range(1, 30))), "--param", "horizon=2")
    assert len(json.loads(listed.stdout)["forecast"]) == 2
    bad = run_cli("predict", "forecasting", "1 2 3", "--param", "horizon=2")
    assert bad.returncode == 2 and "at least 8" in bad.stderr


def test_the_api_returns_numbers_and_a_plot(app_url):
    client = Client(app_url, verbose=False)
    plot, errors, table, csv_file, result, notice = client.predict(
        "AirPassengers", None, None, "infer", "", 12, 80, True, "m3-monthly", api_name="/forecasting")
    assert len(result["forecast"]) == 12 and set(result["quantiles"]) >= {"0.1", "0.5", "0.9"}
    assert result["actual"] and result["errors"]["theta"]["smape"] > 0 and plot
    assert [row[0] for row in errors["data"]] == list(result["errors"])
    # The table and the downloaded CSV hold the same numbers as the result, one row per step.
    assert table["headers"][:4] == ["date", "forecast", "lower 80%", "upper 80%"] and len(table["data"]) == 12
    import pandas as pd

    downloaded = pd.read_csv(csv_file)
    assert downloaded["date"].tolist() == result["dates"]
    assert downloaded["forecast"].tolist() == pytest.approx(result["forecast"], rel=1e-5)
    assert downloaded["actual (held out)"].tolist() == pytest.approx(result["actual"], rel=1e-5)
    assert set(downloaded.columns) >= {"lower 80%", "upper 80%", "theta", "seasonal naive"}
    *_, result, notice = client.predict("(none)", None, None, "infer", "1, 2", 12, 80, False, "m3-monthly",
                                        api_name="/forecasting")
    assert "at least 8" in notice and set(result) == {"error"}
    *_, result, _ = client.predict("(none)", None, None, "monthly", " ".join(str(v) for v in range(40)), 6, 80, False,
                                   "m3-monthly", api_name="/forecasting")
    assert len(result["forecast"]) == 6 and result["season_length"] == 12
    from gradio_client import handle_file

    *_, result, _ = client.predict("(none)", handle_file(str(SAMPLES / "AirPassengers.csv")), "Passengers", "infer",
                                   "", 6, 90, True, "m3-monthly", api_name="/forecasting")
    assert result["dates"][0] == "1960-07-01" and result["actual"][-1] == 432.0 and result["level"] == 90
    # Only the series is needed by name: every other input has a default (the upload: None).
    *_, result, _ = client.predict(numbers="1 2 3 4 5 6 7 8 9 10", api_name="/forecasting")
    assert result["checkpoint"] == "m3-monthly" and len(result["forecast"]) == 18
    # A frequency picked in the tab picks its checkpoint too.
    *_, result, _ = client.predict(numbers="1 2 3 4 5 6 7 8 9 10", frequency="yearly", api_name="/forecasting")
    assert result["checkpoint"] == "m3-yearly" and len(result["forecast"]) == 6
    # A value past a slider's range is that request's error, named, in the result and the notice.
    *_, result, notice = client.predict(numbers="1 2 3 4 5 6 7 8 9 10", horizon=10_000, api_name="/forecasting")
    assert result == {"error": "'horizon': Value 10000 is greater than maximum value 24."} and "Error" in notice


def test_two_years_monthly_and_two_years_quarterly_through_the_api_and_the_cli_each_by_its_checkpoint(app_url, tmp_path):
    quarters = "quarter,gdp\n" + "\n".join(f"{2000 + i // 4}-{3 * (i % 4) + 1:02d}-01,{100 + i + 5 * (i % 4 == 3)}"
                                             for i in range(40)) + "\n"
    client = Client(app_url, verbose=False)
    *_, monthly, _ = client.predict("AirPassengers", None, None, "infer", "", 24, 80, False, "auto",
                                    api_name="/forecasting")
    assert len(monthly["forecast"]) == len(monthly["dates"]) == 24 and monthly["dates"][-1] == "1962-12-01"
    assert monthly["checkpoint"] == "m3-monthly" and "Holt-Winters" in monthly["method"]
    path = tmp_path / "q.csv"
    path.write_text(quarters)
    from gradio_client import handle_file

    *_, quarterly, _ = client.predict("(none)", handle_file(str(path)), "gdp", "infer", "", 8, 80, False,
                                      "auto", api_name="/forecasting")
    assert quarterly["checkpoint"] == "m3-quarterly" and len(quarterly["forecast"]) == 8
    assert quarterly["season_length"] == 4
    assert quarterly["dates"][0] == "2010-01-01" and quarterly["dates"][-1] == "2011-10-01"
    cli = run_cli("predict", "forecasting", str(path), "--param", "horizon=8")
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout)["forecast"] == pytest.approx(quarterly["forecast"])
    cli = run_cli("predict", "forecasting", str(SAMPLES / "AirPassengers.csv"), "--param", "horizon=24")
    assert json.loads(cli.stdout)["forecast"] == pytest.approx(monthly["forecast"])


def test_eval_reports_smape_mase_and_coverage_beside_seasonal_naive_and_theta():
    """Needs the M3 data in the cache (``python -m zoo data forecasting``, part of the README's
    test command): tests never download."""
    from helpers import require_data

    from plugins.forecasting import data

    require_data("forecasting", data.cache_dir("forecasting") / "m3_data.json")
    result = run_cli("eval", "forecasting", "--split", "test", "--limit", "60")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["n"] == 60 and out["horizon"] == 18 and set(out["baselines"]) == {"seasonal naive", "theta"}
    # The first 60 series, as measured on 2026-12-04 (the default reading SES-Theta and Holt-Winters;
    # the whole split: tests/test_quality.py and BENCHMARKS.md).
    assert abs(out["metrics"]["smape"] - 31.740) <= 0.05 and abs(out["baselines"]["theta"]["smape"] - 31.741) <= 0.05
    assert out["metrics"]["smape"] < out["baselines"]["seasonal naive"]["smape"]


def test_eval_adds_statsforecast_models_and_their_mean_and_coverage_per_step():
    from helpers import require_data

    from plugins.forecasting import data

    require_data("forecasting", data.cache_dir("forecasting") / "m3_data.json")
    result = run_cli("eval", "forecasting", "--split", "test", "--limit", "12", "--statsforecast")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    names = {"statsforecast AutoETS", "statsforecast AutoTheta", "statsforecast DynamicOptimizedTheta",
             "mean of the three statsforecast models"}
    assert names <= set(out["baselines"]) and out["period"] == "monthly"
    assert all(0 < out["baselines"][n]["smape"] < 200 and out["baselines"][n]["mase"] > 0 for n in names)
    by_step = out["metrics"]["coverage_by_step"]
    assert len(by_step) == 18 and abs(sum(by_step) / 18 - out["metrics"]["coverage"]) < 1e-3


def test_outside_windows_are_one_horizon_apart_and_end_at_the_last_value():
    from plugins.forecasting.outside import windows

    values = [float(v) for v in range(30)]
    got = windows(values, horizon=4, count=3)
    assert [(len(h), f) for h, f in got] == [(18, [18, 19, 20, 21]), (22, [22, 23, 24, 25]), (26, [26, 27, 28, 29])]
    assert all(h == values[:len(h)] for h, _ in got)
    assert len(windows(values, horizon=8, count=9)) == 3  # origins before the first value are left out


def test_eval_outside_scores_weekly_daily_and_hourly_series_with_the_checkpoint_the_app_picks():
    from helpers import require_data

    from plugins.forecasting import outside

    folder = outside._folder()
    require_data("forecasting", folder / "vega_datasets-0.9.0-py3-none-any.whl")
    require_data("forecasting", next(folder.glob("pmdarima-2.0.4-*.whl"), folder / "pmdarima-2.0.4.whl"))
    result = run_cli("eval", "forecasting", "--split", "test", "--outside", "--limit", "1")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)["series"]
    assert {v["frequency"] for v in out.values()} == {"weekly", "daily", "hourly"} and len(out) == 5
    for name, row in out.items():
        assert row["checkpoint"] == "m3-other" and row["windows"] == 1, name
        assert row["horizon"] == {"weekly": 24, "daily": 14, "hourly": 24}[row["frequency"]], name
        assert {"seasonal naive", "naive", "theta", "statsforecast DynamicOptimizedTheta"} <= set(row["baselines"])
        assert row["best_baseline"] in row["baselines"] and row["metrics"]["smape"] >= 0
    refused = run_cli("eval", "forecasting", "--split", "dev", "--outside")
    assert refused.returncode == 2 and "--outside scores test windows only" in refused.stderr


def test_the_cli_says_when_a_csv_is_missing_and_reads_json_objects_and_piped_csv():
    missing = run_cli("predict", "forecasting", "no/such/sales.csv:units")
    assert missing.returncode == 2 and "no such file: no/such/sales.csv" in missing.stderr
    obj = run_cli("predict", "forecasting", json.dumps({"values": list(range(1, 30)), "season_length": 1}),
                  "--param", "horizon=2")
    assert obj.returncode == 0, obj.stderr
    assert json.loads(obj.stdout)["season_length_source"] == "given with the series"
    piped = run_cli("predict", "forecasting", "-", "--param", "horizon=2", input=monthly_csv(range(100, 130)))
    assert piped.returncode == 0, piped.stderr
    assert json.loads(piped.stdout)["dates"] == ["2003-07-01", "2003-08-01"]


def test_a_forecast_past_the_last_date_pandas_can_hold_numbers_its_steps_and_says_so(forecast):
    import pandas as pd

    dates = list(pd.date_range(end="2262-03-01", periods=60, freq="MS").strftime("%Y-%m-%d"))
    out = forecast({"values": [100 + (i % 12) for i in range(60)], "dates": dates}, horizon=18)
    assert out["dates"] is None and len(out["forecast"]) == 18
    assert any("2262" in n for n in out["notices"])


def test_a_season_length_that_contradicts_the_dates_is_used_and_said(forecast):
    out = forecast({"csv": AIR, "name": "air"}, season_length=4, horizon=3)
    assert out["season_length"] == 4 and out["name"] == "air"
    assert any("the dates are monthly (season 12) but season length 4 was asked for" in n for n in out["notices"])


def test_the_plot_legend_sits_below_the_axes_and_hides_no_value():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from plugins.forecasting.plot import figure

    fc = zoo.pipeline("forecasting")
    for sample in ("AirPassengers", "M3-N1404", "Sunspots"):
        result = fc({"csv": (SAMPLES / f"{sample}.csv").read_text(), "name": sample}, horizon=12, compare=True,
                    holdout=True)
        fig = figure(result)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()  # lays the figure out, as saving it for the page does
        renderer = canvas.get_renderer()
        ax = fig.axes[0]
        legend = ax.get_legend().get_window_extent(renderer)
        axes = ax.get_window_extent(renderer)
        assert legend.y1 <= axes.y0, sample  # wholly under the plotting area
        assert fig.get_window_extent(renderer).contains(legend.x0, legend.y0)  # and inside the picture


def test_the_checkpoint_for_a_series_follows_its_dates_else_its_season_and_the_default_is_named_with_why():
    from plugins.forecasting.task import ROUTE_READS, ForecastingTask

    task, ids = ForecastingTask(), ["m3-monthly", "m3-quarterly", "m3-yearly", "m3-other"]
    years = "year,v\n" + "\n".join(f"{1950 + i},{i}" for i in range(30))
    assert task.route({"csv": years}, {}, ids)[0] == "m3-yearly"
    assert task.route(" ".join(str(i) for i in range(30)), {"season_length": 4}, ids)[0] == "m3-quarterly"
    assert task.route({"values": list(range(30)), "season_length": 12}, {}, ids)[0] == "m3-monthly"
    quarterly = [100 + i + 10 * (i % 4) for i in range(40)]  # undated, but it repeats every 4 steps
    assert task.route(quarterly, {}, ids) == ("m3-quarterly", "no dates; the values repeat every 4 steps")
    assert task.route(list(range(30)), {}, ids) == ("m3-monthly", "no dates, and no season in the values: the default")
    assert task.route(list(range(30)), {"season_length": 4}, ["m3-monthly"]) == (
        "m3-monthly", "season length 4 was given: the default")  # no quarterly checkpoint registered
    assert task.route(list(range(30)), {}, ["m3-quarterly", "other-plugin"]) is None  # no m3-monthly: the default's own
    # A long paste is parsed once, by the pipeline: routed by what was given, else the default, said.
    long = " ".join(str(v) for v in quarterly * (ROUTE_READS // 80))
    assert len(long) > ROUTE_READS and task.route(long, {}, ids)[1].endswith("(give season_length): the default")
    assert task.route(long, {"season_length": 4}, ids)[0] == "m3-quarterly"


def test_python_callers_get_the_checkpoint_for_the_dates_as_the_cli_does():
    quarters = "ds,y\n" + "\n".join(f"{2000 + i // 4}-{i % 4 * 3 + 1:02d}-01,{100 + i + 10 * (i % 4)}" for i in range(40))
    result = zoo.predict("forecasting", {"csv": quarters}, horizon=8)
    assert result["checkpoint"] == "m3-quarterly" and "checkpoint m3-quarterly: the dates are quarterly" in result["notices"]
    assert result["forecast"] == zoo.pipeline("forecasting", checkpoint="m3-quarterly")({"csv": quarters}, horizon=8)["forecast"]
    days = "ds,y\n" + "\n".join(f"2024-01-{d:02d},{10 + d % 7}" for d in range(1, 31))
    daily = zoo.predict("forecasting", {"csv": days}, horizon=7)
    assert daily["checkpoint"] == "m3-other" and daily["name"] == "y"
    assert daily["notices"][0].startswith("daily series are outside every training set (the network learned from "
                                          "M3 monthly series, calibrated for the M3's other series)")
    undated = zoo.predict("forecasting", [100 + i + 10 * (i % 4) for i in range(40)])
    assert undated["checkpoint"] == "m3-quarterly" and undated["season_length"] == 4


def test_an_empty_field_between_commas_is_a_gap_and_is_filled(forecast):
    out = forecast("1, 2, 3, , 5, 6, 7, 8, 9, 10, 11, 12", horizon=4)
    assert len(out["history"]) == 12 and out["history"][3] == pytest.approx(4.0)
    assert "filled 1 gap(s) by linear interpolation" in out["notices"]
    assert series.parse_text("1,2,3,\n4,5,\n\n6") == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]  # line ends are not gaps


def test_a_batch_with_one_bad_series_names_it(forecast):
    good = [float(v) for v in range(1, 25)]
    with pytest.raises(zoo.InputError, match=r"^inputs\[1\] \(of 3\): value 1 is 'abc', not a number"):
        forecast.batch([good, "abc 1 2", good], horizon=4)
    with pytest.raises(zoo.InputError, match=r"^inputs\[2\] \(of 3\): .*at least"):
        forecast.batch([good, good, [1.0]], horizon=4)
    assert len(forecast.batch([good, good], horizon=4)) == 2


def test_values_written_with_decimal_commas_are_read_as_separated_and_said_so(forecast):
    pasted = " ".join(f"{m},5" for m in range(10, 22))
    out = forecast(pasted, horizon=4)
    assert out["history"][:4] == [10.0, 5.0, 11.0, 5.0]  # commas separate values, as everywhere
    assert any("the commas were read as separators" in n and "1.5" in n for n in out["notices"])
    assert forecast({"values": pasted}, horizon=4)["notices"] == out["notices"]
    plain = forecast("10,5,11,5,12,5,13,5,14,5,15,5,16,5", horizon=4)  # no spaces: plainly separators
    assert not any("commas" in n for n in plain.get("notices", []))
    assert not any("commas" in n for n in forecast("10, 5, 11, 5, 12, 5, 13, 5, 14, 5, 15, 5", horizon=4).get("notices", []))


def test_a_constant_series_is_named_as_such_and_every_baseline_stays_constant(forecast):
    out = forecast([5.0] * 30, horizon=6, compare=True)
    assert out["method"] == "the constant value" and out["forecast"] == [5.0] * 6
    assert all(v == pytest.approx([5.0] * 6) for v in out["baselines"].values())


def test_a_season_too_long_for_the_series_is_said_to_be_unused(forecast):
    out = forecast([float(v) for v in range(30)], horizon=6, season_length=52)
    assert any("a season of 52 steps cannot be seen in 30 values" in n for n in out["notices"])


def test_a_season_too_short_to_be_found_in_undated_values_can_be_named(forecast):
    """Three years of undated monthly values are too few for the autocorrelation to find their
    season (README's example names it); four are enough."""
    year = [112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118]
    assert forecast(year * 3, horizon=6)["season_length"] == 1
    named = forecast(year * 3, horizon=6, season_length=12, holdout=True)
    assert named["errors"]["lstm"]["smape"] < forecast(year * 3, horizon=6, holdout=True)["errors"]["lstm"]["smape"]
    assert forecast(year * 4, horizon=6)["season_length"] == 12


def test_a_series_of_tiny_values_is_forecast_as_the_same_series_at_any_scale():
    # An absolute floor on the scale once swamped values of 1e-9 and less: forecasts went negative.
    base = [1 + 0.1 * i + 0.05 * (i % 3) for i in range(40)]
    ref, alone = zoo.predict("forecasting", base, horizon=6), zoo.predict("forecasting", base, horizon=6, partners=False)
    for k in (1e-12, 1e-9, 1e9):
        out = zoo.predict("forecasting", [v * k for v in base], horizon=6)
        lstm = zoo.predict("forecasting", [v * k for v in base], horizon=6, partners=False)
        for key in ("forecast", "lower", "upper"):
            # Holt-Winters' ridge on its (log) level state moves it a little (0.4% at 1e-12), and
            # the network reads Holt-Winters' forecast, so its own forecast moves with it
            assert np.array(lstm[key]) / k == pytest.approx(alone[key], rel=1e-2), (k, key)
            assert np.array(out[key]) / k == pytest.approx(ref[key], rel=1e-2), (k, key)


def test_a_frequency_chosen_with_the_series_picks_its_checkpoint_and_season():
    # The tab's frequency choice: pasted numbers have no dates to say it.
    nums = " ".join(str(10 + i + 3 * (i % 7 == 3)) for i in range(60))
    yearly = zoo.predict("forecasting", {"values": nums, "frequency": "yearly"})
    assert yearly["checkpoint"] == "m3-yearly" and len(yearly["forecast"]) == 6 and yearly["season_length"] == 1
    assert "checkpoint m3-yearly: yearly was chosen" in yearly["notices"]
    daily = zoo.predict("forecasting", {"values": nums, "frequency": "daily"})
    assert daily["checkpoint"] == "m3-other" and daily["season_length"] == 7
    assert daily["notices"][0].startswith("daily series are outside every training set")
    with pytest.raises(InputError, match="'frequency' must be one of hourly, daily"):
        zoo.predict("forecasting", {"values": nums, "frequency": "fortnightly"})
    # Named in any case; annual is yearly.
    assert zoo.predict("forecasting", {"values": nums, "frequency": " Annual"})["checkpoint"] == "m3-yearly"
    assert zoo.predict("forecasting", {"values": nums, "frequency": "QUARTERLY"})["season_length"] == 4


def test_a_frequency_the_dates_contradict_is_used_and_said_as_a_season_length_is():
    years = "year,value\n" + "\n".join(f"{1950 + i},{100 + i + (i % 3)}" for i in range(40))
    out = zoo.predict("forecasting", {"csv": years, "frequency": "monthly"})
    assert out["checkpoint"] == "m3-monthly" and out["season_length"] == 12
    assert "the dates are yearly (season 1) but monthly (season 12) was asked for: using 12" in out["notices"]
    agreed = zoo.predict("forecasting", {"csv": years, "frequency": "yearly"})
    assert not any(n.startswith("the dates are") for n in agreed["notices"])
    # A checkpoint named for another frequency is used as named, and said.
    forced = zoo.predict("forecasting", {"csv": years}, checkpoint="m3-monthly")
    assert forced["notices"][0] == ("the series is yearly, but this checkpoint serves the M3's monthly series: "
                                    "m3-yearly is the one for yearly series (with no checkpoint named, the zoo picks it)")
    assert not any(n.startswith("the series is") for n in zoo.predict("forecasting", {"csv": years})["notices"])


def test_a_pasted_column_with_an_empty_cell_has_a_gap_there():
    # One value per line, as a spreadsheet column pastes: the blank line is the empty cell.
    s = series.from_input("1\n2\n\n4\nNaN\n6\n7\n8\n9\n10")
    assert s.values == [float(v) for v in range(1, 11)] and "filled 2 gap(s)" in s.notices[-1]
    assert series.parse_text("1 2 3\n\n4 5 6\n7 8") == [1, 2, 3, 4, 5, 6, 7, 8]  # rows of values: no gap
    one_column = series.from_input({"csv": "value\n1\n2\n\n4\n5\n6\n7\n8\n9\n\n\n"})
    assert one_column.values == [float(v) for v in range(1, 10)]


def test_a_csv_row_with_too_many_fields_is_skipped_and_counted_and_a_broken_quote_is_explained():
    rows = "".join(f"2020-{m:02d}-01,{m}\n" for m in range(1, 13)).replace("2020-03-01,3\n", "2020-03-01,3,x\n")
    s = series.from_input({"csv": "date,value\n" + rows})
    assert "1 row(s) with more fields than the header were skipped" in s.notices
    assert len(s.values) == 12 and "1 missing date(s) were inserted as gaps" in s.notices
    with pytest.raises(InputError, match="every quote is closed"):
        series.from_input({"csv": 'date,value\n2020-01-01,1\n"2020-02-01,2\n2020-03-01,3\n'})


def test_a_series_never_below_zero_gets_no_negative_forecast_or_bound():
    falling = [float(max(0, 60 - 3 * i + (i % 4))) for i in range(24)]  # sales running out, then zero
    out = zoo.predict("forecasting", falling, horizon=12, level=95)
    assert min(out["lower"]) >= 0 and min(out["forecast"]) >= 0
    assert min(zoo.predict("forecasting", [v - 30 for v in falling], horizon=12, level=95)["lower"]) < 0  # may go below


def test_steps_past_those_a_checkpoint_was_calibrated_on_are_flagged():
    years = "year,v\n" + "".join(f"{1990 + i}-01-01,{100 + 3 * i + (i % 3)}\n" for i in range(30))
    out = zoo.predict("forecasting", {"csv": years}, horizon=12)
    assert out["checkpoint"] == "m3-yearly" and len(out["forecast"]) == 12
    assert any(n.startswith("steps 7-12 are past the 6 that this checkpoint's intervals were calibrated") for n in out["notices"])
    assert not any(n.startswith("steps") for n in zoo.predict("forecasting", {"csv": years}, horizon=6)["notices"])
