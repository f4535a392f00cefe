"""``zoo.pipeline(task, checkpoint=None, device="auto")``: a loaded model ready to call.

Data flows one way: caller -> Pipeline -> task.predict_batch (preprocessor -> model -> postprocess).
"""
from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch

from . import checkpoint as ckpt_mod
from . import settings
from .devices import resolve_device, resolve_dtype
from .errors import CheckpointError, InputError
from .plugins import registry
from .task import Preprocessor, Task

# The part of this module that plugins use (docs/plugins.md, "The plugin API").
__all__ = ["Pipeline", "load_folder", "pipeline"]

log = logging.getLogger("zoo.pipeline")


class Pipeline:
    """A task's model, preprocessor and config on one device. Call it on one input, or
    ``.batch(inputs)``; parameters are keyword arguments (see ``task.params``)."""

    def __init__(self, task: Task, model, preprocessor, config: dict, device: torch.device,
                 dtype: torch.dtype = torch.float32, source: ckpt_mod.Resolved | None = None):
        self.task = task
        self.model = model
        self.preprocessor = preprocessor
        self.config = config
        self.device = device
        self.dtype = dtype
        self.source = source
        self.notices: list[str] = []  # said with every result (e.g. which copy of the weights serves)

    def __repr__(self) -> str:
        where = f"{self.source.name} ({self.source.source})" if self.source else "unsaved"
        return f"<Pipeline {self.task.name} {where} on {self.device}>"

    def __call__(self, input: Any, **params) -> dict:
        return self.batch([input], **params)[0]

    @torch.inference_mode()
    def batch(self, inputs: list, **params) -> list[dict]:
        if not isinstance(inputs, (list, tuple)):
            raise InputError(f"batch() takes a list of inputs, got {type(inputs).__name__}")
        params = self.task.coerce_params(params)
        for i, item in enumerate(inputs):
            try:
                self.task.validate(item)
            except InputError as exc:
                if len(inputs) == 1:  # one input (a call, not a batch): its error as it is
                    raise
                raise _naming(exc, i, len(inputs)) from None
        if not inputs:
            return []
        try:
            results = self.task.predict_batch(self, list(inputs), **params)
        except InputError as exc:
            if len(inputs) == 1:
                raise
            raise self._culprit(inputs, params, exc) from None
        return [self.with_notices(r) for r in results]

    def _culprit(self, inputs: list, params: dict, exc: InputError) -> InputError:
        """A batch refused as a whole: the first input refused alone, named (as the app's scheduler
        answers each alone), so a caller of a long batch knows which one to mend."""
        for i, item in enumerate(inputs):
            try:
                self.task.predict_batch(self, [item], **params)
            except InputError as alone:
                return _naming(alone, i, len(inputs))
        return exc

    def with_notices(self, result: dict) -> dict:
        """``result`` with this pipeline's own notices added (e.g. which copy of the weights serves)."""
        if self.notices and isinstance(result, dict):
            result = {**result, "notices": [*result.get("notices", []), *self.notices]}
        return result

    def stream(self, input: Any, **params) -> Iterator[dict]:
        params = self.task.coerce_params(params)
        self.task.validate(input)
        steps = self.task.stream(self, input, **params)
        # Inference mode is per thread, and Gradio may resume a generator on another thread:
        # enter it around each step, never across a yield.
        while True:
            with torch.inference_mode():
                try:
                    result = next(steps)
                except StopIteration:
                    return
            yield self.with_notices(result)

    def save(self, folder: Path | str, card: str | None = None) -> Path:
        """Write this pipeline as a checkpoint folder (same files as the repo it came from)."""
        if card is None and self.source is not None:
            card = (self.source.folder / ckpt_mod.CARD).read_text(encoding="utf-8")
        return ckpt_mod.save_checkpoint(Path(folder), self.task, self.model, self.preprocessor,
                                        self.config, card or f"# {self.task.title}\n")


def _naming(exc: InputError, index: int, count: int) -> InputError:
    return InputError(f"inputs[{index}] (of {count}): {exc}")


MAX_PARAMETERS = 500_000_000  # far above any LSTM here: a config that asks for more is a mistake


def _build(task: Task, config: dict, label: str):
    """The model for ``config``, first on the meta device: shapes are checked against the weights'
    header before a byte is allocated (a config asking for ``hidden_size: 1e7`` is refused, not a
    61 GB allocation)."""
    try:
        with torch.device("meta"):
            shell = task.build_model(config)
    except Exception as exc:
        raise CheckpointError(f"{label}: {ckpt_mod.CONFIG} does not describe a valid {task.name} model: "
                              f"{type(exc).__name__}: {exc}") from None
    n = sum(p.numel() for p in shell.state_dict().values())
    if n > MAX_PARAMETERS:
        raise CheckpointError(f"{label}: {ckpt_mod.CONFIG} describes a model of {n:,} parameters "
                              f"(more than {MAX_PARAMETERS:,}); refusing to allocate it")
    return shell


def load_folder(task: Task, folder: Path, device: torch.device, dtype: torch.dtype = torch.float32,
                label: str | None = None, source: ckpt_mod.Resolved | None = None) -> Pipeline:
    label = label or Path(folder).name
    config = ckpt_mod.read_config(folder, label)
    if config["task"] != task.name:
        raise CheckpointError(f"{label} is a {config['task']!r} checkpoint, not {task.name!r}")
    shell = _build(task, config, label)
    ckpt_mod.check_weights_header(shell, folder, label)
    model = task.build_model(config)
    ckpt_mod.load_state_dict_strict(model, folder, label)
    try:
        preprocessor = task.load_preprocessor(Path(folder), config)
    except CheckpointError:
        raise
    except Exception as exc:  # a corrupt tokenizer or vocabulary file: say which checkpoint and files
        files = ", ".join(f for f in ckpt_mod.repo_files(folder) if f not in (ckpt_mod.CONFIG, ckpt_mod.WEIGHTS,
                                                                               ckpt_mod.CARD)) or "none"
        raise CheckpointError(f"{label}: the preprocessor files ({files}) could not be read: "
                              f"{type(exc).__name__}: {str(exc)[:200]}") from None
    if not isinstance(preprocessor, Preprocessor):
        missing = [m for m in ("encode", "decode", "save") if not callable(getattr(preprocessor, m, None))]
        raise CheckpointError(f"{label}: {task.name}'s load_preprocessor gave a {type(preprocessor).__name__}, "
                              f"which lacks {', '.join(missing) or 'encode, decode or save'} (zoo.task.Preprocessor: "
                              "encode, decode and save)")
    model = model.to(device=device, dtype=dtype).eval()
    return Pipeline(task, model, preprocessor, config, device, dtype, source)


_cache: dict[tuple, Pipeline] = {}
_cache_lock = threading.Lock()
_key_locks: dict[tuple, threading.Lock] = {}  # one load at a time per checkpoint, not globally


def pipeline(task: str | Task, checkpoint: str | None = None, device: str | None = "auto",
             dtype: str | None = None, cache: bool = True) -> Pipeline:
    """Load (once per process, unless ``cache=False``) a task's checkpoint on a device.

    ``checkpoint``: None (the default), a registered id, a Hub repo id, ``org/name@<sha>``, or
    a local folder. ``device``: auto, cpu or cuda (ZOO_DEVICE when None).
    """
    reg = registry()
    task_obj = task if isinstance(task, Task) else reg.task(task)
    dev = resolve_device(device if device not in (None, "") else None)
    dt = resolve_dtype(dev, dtype)
    # An unregistered Task object (a plugin's own tests) brings its own checkpoints.
    checkpoints = reg.checkpoints.get(task_obj.name) or list(task_obj.checkpoints)
    # Key the cache on what the name resolves to, so "rt-x", its repo id and None (the
    # default) share one loaded model.
    found = ckpt_mod.find_checkpoint(task_obj.name, checkpoint, checkpoints)
    # A Task object other than the registered one (a plugin's tests of two variants) is its own
    # key: it must never be handed the pipeline of another object of the same name.
    owner = task_obj.name if reg.tasks.get(task_obj.name) is task_obj else task_obj
    key = (owner, str(found) if isinstance(found, Path) else (found.repo_id, found.revision), str(dev), str(dt))
    with _cache_lock:
        if cache and key in _cache:
            return _cache[key]
        key_lock = _key_locks.setdefault(key, threading.Lock())
    with key_lock:
        if cache and key in _cache:
            return _cache[key]
        started = time.perf_counter()
        resolved = ckpt_mod.resolve(found)
        label = resolved.checkpoint.repo_id if resolved.checkpoint else resolved.folder.name
        try:
            pipe = load_folder(task_obj, resolved.folder, dev, dt, label=label, source=resolved)
        except CheckpointError as exc:
            fallback = ckpt_mod.bundled_fallback(resolved)
            if fallback is None:
                raise
            # A corrupt cache entry (or a bad upload) must not fail the task while a good copy is here.
            log.warning("%s (%s) failed to load: %s; serving the bundled copy", label, resolved.source, exc)
            pipe = load_folder(task_obj, fallback.folder, dev, dt, label=label, source=fallback)
            pipe.notices.append(f"the {resolved.source} copy of {label} could not be loaded ({exc}); "
                                "the bundled copy answers instead")
            resolved = fallback
        log.info("loaded %s checkpoint %s from %s in %.2fs on %s", task_obj.name, resolved.name,
                 resolved.source, time.perf_counter() - started, dev)
        if cache:
            with _cache_lock:
                _cache[key] = pipe
            _freeze_heap()
        return pipe


def _freeze_heap() -> None:
    """What is alive once a model is loaded for the process (torch, numpy, the models) lives as long
    as the process; out of the collector's walk. A full collection walked about 190,000 objects in
    115 ms, stalling every thread, every other batch of 1,428 forecasts (BENCHMARKS.md,
    "Forecasting speed", 2026-12-05); the garbage is collected first, so none is kept."""
    if settings.freeze_heap():
        gc.collect()
        gc.freeze()


def loaded() -> list[Pipeline]:
    """The pipelines this process has loaded (and cached), for the app's overview."""
    with _cache_lock:
        return list(_cache.values())


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()
    gc.unfreeze()  # the dropped models can be collected again
