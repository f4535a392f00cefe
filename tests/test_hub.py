"""Checkpoints load through the real Hub protocol (huggingface_hub against a local
Hub-compatible server), from the cache, or from the bundled copy, as ZOO_WEIGHTS says. The
framework's rules are tested on the toy task (tests/toy.py); the built-in bundles and the CLI on
the real ones."""
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


def test_download_into_an_empty_cache_then_reuse_the_cache(toy_hub):
    hub = toy_hub
    ckpt = default_checkpoint("toy")
    first = fetch(ckpt)
    assert first.source == "hub"
    assert str(first.folder).startswith(str(zoo.checkpoint.hub_cache_dir()))
    assert any(path.endswith("model.safetensors") for _, path in hub.requests)
    for name, path in repo_files(ckpt.bundled).items():
        assert (first.folder / name).read_bytes() == path.read_bytes(), name
    pipe = zoo.pipeline("toy", cache=False)
    assert pipe.source.source == "hub cache"
    assert pipe("a cab") == zoo.pipeline("toy", checkpoint=str(ckpt.bundled), cache=False)("a cab")
    downloads_before = sum(n for (method, _), n in hub.requests.items() if method == "GET")
    fetch(ckpt)
    assert sum(n for (method, _), n in hub.requests.items() if method == "GET") == downloads_before


def test_hub_mode_has_no_fallback(toy_hub, monkeypatch, tmp_path):
    monkeypatch.setenv("ZOO_WEIGHTS", "hub")
    assert fetch(default_checkpoint("toy")).source == "hub"
    toy_hub.repos.clear()  # the repo vanishes from the Hub, and the cache is a new, empty one
    monkeypatch.setenv("HF_HOME", str(tmp_path / "empty-cache"))
    with pytest.raises(CheckpointError, match="ZOO_WEIGHTS=hub"):
        fetch(default_checkpoint("toy"))


def test_unreachable_hub_falls_back_to_the_bundle_quickly(toy, monkeypatch, tmp_path):
    import time

    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    started = time.perf_counter()
    resolved = fetch(default_checkpoint("toy"))
    assert resolved.source == "bundled"
    assert time.perf_counter() - started < 10


def test_missing_revision_on_the_hub_falls_back_to_the_bundle(toy_hub, monkeypatch):
    ckpt = default_checkpoint("toy")
    folder, _ = toy_hub.repos[ckpt.repo_id]
    toy_hub.repos[ckpt.repo_id] = (folder, "f" * 40)  # the Hub has the repo, but not the pinned revision
    assert fetch(ckpt).source == "bundled"


def test_bundled_mode_never_asks_the_hub(toy_hub, monkeypatch):
    monkeypatch.setenv("ZOO_WEIGHTS", "bundled")
    assert fetch(default_checkpoint("toy")).source == "bundled"
    assert not toy_hub.requests


def test_a_bundle_changed_after_pinning_is_refused_not_served_as_the_pin(toy, monkeypatch, tmp_path):
    import dataclasses
    import shutil

    monkeypatch.setenv("ZOO_WEIGHTS", "bundled")
    ckpt = default_checkpoint("toy")
    changed = tmp_path / "changed"
    shutil.copytree(ckpt.bundled, changed)
    with open(changed / "README.md", "a") as card:
        card.write("one more line\n")
    with pytest.raises(CheckpointError, match=r"is not the pinned content: its digest is \w{12}, the pin's"):
        fetch(dataclasses.replace(ckpt, bundled=changed))
    assert fetch(ckpt).source == "bundled"  # the untouched copy still serves


def test_offline_with_empty_cache_uses_the_bundle_and_says_so(tmp_path):
    result = run_cli("-v", "predict", "sentiment", "What a fine film.",
                     env={"HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "bundled copy" in result.stderr and "HF_HUB_OFFLINE=1" in result.stderr


def test_checkpoint_names(toy, tmp_path):
    ckpts = zoo.registry().checkpoints["toy"]
    assert find_checkpoint("toy", None, ckpts).id == "toy-1"  # the one marked default
    assert find_checkpoint("toy", "test/toy-2", ckpts).id == "toy-2"
    assert find_checkpoint("toy", str(tmp_path), ckpts) == tmp_path.resolve()
    assert find_checkpoint("toy", "org/name@" + "c" * 40, ckpts).revision == "c" * 40
    with pytest.raises(CheckpointError, match="40-hex"):
        find_checkpoint("toy", "org/name@main", ckpts)
    with pytest.raises(CheckpointError, match="unknown checkpoint"):
        find_checkpoint("toy", "nope", ckpts)


def test_a_checkpoint_of_another_task_is_refused(toy, tmp_path):
    import json

    folder = zoo.pipeline("toy", cache=False).save(tmp_path / "ck")
    config = json.loads((folder / "config.json").read_text())
    config["task"] = "chargen"
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match="'chargen' checkpoint"):
        zoo.pipeline("toy", checkpoint=str(folder), cache=False)


def test_names_of_one_checkpoint_share_one_loaded_model(toy):
    default = zoo.pipeline("toy")
    assert zoo.pipeline("toy", checkpoint="toy-1") is default
    assert zoo.pipeline("toy", checkpoint="test/toy-1") is default
    assert zoo.pipeline("toy", checkpoint="toy-2") is not default
