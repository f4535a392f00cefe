"""The conformance suite: what every task, built-in or third-party, must satisfy.

Each ``check_*`` function takes ``(task, pipe, tmp_path)`` and raises AssertionError on failure.
Use it from any test suite::

    import pytest
    from zoo.testing.conformance import CHECKS

    @pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
    def test_conformance(check, tmp_path):
        task = MyTask()
        check(task, zoo.pipeline(task), tmp_path)
"""
from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import torch

from ..checkpoint import CARD, CONFIG, WEIGHTS
from ..errors import CheckpointError, InputError
from ..pipelines import load_folder


def assert_close(a: Any, b: Any, tol: float = 2e-4, path: str = "result") -> None:
    """Recursive equality where floats may differ by ``tol`` (batched kernels round differently;
    results rounded to 4 decimals differ by one unit, 1e-4, when batching moves a value across a
    rounding boundary: 0.18035 -> 0.1804 or 0.1803)."""
    if isinstance(a, float) or isinstance(b, float):
        assert isinstance(a, (int, float)) and isinstance(b, (int, float)), f"{path}: {a!r} vs {b!r}"
        assert math.isclose(a, b, abs_tol=tol, rel_tol=tol), f"{path}: {a!r} vs {b!r}"
    elif isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), f"{path}: keys {sorted(a)} vs {sorted(b)}"
        for k in a:
            assert_close(a[k], b[k], tol, f"{path}.{k}")
    elif isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b), f"{path}: lengths {len(a)} vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            assert_close(x, y, tol, f"{path}[{i}]")
    else:
        assert a == b, f"{path}: {a!r} vs {b!r}"


def _examples(task) -> list:
    examples = task.examples()
    assert examples, f"task {task.name!r} must provide examples()"
    return examples


def _seeded(task) -> dict:
    return {"seed": 1234} if any(p.name == "seed" for p in task.params) else {}


def check_metadata(task, pipe, tmp_path: Path) -> None:
    assert task.name.isidentifier() and task.title and task.description
    assert pipe.config["task"] == task.name
    for p in task.params:
        assert p.coerce(None) == p.default, f"param {p.name}: default must pass its own checks"


def check_preprocessor_roundtrip(task, pipe, tmp_path: Path) -> None:
    """Saved and reloaded, the preprocessor encodes identically; decode then encode is stable."""
    pre = pipe.preprocessor
    pre.save(tmp_path)
    reloaded = task.load_preprocessor(tmp_path, pipe.config)
    for x in _examples(task):
        encoded = pre.encode(x)
        assert reloaded.encode(x) == encoded, f"reloaded preprocessor encodes {x!r} differently"
        assert pre.encode(pre.decode(encoded)) == encoded, f"encode(decode(encode(x))) != encode(x) for {x!r}"


def check_batch_equals_single(task, pipe, tmp_path: Path) -> None:
    examples = _examples(task)
    params = _seeded(task)
    batched = pipe.batch(examples, **params)
    assert len(batched) == len(examples)
    for x, b in zip(examples, batched):
        assert_close(pipe(x, **params), b, path=f"{task.name}({x!r})")


def check_same_seed_same_output(task, pipe, tmp_path: Path) -> None:
    x = _examples(task)[0]
    params = _seeded(task)
    assert_close(pipe(x, **params), pipe(x, **params), tol=0.0)


def check_save_load_roundtrip(task, pipe, tmp_path: Path) -> None:
    """save -> load gives bit-identical tensors, the same config and the same answers."""
    folder = pipe.save(tmp_path / "saved")
    for name in (CONFIG, WEIGHTS, CARD):
        assert (folder / name).is_file(), f"saved checkpoint lacks {name}"
    again = load_folder(task, folder, pipe.device, pipe.dtype)
    assert again.config == pipe.config
    a, b = pipe.model.state_dict(), again.model.state_dict()
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), f"tensor {k} changed in the save/load round trip"
    params = _seeded(task)
    for x in _examples(task):
        assert_close(pipe(x, **params), again(x, **params), tol=0.0)


def check_bad_input_clear_error(task, pipe, tmp_path: Path) -> None:
    for bad in task.bad_inputs():
        try:
            pipe(bad)
        except InputError as exc:
            assert len(str(exc)) > 10, f"error for {bad!r} is not a clear message: {exc!r}"
        else:
            raise AssertionError(f"{task.name}: bad input {bad!r} was accepted")
    try:
        pipe(_examples(task)[0], no_such_parameter=1)
    except InputError as exc:
        assert "no_such_parameter" in str(exc)
    else:
        raise AssertionError("an unknown parameter was silently ignored")
    pipe(_examples(task)[0])  # still serving


def check_strict_loading(task, pipe, tmp_path: Path) -> None:
    """A checkpoint that does not match its model is an error naming the problem, never random weights."""
    from safetensors.torch import load_file, save_file

    good = pipe.save(tmp_path / "good")
    state = load_file(str(good / WEIGHTS))
    first = sorted(state)[0]

    def variant(name: str, new_state: dict | None = None, drop_config: bool = False) -> Path:
        folder = tmp_path / name
        shutil.copytree(good, folder)
        if new_state is not None:
            save_file(new_state, str(folder / WEIGHTS))
        if drop_config:
            (folder / CONFIG).unlink()
        return folder

    cases = {
        "missing": (variant("missing", {k: v for k, v in state.items() if k != first}), first),
        "extra": (variant("extra", {**state, "surplus.weight": torch.zeros(2)}), "surplus.weight"),
        "shape": (variant("shape", {**state, first: torch.zeros(*[s + 1 for s in state[first].shape])}), first),
        "noconfig": (variant("noconfig", drop_config=True), CONFIG),
    }
    for case, (folder, needle) in cases.items():
        try:
            load_folder(task, folder, pipe.device, label=f"repo-{case}")
        except CheckpointError as exc:
            assert needle in str(exc) and f"repo-{case}" in str(exc), f"{case}: unclear error {exc}"
        else:
            raise AssertionError(f"{case}: a mismatched checkpoint loaded")


def check_model_card(task, pipe, tmp_path: Path) -> None:
    if pipe.source is None:
        return
    from huggingface_hub import ModelCard

    card = ModelCard.load(pipe.source.folder / CARD)
    data = card.data.to_dict()
    for key in ("library_name", "pipeline_tag", "license", "datasets", "metrics"):
        assert data.get(key), f"model card metadata lacks {key}"
    if getattr(task, "pipeline_tag", ""):
        assert data["pipeline_tag"] == task.pipeline_tag, f"card pipeline_tag {data['pipeline_tag']!r} vs the task's"
    config = json.loads((pipe.source.folder / CONFIG).read_text())
    assert config.get("metrics"), "config.json must carry the eval metrics"
    assert config.get("evaluation", {}).get("command"), "config.json must say how the metrics were made"


def check_tab_builds(task, pipe, tmp_path: Path) -> None:
    import gradio as gr

    with gr.Blocks():
        tab = task.build_tab(gr)
    assert tab.inputs and tab.outputs
    x = _examples(task)[0]
    values = tab.to_outputs(pipe(x, **_seeded(task)))
    assert len(values) == len(tab.outputs)


CHECKS = [
    check_metadata, check_preprocessor_roundtrip, check_batch_equals_single, check_same_seed_same_output,
    check_save_load_roundtrip, check_bad_input_clear_error, check_strict_loading, check_model_card,
    check_tab_builds,
]
