"""The command line, run as a user would, in fresh processes."""
import json

from conftest import run_cli


def test_tasks_lists_checkpoints():
    result = run_cli("tasks")
    assert result.returncode == 0, result.stderr
    (task,) = [t for t in json.loads(result.stdout) if t["name"] == "sentiment"]
    ckpts = task["checkpoints"]
    assert [c["id"] for c in ckpts if c["default"]] == ["rt-bilstm-minilm"]
    for ckpt in ckpts:
        assert set(ckpt) >= {"id", "repo_id", "revision", "bundled", "default"}
        assert len(ckpt["revision"]) == 40 and ckpt["bundled"]


def test_predict_and_stdin():
    out = json.loads(run_cli("predict", "sentiment", "A gorgeous, moving film.").stdout)
    assert out["label"] == "positive" and "tokens" in out
    piped = run_cli("predict", "sentiment", "-", input="A gorgeous, moving film.")
    assert json.loads(piped.stdout) == out


def test_bad_input_and_bad_options_exit_with_clear_messages():
    empty = run_cli("predict", "sentiment", "   ")
    assert empty.returncode == 2 and "empty" in empty.stderr
    param = run_cli("predict", "sentiment", "ok", "--param", "beam=3")
    assert param.returncode == 2 and "unknown parameter" in param.stderr
    task = run_cli("predict", "nosuchtask", "x")
    assert task.returncode == 2 and "unknown task" in task.stderr
    ckpt = run_cli("predict", "sentiment", "ok", "--checkpoint", "does-not-exist")
    assert ckpt.returncode == 3 and "unknown checkpoint" in ckpt.stderr


def test_cuda_without_a_gpu_is_an_error_not_a_fallback():
    import torch

    if torch.cuda.is_available():
        return
    result = run_cli("predict", "sentiment", "fine", "--device", "cuda")
    assert result.returncode == 3 and "no CUDA GPU" in result.stderr


def require_sentiment_data():
    from conftest import require_data
    from plugins.sentiment import data

    require_data("sentiment", data.data_dir() / "movieReviewSnippets_GroundTruth.txt")


def test_eval_reports_model_and_baselines_in_one_shape():
    require_sentiment_data()
    result = run_cli("eval", "sentiment", "--split", "test")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out) == {"task", "checkpoint", "split", "n", "metrics", "baselines"}
    assert out["n"] > 1000
    assert out["metrics"]["accuracy"] >= 0.78
    assert {"vader", "majority (negative)"} <= set(out["baselines"])
    assert out["metrics"]["accuracy"] > out["baselines"]["vader"]["accuracy"]


def test_eval_of_a_named_checkpoint_evaluates_that_checkpoint():
    require_sentiment_data()
    out = json.loads(run_cli("eval", "sentiment", "--checkpoint", "rt-bilstm", "--split", "dev").stdout)
    assert out["checkpoint"] == "rt-bilstm" and out["split"] == "dev" and out["n"] > 1000


def test_options_a_command_does_not_know_are_refused():
    result = run_cli("tasks", "--bogus")
    assert result.returncode == 2 and "unrecognized arguments: --bogus" in result.stderr


def test_chargen_eval_reports_bits_per_character_beside_the_compressors():
    """The Python-source checkpoint needs no download: its corpus is this interpreter's stdlib."""
    result = run_cli("eval", "chargen", "--checkpoint", "python", "--split", "test", "--limit", "20000")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["corpus"] == "python" and out["n"] == 20000
    bpc = out["metrics"]["bits_per_char"]
    assert abs(out["metrics"]["nats_per_char"] * 1.4427 - bpc) < 1e-3
    assert bpc < 2.0  # a trained model; an untrained one over ~100 characters gives about 6.6
    assert {"bzip2 -9", "xz -9e"} <= set(out["baselines"])
    assert abs(out["generation_step"]["increase"]) <= 0.02
