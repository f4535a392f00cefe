"""The shipped quality claims, re-measured: each bundled default checkpoint's figures on its test
split (or, where the whole split takes minutes, on its first part, as measured on the date named)
equal the recorded figures (within what another CPU's arithmetic may move), and the comparisons
the README makes hold in the same run."""
import json
from pathlib import Path

from helpers import require_data, require_sentiment_data, require_translation_data, run_cli

PLUGINS = Path(__file__).resolve().parents[1] / "plugins"


def recorded(task: str, checkpoint: str) -> dict:
    return json.loads((PLUGINS / task / "checkpoints" / checkpoint / "config.json").read_text())["metrics"]


def evaluated(*args) -> dict:
    result = run_cli("eval", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_forecasting_m3_monthly_test_split_scores_as_recorded_and_beats_theta_on_smape_and_mase():
    """The whole split: the checkpoint's partners are fitted to all series at once (seconds), so
    the figures are those its config.json records (and BENCHMARKS.md)."""
    from zoo.datasets import cache_dir

    require_data("forecasting", cache_dir("forecasting") / "m3_data.json")
    out, want = evaluated("forecasting", "--split", "test"), recorded("forecasting", "m3-monthly")
    assert out["n"] == 1428
    for name in ("smape", "mase", "coverage"):
        assert abs(out["metrics"][name] - want[name]) <= 1e-3, name
    assert out["metrics"]["smape"] < out["baselines"]["theta"]["smape"] < out["baselines"]["seasonal naive"]["smape"]
    assert out["metrics"]["mase"] < out["baselines"]["theta"]["mase"]


def test_chargen_kjv_test_bits_per_character_are_the_recorded_ones_and_beat_the_compressors():
    """The whole test split takes about 150 s of CI's 2 cores with the 3x1024; its first 100,000
    characters were scored on 2026-12-04 (the whole split's figure is in config.json and
    BENCHMARKS.md, from the same command without --limit)."""
    from zoo.datasets import cache_dir

    require_data("translation", cache_dir("kjv") / "kjv.txt")  # the KJV text the translation data brings
    out = evaluated("chargen", "--checkpoint", "kjv", "--split", "test", "--limit", "100000")
    assert out["n"] == 100_000 and abs(out["metrics"]["bits_per_char"] - 1.2050) <= 0.0005
    assert recorded("chargen", "kjv")["bits_per_char"] <= 1.30  # issue 17's bar, on the whole split
    assert out["metrics"]["bits_per_char"] < min(b["bits_per_char"] for b in out["baselines"].values())
    assert out["generation_step"]["int8"] and abs(out["generation_step"]["increase"]) <= 0.02


def test_translation_on_the_first_100_test_pairs_scores_what_it_scored_when_recorded():
    """The whole test split takes minutes; its first 100 pairs were scored on 2026-12-02 (the
    full-split figures are in config.json and BENCHMARKS.md)."""
    require_translation_data()
    out = evaluated("translation", "--split", "test", "--limit", "100", "--ablation", "")
    beam = out["metrics"]["beam 5"]
    assert abs(beam["bleu"] - 28.29) <= 1.0 and abs(beam["chrf"] - 49.79) <= 1.0
    assert abs(out["metrics"]["greedy"]["bleu"] - 26.08) <= 1.0
    assert beam["chrf"] > out["metrics"]["greedy"]["chrf"] > out["baselines"]["copy the source"]["chrf"] + 20
    # Apertium (rule-based), unpacked by the data recipe, is scored in the same run: on Bible English
    # the LSTM is far ahead of it.
    rules = out["baselines"]["apertium (rule-based)"]
    assert 0 < rules["bleu"] < beam["bleu"] - 5 and 0 < rules["chrf"] < beam["chrf"]


def test_sentiment_test_accuracy_is_the_recorded_one_and_beats_vader():
    require_sentiment_data()
    out = evaluated("sentiment", "--split", "test")
    # One shape for the movie test and each other domain: n, metrics, baselines.
    assert set(out) >= {"task", "checkpoint", "split", "n", "metrics", "baselines"} and out["n"] > 1000
    assert set(out["domains"]) == {"tweets", "imdb", "airline-tweets", "drug-reviews", "product-reviews",
                                   "restaurant-reviews"}
    assert all({"n", "metrics", "baselines"} <= set(d) for d in out["domains"].values())
    assert {"vader", "majority (negative)"} <= set(out["baselines"])
    assert abs(out["metrics"]["accuracy"] - recorded("sentiment", "mixed-imdb-bilstm-minilm")["accuracy"]) <= 0.002
    assert out["metrics"]["accuracy"] > out["baselines"]["vader"]["accuracy"] + 0.15
    # Off the movie domain: on held-out airline tweets it beats VADER and the set's majority label;
    # on held-out drug reviews it does not (recorded as measured: 0.5890 vs majority 0.7117).
    domains = out["domains"]
    airline = domains["airline-tweets"]
    assert airline["metrics"]["accuracy"] > max(b["accuracy"] for b in airline["baselines"].values()), airline
    assert abs(domains["drug-reviews"]["metrics"]["accuracy"] - 0.5890) <= 0.002
    # Calibrated: on the tweets' test split the confidence matches the accuracy within 0.05.
    assert domains["tweets"]["metrics"]["ece"] < 0.05 and out["metrics"]["ece"] < 0.05
    # The same model with its temperature undone: the same answers; the temperature (fitted on the
    # movie and tweet dev splits) makes the tweets and IMDb reviews better calibrated, and the movie
    # test a little worse (0.0345 -> 0.0363; recorded as measured in BENCHMARKS.md).
    raw = evaluated("sentiment", "--split", "test", "--uncalibrated")
    assert not raw["calibrated"] and out["calibrated"]
    assert raw["metrics"]["accuracy"] == out["metrics"]["accuracy"]
    for domain in ("tweets", "imdb"):
        assert raw["domains"][domain]["metrics"]["ece"] > domains[domain]["metrics"]["ece"]
