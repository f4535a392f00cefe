"""Checkpoints load through the real Hub protocol (huggingface_hub against a local
Hub-compatible server), from the cache, or from the bundled copy, as ZOO_WEIGHTS says."""
import pytest
from helpers import run_cli

import zoo
from zoo import CheckpointError
from zoo.checkpoint import content_revision, fetch, find_checkpoint, repo_files
from zoo.plugins import default_checkpoint


def test_bundled_copy_is_the_pinned_content():
    """The bundle is byte-identical to the pinned repo: its content digest is the checkpoint's
    digest (which is the revision itself until the repo is published)."""
    ckpts = [c for cs in zoo.registry().checkpoints.values() for c in cs if c.bundled]
    assert ckpts
    for ckpt in ckpts:
        assert content_revision(ckpt.bundled) == ckpt.digest, f"{ckpt.repo_id}: bundle changed; re-pin it"
        assert {"config.json", "model.safetensors", "README.md"} <= set(repo_files(ckpt.bundled))


def test_download_into_an_empty_cache_then_reuse_the_cache(hub):
    ckpt = default_checkpoint("sentiment")
    first = fetch(ckpt)
    assert first.source == "hub"
    assert str(first.folder).startswith(str(zoo.checkpoint.hub_cache_dir()))
    assert any(path.endswith("model.safetensors") for _, path in hub.requests)
    for name, path in repo_files(ckpt.bundled).items():
        assert (first.folder / name).read_bytes() == path.read_bytes(), name
    pipe = zoo.pipeline("sentiment", cache=False)
    assert pipe.source.source == "hub cache"
    assert pipe("A triumph of a film.")["label"] in ("positive", "negative")
    downloads_before = sum(n for (method, _), n in hub.requests.items() if method == "GET")
    fetch(ckpt)
    assert sum(n for (method, _), n in hub.requests.items() if method == "GET") == downloads_before


def test_hub_mode_has_no_fallback(hub, monkeypatch, tmp_path):
    monkeypatch.setenv("ZOO_WEIGHTS", "hub")
    assert fetch(default_checkpoint("sentiment")).source == "hub"
    hub.repos.clear()  # the repo vanishes from the Hub, and the cache is a new, empty one
    monkeypatch.setenv("HF_HOME", str(tmp_path / "empty-cache"))
    with pytest.raises(CheckpointError, match="ZOO_WEIGHTS=hub"):
        fetch(default_checkpoint("sentiment"))


def test_unreachable_hub_falls_back_to_the_bundle_quickly(monkeypatch, tmp_path):
    import time

    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    started = time.perf_counter()
    resolved = fetch(default_checkpoint("sentiment"))
    assert resolved.source == "bundled"
    assert time.perf_counter() - started < 10


def test_missing_revision_on_the_hub_falls_back_to_the_bundle(hub, monkeypatch):
    ckpt = default_checkpoint("sentiment")
    folder, _ = hub.repos[ckpt.repo_id]
    hub.repos[ckpt.repo_id] = (folder, "f" * 40)  # the Hub has the repo, but not the pinned revision
    assert fetch(ckpt).source == "bundled"


def test_bundled_mode_never_asks_the_hub(hub, monkeypatch):
    monkeypatch.setenv("ZOO_WEIGHTS", "bundled")
    assert fetch(default_checkpoint("sentiment")).source == "bundled"
    assert not hub.requests


def test_offline_with_empty_cache_uses_the_bundle_and_says_so(tmp_path):
    result = run_cli("-v", "predict", "sentiment", "What a fine film.",
                     env={"HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "bundled copy" in result.stderr and "HF_HUB_OFFLINE=1" in result.stderr


def test_checkpoint_names(tmp_path):
    reg = zoo.registry()
    ckpts = reg.checkpoints["sentiment"]
    assert find_checkpoint("sentiment", None, ckpts).id == "rt-bilstm-minilm"
    assert find_checkpoint("sentiment", "lstm-zoo/sentiment-rt-bilstm", ckpts).id == "rt-bilstm"
    assert find_checkpoint("sentiment", str(tmp_path), ckpts) == tmp_path.resolve()
    assert find_checkpoint("sentiment", "org/name@" + "c" * 40, ckpts).revision == "c" * 40
    with pytest.raises(CheckpointError, match="40-hex"):
        find_checkpoint("sentiment", "org/name@main", ckpts)
    with pytest.raises(CheckpointError, match="unknown checkpoint"):
        find_checkpoint("sentiment", "nope", ckpts)


def test_a_checkpoint_of_another_task_is_refused(tmp_path, sentiment):
    import json

    folder = sentiment.save(tmp_path / "ck")
    config = json.loads((folder / "config.json").read_text())
    config["task"] = "chargen"
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match="'chargen' checkpoint"):
        zoo.pipeline("sentiment", checkpoint=str(folder), cache=False)


def test_names_of_one_checkpoint_share_one_loaded_model():
    default = zoo.pipeline("sentiment")
    assert zoo.pipeline("sentiment", checkpoint="rt-bilstm-minilm") is default
    assert zoo.pipeline("sentiment", checkpoint="lstm-zoo/sentiment-rt-bilstm-minilm") is default
    assert zoo.pipeline("sentiment", checkpoint="rt-bilstm") is not default
