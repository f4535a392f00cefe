"""Writing a plugin: `zoo new-plugin` writes a package that installs with pip, passes its own
tests (the zoo's conformance suite among them) and shows up in the app; the examples in
examples/ install the same way, one adding a task, one only adding a checkpoint.

Packages are pip-installed into a private --target folder put on PYTHONPATH of the processes
started here, so the test environment itself is never changed."""
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from helpers import ROOT, AppProcess, run_cli

EXAMPLES = ROOT / "examples"
pytestmark = pytest.mark.slow


def _run(args, cwd, env, timeout=600):
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A generated plugin (trained for a few seconds) and both examples, pip-installed."""
    tmp = tmp_path_factory.mktemp("plugins")
    made = run_cli("new-plugin", "demo_split", "--out", str(tmp))
    assert made.returncode == 0, made.stderr
    generated = Path(json.loads(made.stdout)["folder"])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    trained = _run([sys.executable, "-m", "lstm_zoo_demo_split.train", "--seconds", "6", "--epochs", "1",
                    "--limit-files", "150"], generated, env)
    assert trained.returncode == 0, trained.stderr
    site = tmp / "site"
    packages = [generated, EXAMPLES / "lstm-zoo-wordsplit", EXAMPLES / "lstm-zoo-forecasting-log"]
    pip = _run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index",
                "--target", str(site), *map(str, packages)], tmp, env)
    assert pip.returncode == 0, pip.stderr
    return {"generated": generated, "env": {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}}


def test_new_plugin_refuses_bad_and_taken_names(tmp_path):
    for name, needle in [("Bad-Name", "identifier"), ("sentiment", "already registered")]:
        out = run_cli("new-plugin", name, "--out", str(tmp_path))
        assert out.returncode == 2 and needle in out.stderr
    assert run_cli("new-plugin", "fresh", "--out", str(tmp_path)).returncode == 0
    again = run_cli("new-plugin", "fresh", "--out", str(tmp_path))
    assert again.returncode == 2 and "--force" in again.stderr


def test_the_generated_plugin_passes_its_own_tests_once_installed(installed, tmp_path):
    # Run from elsewhere, so the package is imported from where pip put it, not from its source folder.
    tests = installed["generated"] / "tests"
    out = _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests)], tmp_path, installed["env"])
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    passed = int(out.stdout.strip().splitlines()[-1].split(" passed")[0].split()[-1])
    assert passed >= 9 + 9  # the conformance checks on the tiny model and on the bundled checkpoint, and more


@pytest.mark.parametrize("example", ["lstm-zoo-wordsplit", "lstm-zoo-forecasting-log"])
def test_each_example_passes_its_own_tests_once_installed(installed, example, tmp_path):
    out = _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(EXAMPLES / example / "tests")],
               tmp_path, installed["env"])
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]


def test_installed_plugins_are_listed_with_their_tasks_and_checkpoints(installed):
    listing = {p["name"]: p for p in json.loads(run_cli("plugins", env=installed["env"]).stdout)}
    for name, tasks in [("demo_split", ["demo_split"]), ("wordsplit", ["wordsplit"]), ("forecasting_log", [])]:
        assert listing[name]["source"] == "entrypoint" and not listing[name]["error"], listing[name]
        assert listing[name]["tasks"] == tasks
    assert listing["forecasting_log"]["checkpoints"] == ["forecasting:m3-monthly-log"]
    tasks = {t["name"]: t for t in json.loads(run_cli("tasks", env=installed["env"]).stdout)}
    assert "m3-monthly-log" in [c["id"] for c in tasks["forecasting"]["checkpoints"]]


def test_the_app_gets_a_tab_and_an_endpoint_for_each(installed):
    from gradio_client import Client

    with AppProcess(env={"PYTHONPATH": installed["env"]["PYTHONPATH"]}) as app:
        config = json.loads(urllib.request.urlopen(f"{app.url}config", timeout=10).read())
        tab_labels = {c["props"].get("label") for c in config["components"] if c.get("type") == "tabitem"}
        assert {"Demo split", "Wordsplit"} <= tab_labels, tab_labels
        client = Client(app.url, verbose=False)
        for endpoint in ("/demo_split", "/wordsplit"):
            text, result, notice = client.predict("getuserbyid", 0.5, api_name=endpoint)
            assert text.replace(" ", "") == "getuserbyid" and result["tokens"], (endpoint, result, notice)
        text, result, _ = client.predict("getuserbyid", 0.5, api_name="/wordsplit")
        assert text == "get user by id", result  # the trained example, not the few-second one
        *_, forecast, notice = client.predict("AirPassengers", None, None, "infer", "", 12, 80, False,
                                              "m3-monthly-log", api_name="/forecasting")
        assert len(forecast["forecast"]) == 12, (forecast, notice)
        # The overview lists the third-party checkpoints beside the built-in ones, with their test figures.
        rows = {(r["task"], r["id"]): r for r in client.predict(api_name="/overview")}
        assert rows[("wordsplit", "stdlib")]["metrics"]["boundary_f1"] > rows[("wordsplit", "stdlib")][
            "baselines"]["unigram word frequencies (Viterbi)"]["boundary_f1"]
        assert rows[("forecasting", "m3-monthly-log")]["metrics"]["smape"] == 14.213
        assert rows[("forecasting", "m3-monthly-log")]["loaded_from"].startswith("bundled")  # it answered above
        assert rows[("forecasting", "m3-monthly")]["default"] and not rows[("forecasting", "m3-monthly-log")]["default"]
        page = urllib.request.urlopen(f"{app.url}config", timeout=10).read().decode()
        assert "m3-monthly-log" in page and "boundary_f1 **0.9563**" in page  # drawn in the overview tab
