"""Publishing the bundled checkpoints to a Hub and deploying the app as a Space.

Everything goes through the real huggingface_hub client against the local Hub-compatible
server (zoo.testing.hub_server), which takes uploads the way the Hub does (create repo,
preupload, NDJSON commit) and serves what was committed."""
import json
import sys
from pathlib import Path

import pytest
import yaml
from helpers import ROOT, AppProcess, run_cli

import zoo
from zoo.checkpoint import content_revision
from zoo.testing.hub_server import HubServer

TOKEN = "hf_test_token"


@pytest.fixture
def empty_hub(tmp_path, monkeypatch):
    """A Hub with no repos that takes writes from TOKEN; an empty HF cache."""
    with HubServer(token=TOKEN, storage=tmp_path / "hub-storage") as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
        monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
        yield server


def _bundled():
    return [(t, c) for t, cs in zoo.registry().checkpoints.items() for c in cs if c.bundled]


def test_dry_run_writes_exactly_the_repos_it_would_push_and_pushes_nothing(empty_hub, tmp_path):
    out = run_cli("publish", "--namespace", "someone", "--dry-run", str(tmp_path / "dry"))
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["dry_run"] and not empty_hub.requests
    assert len(result["pins"]) == len(_bundled())
    for (_, ckpt), pin in zip(sorted(_bundled(), key=lambda x: (x[0], x[1].id)),
                                 sorted(result["pins"], key=lambda p: (p["task"], p["id"]))):
        staged = tmp_path / "dry" / pin["repo_id"]
        assert pin["repo_id"] == "someone/" + ckpt.repo_id.split("/")[1] and pin["revision"] is None
        assert content_revision(staged) == pin["digest"]
        for name in pin["files"]:
            new, old = (staged / name).read_bytes(), (Path(ckpt.bundled) / name).read_bytes()
            if name == "README.md":  # the card names the new repo, and only that changed
                assert new.decode() == old.decode().replace(ckpt.repo_id, pin["repo_id"])
                assert pin["repo_id"] in new.decode()
            else:
                assert new == old, name


def test_publish_needs_a_token_and_says_so(empty_hub):
    out = run_cli("publish", "--namespace", "someone", "--only", "forecasting", env={"HF_TOKEN": "wrong"})
    assert out.returncode == 3
    assert "401" in out.stderr and "HF_TOKEN" in out.stderr
    out = run_cli("publish", "--namespace", "bad name!")
    assert out.returncode == 2 and "namespace" in out.stderr
    out = run_cli("publish", "--namespace", "someone", "--only", "sentiment:nope", "--dry-run", "x")
    assert out.returncode == 2 and "has no checkpoint 'nope'" in out.stderr and "rt-bilstm" in out.stderr


def test_published_revisions_load_and_publishing_again_changes_nothing(empty_hub, tmp_path):
    out = run_cli("publish", "--namespace", "someone", "--only", "sentiment:rt-bilstm", "--only",
                  "forecasting:m3-monthly", env={"HF_TOKEN": TOKEN})
    assert out.returncode == 0, out.stderr
    pins = json.loads(out.stdout)["pins"]
    assert {(p["task"], p["id"]) for p in pins} == {("sentiment", "rt-bilstm"), ("forecasting", "m3-monthly")}
    for pin in pins:
        assert len(pin["revision"]) == 40 and empty_hub.repos[pin["repo_id"]][1] == pin["revision"]
    again = json.loads(run_cli("publish", "--namespace", "someone", "--only", "forecasting:m3-monthly",
                               env={"HF_TOKEN": TOKEN}).stdout)["pins"]
    assert again[0]["revision"] == next(p for p in pins if p["task"] == "forecasting")["revision"]

    # The pins file points the zoo at the published repos; the bundle is not the same content
    # (the card names another repo), so the weights must come from the Hub.
    (tmp_path / "pins.json").write_text(out.stdout)
    result = run_cli("-v", "predict", "sentiment", "A gripping, funny film.", "--checkpoint", "rt-bilstm",
                     env={"ZOO_PINS": str(tmp_path / "pins.json"), "ZOO_WEIGHTS": "hub"})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["label"] == "positive"
    assert "someone/sentiment-rt-bilstm" in result.stderr and "downloaded from the Hub" in result.stderr
    # Only the card differs from the bundle, so the bundle stays the fallback for the new pin.
    offline = run_cli("-v", "predict", "sentiment", "A gripping, funny film.", "--checkpoint", "rt-bilstm",
                      env={"ZOO_PINS": str(tmp_path / "pins.json"), "ZOO_WEIGHTS": "bundled"})
    assert offline.returncode == 0 and "bundled copy" in offline.stderr, offline.stderr


def test_a_bad_pins_file_is_a_clear_error(tmp_path):
    (tmp_path / "pins.json").write_text(json.dumps({"pins": [{"task": "sentiment", "id": "rt-bilstm",
                                                              "repo_id": "x/y", "revision": None}]}))
    out = run_cli("tasks", env={"ZOO_PINS": str(tmp_path / "pins.json")})
    assert out.returncode == 3 and "lacks ['revision']" in out.stderr and "dry-run" in out.stderr
    (tmp_path / "pins.json").write_text("not json")
    out = run_cli("tasks", env={"ZOO_PINS": str(tmp_path / "pins.json")})
    assert out.returncode == 3 and "unreadable" in out.stderr


def test_space_folder_has_the_front_matter_a_space_needs(tmp_path):
    out = run_cli("space", "build", str(tmp_path / "space"), "--hardware", "t4-small")
    assert out.returncode == 0, out.stderr
    space = tmp_path / "space"
    text = (space / "README.md").read_text()
    meta = yaml.safe_load(text.split("---")[1])
    assert meta["sdk"] == "gradio" and meta["sdk_version"] == "6.31.0" and meta["app_file"] == "app.py"
    assert meta["python_version"] == f"{sys.version_info.major}.{sys.version_info.minor}"
    assert meta["suggested_hardware"] == "t4-small"
    ckpts = [c for cs in zoo.registry().checkpoints.values() for c in cs]
    assert sorted(meta["models"]) == sorted({c.repo_id for c in ckpts})
    preload = {line.split()[0]: line.split() for line in meta["preload_from_hub"]}
    for c in ckpts:
        repo, files, revision = preload[c.repo_id]
        assert revision == c.revision and "model.safetensors" in files.split(",")
    assert (space / "app.py").read_bytes() == (ROOT / "app.py").read_bytes()
    assert (space / "requirements.txt").read_bytes() == (ROOT / "requirements.txt").read_bytes()
    assert not list(space.rglob("*.safetensors")), "weights come from preload_from_hub, not the code"
    assert run_cli("space", "build", str(space)).returncode == 2  # never overwrites
    (tmp_path / "a-file").write_text("x")
    assert run_cli("space", "build", str(tmp_path / "a-file")).returncode == 2


def test_a_bundled_space_carries_the_weights_and_preloads_nothing_it_was_not_given_pins_for(tmp_path):
    out = run_cli("space", "build", str(tmp_path / "space"), "--bundle")
    assert out.returncode == 0, out.stderr
    meta = yaml.safe_load((tmp_path / "space" / "README.md").read_text().split("---")[1])
    assert "preload_from_hub" not in meta  # repos that may not exist would fail the Space's build
    bundled = [c for cs in zoo.registry().checkpoints.values() for c in cs if c.bundled]
    assert len(list((tmp_path / "space").rglob("model.safetensors"))) == len(bundled)
    assert "with --bundle the card preloads nothing" in json.loads(out.stdout)["notices"][-1]


def test_a_space_carries_only_the_built_in_plugins_and_says_what_it_left_out(tmp_path):
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "extra.py").write_text(
        "from zoo import Checkpoint, hookimpl\n"
        "@hookimpl\n"
        "def register_checkpoints(register):\n"
        "    register('sentiment', Checkpoint(id='extra', repo_id='else/where', revision='a' * 40))\n")
    out = run_cli("space", "build", str(tmp_path / "space"), env={"ZOO_PLUGINS_DIR": str(tmp_path / "plugins")})
    assert out.returncode == 0, out.stderr
    meta = yaml.safe_load((tmp_path / "space" / "README.md").read_text().split("---")[1])
    assert "else/where" not in meta["models"] and not any("else/where" in p for p in meta["preload_from_hub"])
    assert "left out plugin extra" in out.stderr and "no --pins" in out.stderr


@pytest.mark.slow
def test_publish_build_the_space_preload_and_call_every_endpoint(empty_hub, tmp_path):
    """The whole deployment: publish every checkpoint, build the Space with those pins, do what
    the Space's build does with preload_from_hub, then start the Space's app.py offline with
    no bundled weights and call every task's endpoint through gradio_client."""
    import gradio as gr
    from gradio_client import Client
    from huggingface_hub import hf_hub_download

    out = run_cli("publish", "--namespace", "zoo-space-test", env={"HF_TOKEN": TOKEN})
    assert out.returncode == 0, out.stderr
    (tmp_path / "pins.json").write_text(out.stdout)
    space = tmp_path / "space"
    built = run_cli("space", "build", str(space), "--pins", str(tmp_path / "pins.json"))
    assert built.returncode == 0, built.stderr

    meta = yaml.safe_load((space / "README.md").read_text().split("---")[1])
    cache = tmp_path / "space-hf-home"
    for entry in meta["preload_from_hub"]:
        repo_id, files, revision = entry.split()
        assert repo_id.startswith("zoo-space-test/")
        for name in files.split(","):
            hf_hub_download(repo_id, name, revision=revision, cache_dir=cache / "hub", endpoint=empty_hub.url)

    env = {"PYTHONPATH": None, "ZOO_PINS": None, "HF_HOME": str(cache), "HF_HUB_OFFLINE": "1",
           "ZOO_WEIGHTS": "hub", "HF_ENDPOINT": "http://127.0.0.1:9"}
    with AppProcess(cwd=space, env=env) as app:
        requests_before = sum(empty_hub.requests.values())
        client = Client(app.url, verbose=False)
        tasks = zoo.registry().tasks
        assert set(client.view_api(return_format="dict", print_info=False)["named_endpoints"]) >= {f"/{t}" for t in tasks}
        for name, task in tasks.items():
            with gr.Blocks():
                row = task.build_tab(gr).examples[0]
            outputs = client.predict(*row, api_name=f"/{name}")
            result, notice = outputs[-2], outputs[-1]
            assert isinstance(result, dict) and result and "error" not in result, (name, result, notice)
        assert sum(empty_hub.requests.values()) == requests_before  # offline: the preloaded cache only
    log = app.log
    assert "hub cache" in log or "local HF cache" in log, log[-3000:]
