"""Faults the app must survive: corrupt or absurd checkpoints, a Hub that hangs, plugins that exit
or interrupt at import, SIGTERM with requests in flight, and messages that would show a server
path. Each gives a clear message and everything else keeps working."""
import json
import shutil
import socket
import time

import pytest
from helpers import AppProcess, run_cli
from safetensors.torch import load_file, save_file

import zoo
from zoo import CheckpointError
from zoo.checkpoint import fetch
from zoo.plugins import default_checkpoint


@pytest.fixture
def toy_copy(toy, tmp_path):
    """A writable copy of the toy task's default checkpoint (tests/toy.py)."""
    folder = tmp_path / "ckpt"
    shutil.copytree(default_checkpoint("toy").bundled, folder)
    return folder


def load(folder):
    return zoo.pipeline("toy", checkpoint=str(folder), cache=False)


def test_a_corrupt_preprocessor_file_names_the_checkpoint_and_its_files(toy_copy):
    (toy_copy / "alphabet.json").write_text("{not json")
    with pytest.raises(CheckpointError, match=r"ckpt: the preprocessor files \(.*alphabet\.json.*\) could not be read"):
        load(toy_copy)


@pytest.mark.parametrize("size", [1e7, 10_000_000, -3, "big"])
def test_an_absurd_size_in_the_config_is_refused_before_anything_is_allocated(toy_copy, size):
    import resource

    config = json.loads((toy_copy / "config.json").read_text())
    config["architecture"]["hidden"] = size
    (toy_copy / "config.json").write_text(json.dumps(config))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(CheckpointError, match="ckpt: .*(config.json|model.safetensors)") as err:
        load(toy_copy)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000  # KB: nothing near what it asks
    assert str(toy_copy) not in str(err.value)  # the label, not the server's path


def test_non_finite_weights_are_refused(toy_copy):
    state = load_file(str(toy_copy / "model.safetensors"))
    name = next(k for k, v in state.items() if v.is_floating_point())
    state[name][0] = float("nan")
    save_file(state, str(toy_copy / "model.safetensors"), metadata={"format": "pt"})
    with pytest.raises(CheckpointError, match=f"NaN or infinite values in .*{name}"):
        load(toy_copy)


def test_a_corrupt_cached_copy_falls_back_to_the_bundle_with_a_notice(toy_hub, monkeypatch):
    ckpt = default_checkpoint("toy")
    cached = fetch(ckpt)
    assert cached.source == "hub"
    weights = (cached.folder / "model.safetensors").resolve()  # the blob behind the snapshot link
    weights.write_bytes(weights.read_bytes()[:200])  # a download cut short
    pipe = zoo.pipeline("toy", cache=False)
    assert pipe.source.source == "bundled"
    result = pipe("a cab")
    assert isinstance(result["score"], float)
    assert any("hub cache copy" in n and "bundled copy answers" in n for n in result["notices"])
    monkeypatch.setenv("ZOO_WEIGHTS", "hub")  # no fallback allowed: the error says which file
    with pytest.raises(CheckpointError, match="model.safetensors is unreadable"):
        zoo.pipeline("toy", cache=False)


def test_a_hub_that_hangs_is_remembered_and_not_asked_again_for_a_while(toy, monkeypatch, tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)  # accepts connections and never answers
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{listener.getsockname()[1]}")
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    monkeypatch.setattr(zoo.checkpoint, "_hub_failures", {})
    ckpt = default_checkpoint("toy")
    try:
        started = time.perf_counter()
        assert fetch(ckpt).source == "bundled"
        first = time.perf_counter() - started
        started = time.perf_counter()
        assert fetch(ckpt).source == "bundled"
        second = time.perf_counter() - started
    finally:
        listener.close()
    assert first >= 2.5 and second < 0.5, (first, second)


@pytest.mark.parametrize("body", ["import sys\nsys.exit(3)\n", "raise KeyboardInterrupt\n", "raise SystemExit('bye')\n"])
def test_a_plugin_that_exits_or_interrupts_at_import_is_isolated(tmp_path, body):
    (tmp_path / "rude.py").write_text(body)
    result = run_cli("plugins", env={"ZOO_PLUGINS_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    plugins = {p["name"]: p for p in json.loads(result.stdout)}
    assert plugins["rude"]["error"].split(":")[0] in ("SystemExit", "KeyboardInterrupt")
    assert plugins["sentiment"]["error"] is None


def test_messages_for_visitors_carry_no_server_paths():
    from zoo.app import public

    msg = "acme/x: no config.json in /root/.cache/huggingface/hub/models--acme--x/snapshots/abc (see /tmp/a b)"
    out = public(msg)
    assert "/root" not in out and "snapshots/abc" not in out and "\u2026/abc" in out
    assert public("parameter 'top_k' must be <= 1000, got 5000") == "parameter 'top_k' must be <= 1000, got 5000"


def test_sigterm_lets_requests_in_flight_finish_and_says_so():
    from gradio_client import Client

    with AppProcess(env={"ZOO_DRAIN_SECONDS": "60"}) as app:
        client = Client(app.url, verbose=False)
        client.predict("warm up", api_name="/sentiment")
        job = client.submit("In the beginning", 4000, 0.8, 0, 1.0, 7, "", api_name="/chargen")
        while not job.outputs():
            time.sleep(0.02)
        app.proc.terminate()  # SIGTERM while the generation is half way
        out = job.result()
        code = app.proc.wait(timeout=90)
    assert len(out[0]) == len("In the beginning") + 4000  # finished, not cut off
    assert code == 0
    assert "SIGTERM: taking no new requests" in app.log and "all requests finished" in app.log, app.log[-2000:]
