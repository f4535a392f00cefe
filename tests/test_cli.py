"""The command line, run as a user would, in fresh processes."""
import json
import subprocess
import sys

import pytest
from helpers import ROOT, require_sentiment_data, run_cli


def test_tasks_lists_checkpoints():
    result = run_cli("tasks")
    assert result.returncode == 0, result.stderr
    (task,) = [t for t in json.loads(result.stdout) if t["name"] == "sentiment"]
    ckpts = task["checkpoints"]
    assert [c["id"] for c in ckpts if c["default"]] == ["mixed-imdb-bilstm-minilm"]
    for ckpt in ckpts:
        assert set(ckpt) >= {"id", "repo_id", "revision", "bundled", "default"}
        assert len(ckpt["revision"]) == 40 and ckpt["bundled"]


def test_predict_and_stdin():
    out = json.loads(run_cli("predict", "sentiment", "A gorgeous, moving film.").stdout)
    assert out["label"] == "positive" and "tokens" in out
    piped = run_cli("predict", "sentiment", "-", input="A gorgeous, moving film.")
    assert json.loads(piped.stdout) == out


def test_a_piped_line_loses_its_line_ending_and_param_values_read_backslash_escapes():
    # echo "And God said" | zoo predict chargen - --param 'stop=\n': the prime as typed, the stop a newline
    out = json.loads(run_cli("predict", "chargen", "-", "--param", "stop=\\n", "--param", "temperature=0",
                             "--param", "max_new_chars=400", input="And God said\n").stdout)
    assert out["prime"] == "And God said" and "\n" not in out["text"]
    assert len(out["text"]) < len("And God said") + 400  # stopped at the first newline


def test_bad_input_and_bad_options_exit_with_clear_messages():
    empty = run_cli("predict", "sentiment", "   ")
    assert empty.returncode == 2 and "empty" in empty.stderr
    param = run_cli("predict", "sentiment", "ok", "--param", "beam=3")
    assert param.returncode == 2 and "unknown parameter" in param.stderr
    task = run_cli("predict", "nosuchtask", "x")
    assert task.returncode == 2 and "unknown task" in task.stderr
    ckpt = run_cli("predict", "sentiment", "ok", "--checkpoint", "does-not-exist")
    assert ckpt.returncode == 3 and "unknown checkpoint" in ckpt.stderr
    bytes_in = subprocess.run([sys.executable, "-m", "zoo", "predict", "sentiment", "-"], input=b"bad \xff\xfe bytes",
                              capture_output=True, cwd=ROOT)
    assert bytes_in.returncode == 2 and b"not valid UTF-8: byte 0xff at position 4" in bytes_in.stderr


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="this host has a CUDA GPU")
def test_cuda_without_a_gpu_is_an_error_not_a_fallback():
    result = run_cli("predict", "sentiment", "fine", "--device", "cuda")
    assert result.returncode == 3 and "no CUDA GPU" in result.stderr


def test_options_a_command_does_not_know_are_refused():
    result = run_cli("tasks", "--bogus")
    assert result.returncode == 2 and "unrecognized arguments: --bogus" in result.stderr


def test_chargen_eval_reports_bits_per_character_beside_the_compressors():
    """The Python-source checkpoint needs no download: its corpus is this interpreter's stdlib."""
    result = run_cli("eval", "chargen", "--checkpoint", "python", "--split", "test", "--limit", "20000",
                     "--dynamic", "1e-3,0")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["corpus"] == "python" and out["n"] == 20000
    bpc = out["metrics"]["bits_per_char"]
    assert abs(out["metrics"]["nats_per_char"] * 1.4427 - bpc) < 1e-3
    assert bpc < 2.0  # a trained model; an untrained one over ~100 characters gives about 6.6
    assert {"bzip2 -9", "xz -9e"} <= set(out["baselines"])
    assert abs(out["generation_step"]["increase"]) <= 0.02
    # Dynamic evaluation (the model learning from the code already read) codes it in fewer bits.
    [learning] = out["dynamic"]
    assert (learning["lr"], learning["decay"]) == (1e-3, 0.0) and learning["bits_per_char"] < bpc - 0.1


# -- verbs: the framework parses each task's options and prints exactly one JSON document -----------

TINY = {  # the cheapest run of each task's data, eval and bench
    ("chargen", "data"): ["--corpus", "python"],
    ("chargen", "eval"): ["--checkpoint", "python", "--limit", "2000"],
    ("chargen", "bench"): ["--chars", "40", "--repeats", "1", "--baseline-chars", "4", "--naive-chars", "4",
                           "--no-memory"],
    ("sentiment", "data"): [],
    ("sentiment", "eval"): ["--checkpoint", "rt-bilstm", "--split", "dev"],
    ("sentiment", "bench"): ["--n", "8", "--api-requests", "8", "--clients", "2", "--repeats", "2"],
    ("translation", "data"): [],
    ("translation", "eval"): ["--limit", "4", "--ablation", ""],
    ("translation", "bench"): ["--rounds", "1", "--runs", "1", "--batch", "4", "--naive-batch", "2"],
    ("forecasting", "data"): [],
    ("forecasting", "eval"): ["--limit", "20"],
    ("forecasting", "bench"): ["--rounds", "1", "--runs", "2", "--limit", "20"],
}


def _require(task):
    from helpers import require_data, require_translation_data

    if task == "sentiment":
        require_sentiment_data()
    elif task == "forecasting":
        from plugins.forecasting import data

        require_data(task, data.cache_dir("forecasting") / "m3_data.json")
    elif task == "translation":
        require_translation_data()


@pytest.mark.parametrize("task,verb", sorted(TINY), ids=[f"{v}-{t}" for t, v in sorted(TINY)])
def test_every_verb_of_every_task_prints_exactly_one_json_document(task, verb, capsys):
    from zoo.cli import main

    _require(task)
    capsys.readouterr()
    assert main([verb, task, *TINY[task, verb]]) == 0
    out = json.loads(capsys.readouterr().out)  # a second document, or any stray print, fails here
    assert isinstance(out, dict) and out
    if verb == "eval":
        assert {"task", "checkpoint", "split", "n", "metrics", "baselines"} <= set(out)
        args = TINY[task, verb]
        if "--checkpoint" in args:  # a named checkpoint is the one evaluated, on the split asked for
            assert out["checkpoint"] == args[args.index("--checkpoint") + 1]
        if "--split" in args:
            assert out["split"] == args[args.index("--split") + 1]


def test_every_task_provides_every_verb():
    import zoo

    for task in zoo.registry().tasks.values():
        assert all(task.supports(v) for v in ("data", "train", "eval", "bench")), task.name


def test_a_tasks_options_are_parsed_strictly_under_its_own_name():
    bad = run_cli("train", "chargen", "--no-such-option")
    assert bad.returncode == 2 and "zoo train chargen: error: unrecognized arguments: --no-such-option" in bad.stderr
    assert bad.stdout == ""
    helped = run_cli("bench", "translation", "--help")
    assert helped.returncode == 0 and helped.stdout.startswith("usage: zoo bench translation")


def test_a_verb_a_task_does_not_provide_is_its_own_error():
    from toy import ToyTask  # the toy task provides no command-line verbs

    from zoo import UnsupportedVerb
    from zoo.cli import run_verb

    for verb in ("data", "train", "eval", "bench"):
        assert not ToyTask().supports(verb)
        with pytest.raises(UnsupportedVerb, match="task 'toy' has no"):
            run_verb(ToyTask(), verb, [])


def test_the_json_printed_is_strict_json_a_score_that_cannot_be_computed_is_null():
    # A constant series' MASE divides by zero: Python would print NaN, which JSON parsers refuse.
    out = run_cli("predict", "forecasting", json.dumps([5.0] * 30), "--param", "holdout=true")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout, parse_constant=lambda name: pytest.fail(f"{name} is not JSON"))
    assert result["errors"]["lstm"]["mase"] is None and result["errors"]["lstm"]["smape"] == 0
