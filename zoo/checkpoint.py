"""Checkpoints as Hugging Face model repos: resolve, fetch (Hub, cache, bundle), load strictly, save.

A checkpoint folder holds ``config.json``, ``model.safetensors``, the preprocessor's files and a
``README.md`` model card. Weights are read with safetensors only (never unpickled) and loaded
strictly: a missing config, a missing or extra tensor, or a shape mismatch is an error naming
the repo.

``ZOO_WEIGHTS`` picks where weights come from:
  auto (default): the local HF cache, then the Hub (unless HF_HUB_OFFLINE=1), then the bundle;
  hub: the Hub or its cache only (no fallback); bundled: the bundled copy only.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import re
from pathlib import Path
from typing import Any

from . import settings
from .errors import CheckpointError
from .task import Checkpoint, Task, default_of

# The part of this module that plugins use (docs/plugins.md, "The plugin API").
__all__ = ["content_revision", "load_state_dict_strict", "read_config", "save_checkpoint"]

log = logging.getLogger("zoo.checkpoint")

CONFIG = "config.json"
WEIGHTS = "model.safetensors"
CARD = "README.md"
FORMAT_VERSION = 1
# A weight stored as int8 (``save_checkpoint(weights_dtype="int8")``) has its per-row scales beside it
# under this suffix; loading multiplies them back.
INT8_SCALE = ".int8_scale"
INT8_MIN_SIZE = 1 << 16  # smaller tensors (biases, small layers) stay fp16: they cost little
_COMMIT = re.compile(r"^[0-9a-f]{40}$")


@dataclasses.dataclass(frozen=True)
class Resolved:
    """Where a checkpoint's files were found, and how."""

    folder: Path
    source: str  # "local path" | "hub cache" | "hub" | "bundled"
    name: str  # the id, repo or path it was asked for by
    checkpoint: Checkpoint | None


def hub_cache_dir() -> Path:
    """Read at call time (huggingface_hub reads its environment once, at import)."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"])
    home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "huggingface"
    )
    return Path(home) / "hub"


def repo_files(folder: Path) -> dict[str, Path]:
    """A repo folder's files by their path in the repo, in order; hidden ones (.git, .cache) left out."""
    folder = Path(folder)
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)}


def file_hashes(folder: Path) -> dict[str, str]:
    """sha256 of each file of a repo folder, by repo path."""
    return {rel: hashlib.sha256(path.read_bytes()).hexdigest() for rel, path in repo_files(folder).items()}


def digest_of(hashes: dict[str, str], skip: tuple[str, ...] = ()) -> str:
    """The 40-hex digest of a repo's file hashes (see ``content_revision``)."""
    digest = hashlib.sha1()
    for rel, sha256 in hashes.items():
        if rel not in skip:
            digest.update(rel.encode() + b"\0" + sha256.encode() + b"\n")
    return digest.hexdigest()


def content_revision(folder: Path, skip: tuple[str, ...] = ()) -> str:
    """A 40-hex digest of a repo folder's files (names and bytes), used to pin bundled repos.
    ``skip``: files left out (``("README.md",)``: everything that loads, without the card)."""
    return digest_of(file_hashes(folder), skip)


def find_checkpoint(task_name: str, name: str | None, checkpoints: list[Checkpoint]) -> Checkpoint | Path:
    """Map a checkpoint name (None, id, repo id, repo@revision or folder path) to what it names."""
    if name is None or name == "":
        default = default_of(checkpoints)
        if default is None:
            raise CheckpointError(f"task {task_name!r} has no registered checkpoints")
        return default
    for ckpt in checkpoints:
        if name in (ckpt.id, ckpt.repo_id, f"{ckpt.repo_id}@{ckpt.revision}"):
            return ckpt
    path = Path(name).expanduser()
    if path.is_dir():
        return path.resolve()
    if "@" in name and name.count("/") == 1:
        repo_id, revision = name.split("@", 1)
        if not _COMMIT.match(revision):
            raise CheckpointError(f"{name!r}: pin a Hub repo to a full 40-hex commit (repo@<sha>), not {revision!r}")
        return Checkpoint(id=name, repo_id=repo_id, revision=revision)
    known = ", ".join(c.id for c in checkpoints) or "none"
    # "auto" picks a checkpoint per input (Task.route): the app, zoo.predict and zoo predict do; one loaded model cannot.
    auto = (f" ({Task.AUTO!r}, a checkpoint picked per input, is for zoo.predict, zoo predict and the app: here name one)"
            if name == Task.AUTO else "")
    raise CheckpointError(
        f"unknown checkpoint {name!r} for task {task_name!r}: not a registered id or repo "
        f"({known}), not a folder, and not a pinned 'org/name@<40-hex revision>'{auto}"
    )


def _snapshot(ckpt: Checkpoint, local_only: bool) -> Path:
    from huggingface_hub import snapshot_download

    return Path(
        snapshot_download(
            ckpt.repo_id,
            revision=ckpt.revision,
            cache_dir=hub_cache_dir(),
            local_files_only=local_only,
            endpoint=os.environ.get("HF_ENDPOINT") or None,
            library_name="lstm-zoo",
            token=False if local_only else None,
        )
    )


def _probe_hub(ckpt: Checkpoint, timeout: float = 3.0) -> str | None:
    """One quick request before handing over to huggingface_hub, which retries a refused or
    unreachable connection for about 20 s. Returns None when the pinned revision is there,
    else why not."""
    import urllib.error
    import urllib.request

    endpoint = (os.environ.get("HF_ENDPOINT") or "https://huggingface.co").rstrip("/")
    url = f"{endpoint}/api/models/{ckpt.repo_id}/revision/{ckpt.revision}"
    headers = {"user-agent": "lstm-zoo"}
    from huggingface_hub import get_token

    token = get_token()  # HF_TOKEN or a token saved by `hf auth login`
    if token:
        headers["authorization"] = f"Bearer {token}"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout):
            return None
    except urllib.error.HTTPError as exc:
        return f"{exc.code} {exc.headers.get('X-Error-Code') or exc.reason}"
    except (OSError, ValueError) as exc:  # refused, DNS, timeout, bad URL
        return f"unreachable ({getattr(exc, 'reason', exc)})"


_hub_failures: dict[tuple[str, str, str], tuple[float, str]] = {}  # (endpoint, repo, rev) -> (until, why)


def _failure_key(ckpt: Checkpoint) -> tuple[str, str, str]:
    return os.environ.get("HF_ENDPOINT") or "", ckpt.repo_id, ckpt.revision


def _remembered_failure(ckpt: Checkpoint) -> str | None:
    """Why the Hub failed for this checkpoint a moment ago, if it did: a Hub that hangs or refuses
    is asked again only after ZOO_HUB_RETRY_SECONDS, not by every request."""
    import time

    until, why = _hub_failures.get(_failure_key(ckpt), (0.0, ""))
    return f"{why} (seen {settings.hub_retry_seconds() - (until - time.time()):.0f} s ago; not asked again yet)" \
        if time.time() < until else None


def _remember_failure(ckpt: Checkpoint, why: str) -> None:
    import time

    _hub_failures[_failure_key(ckpt)] = (time.time() + settings.hub_retry_seconds(), why)


def fetch(ckpt: Checkpoint) -> Resolved:
    """Get a registered checkpoint's folder according to ZOO_WEIGHTS, logging the source."""
    mode = settings.weights_mode()
    where = f"{ckpt.repo_id}@{ckpt.revision[:12]}"
    if mode == "bundled":
        return _bundled(ckpt, why="ZOO_WEIGHTS=bundled")
    offline = settings.hub_offline()
    errors = []
    try:
        folder = _snapshot(ckpt, local_only=True)
        log.info("checkpoint %s: from the local HF cache (%s)", where, folder)
        return Resolved(folder, "hub cache", ckpt.id, ckpt)
    except Exception as exc:
        errors.append(f"cache: {type(exc).__name__}")
    remembered = None if offline else _remembered_failure(ckpt)
    problem = "HF_HUB_OFFLINE=1" if offline else remembered or _probe_hub(ckpt)
    if problem is None:
        try:
            folder = _snapshot(ckpt, local_only=False)
            log.info("checkpoint %s: downloaded from the Hub (%s)", where, os.environ.get("HF_ENDPOINT") or "huggingface.co")
            return Resolved(folder, "hub", ckpt.id, ckpt)
        except Exception as exc:  # offline, unreachable, missing repo or revision
            problem = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            _remember_failure(ckpt, problem)
            errors.append(f"hub: {problem}")
    else:
        if not offline and remembered is None:
            _remember_failure(ckpt, problem)
        errors.append(f"hub: {problem}")
    if mode == "hub":
        raise CheckpointError(f"checkpoint {where}: not available from the Hub ({'; '.join(errors)}) "
                              "and ZOO_WEIGHTS=hub forbids the bundled copy")
    return _bundled(ckpt, why="; ".join(errors))


def bundled_fallback(resolved: Resolved) -> Resolved | None:
    """The bundled copy to serve instead of a Hub or cache copy that failed to load (auto mode
    only), or None."""
    ckpt = resolved.checkpoint
    if settings.weights_mode() != "auto" or ckpt is None or resolved.source not in ("hub", "hub cache"):
        return None
    if ckpt.bundled is None or not Path(ckpt.bundled).is_dir():
        return None
    try:
        _check_bundle(ckpt)
    except CheckpointError as exc:
        log.warning("%s", exc)
        return None
    return Resolved(Path(ckpt.bundled), "bundled", ckpt.id, ckpt)


def _check_bundle(ckpt: Checkpoint) -> None:
    """The bundled copy holds the pinned files: its content digest is the checkpoint's (a bundle
    changed after pinning is refused, never served as the pinned revision; about 1-35 ms a repo)."""
    actual = content_revision(Path(ckpt.bundled))
    if actual != ckpt.digest:
        raise CheckpointError(f"the bundled copy of {ckpt.repo_id} ({ckpt.bundled}) is not the pinned content: its "
                              f"digest is {actual[:12]}, the pin's {ckpt.digest[:12]}; restore it, or pin the new "
                              "content (bundle_digest = zoo.checkpoint.content_revision(folder))")


def _bundled(ckpt: Checkpoint, why: str) -> Resolved:
    if ckpt.bundled is None or not Path(ckpt.bundled).is_dir():
        raise CheckpointError(f"checkpoint {ckpt.repo_id}@{ckpt.revision[:12]} has no bundled copy "
                              f"and the Hub was not usable ({why})")
    _check_bundle(ckpt)
    log.info("checkpoint %s@%s: using the bundled copy %s (%s)", ckpt.repo_id, ckpt.revision[:12], ckpt.bundled, why)
    return Resolved(Path(ckpt.bundled), "bundled", ckpt.id, ckpt)


def resolve(found: Checkpoint | Path) -> Resolved:
    """Fetch what ``find_checkpoint`` found: a local folder as it is, a checkpoint per ZOO_WEIGHTS."""
    if isinstance(found, Path):
        log.info("checkpoint %s: local folder", found)
        return Resolved(found, "local path", str(found), None)
    return fetch(found)


# -- reading and writing -------------------------------------------------------------------------

def read_config(folder: Path, label: str) -> dict[str, Any]:
    path = Path(folder) / CONFIG
    if not path.is_file():
        raise CheckpointError(f"{label}: no {CONFIG}; a checkpoint needs its config to build the model")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"{label}: {CONFIG} is not valid JSON: {exc}") from None
    if not isinstance(config, dict) or "task" not in config or "architecture" not in config:
        raise CheckpointError(f"{label}: {CONFIG} must be an object with 'task' and 'architecture'")
    return config


def _mismatches(expected: dict, found: dict) -> list[str]:
    """What differs between the model's tensors and the checkpoint's, by name and shape."""
    missing = sorted(set(expected) - set(found))
    extra = sorted(set(found) - set(expected))
    shapes = [f"{k}: checkpoint {tuple(found[k])} vs model {tuple(expected[k])}"
              for k in sorted(set(found) & set(expected)) if tuple(found[k]) != tuple(expected[k])]
    problems = []
    if missing:
        problems.append(f"missing tensors {missing[:5]}{' ...' if len(missing) > 5 else ''}")
    if extra:
        problems.append(f"unexpected tensors {extra[:5]}{' ...' if len(extra) > 5 else ''}")
    if shapes:
        problems.append("shape mismatch " + "; ".join(shapes[:5]))
    return problems


def check_weights_header(model, folder: Path, label: str) -> None:
    """Compare the weights file's header (names and shapes; no tensor is read) with ``model``
    (which may live on the meta device), so a wrong config fails before anything is allocated."""
    from safetensors import SafetensorError, safe_open

    path = Path(folder) / WEIGHTS
    if not path.is_file():
        raise CheckpointError(f"{label}: no {WEIGHTS} (weights are read from safetensors only)")
    try:
        with safe_open(str(path), framework="pt") as f:
            found = {k: f.get_slice(k).get_shape() for k in f.keys() if not k.endswith(INT8_SCALE)}
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(f"{label}: {WEIGHTS} is unreadable: {exc}") from None
    problems = _mismatches({k: v.shape for k, v in model.state_dict().items()}, found)
    if problems:
        raise CheckpointError(f"{label}: {WEIGHTS} does not match the model {CONFIG} describes: " + "; ".join(problems))


def load_state_dict_strict(model, folder: Path, label: str) -> None:
    """Copy safetensors weights into ``model``; any mismatch is an error naming the checkpoint."""
    import torch
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = Path(folder) / WEIGHTS
    if not path.is_file():
        raise CheckpointError(f"{label}: no {WEIGHTS} (weights are read from safetensors only)")
    try:
        state = unpack_int8(load_file(str(path)))
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(f"{label}: {WEIGHTS} is unreadable: {exc}") from None
    expected = model.state_dict()
    problems = _mismatches({k: v.shape for k, v in expected.items()}, {k: v.shape for k, v in state.items()})
    if problems:
        raise CheckpointError(f"{label}: weights do not match the model built from {CONFIG}: " + "; ".join(problems))
    bad = [k for k, v in state.items() if v.is_floating_point() and not bool(torch.isfinite(v).all())]
    if bad:
        raise CheckpointError(f"{label}: {WEIGHTS} holds NaN or infinite values in {bad[:5]}; refusing to load it")
    # Stored dtype may be narrower (fp16 to keep repos small); the model's dtype wins.
    model.load_state_dict({k: v.to(expected[k].dtype) for k, v in state.items()}, strict=True)


def pack_int8(state: dict) -> dict:
    """Large float matrices as symmetric int8 with one fp32 scale per row (half of fp16's bytes; the
    loader multiplies back, so the model computes in its own dtype); the rest as fp16."""
    import torch

    out = {}
    for k, v in state.items():
        if v.is_floating_point() and v.dim() == 2 and v.numel() >= INT8_MIN_SIZE:
            scale = (v.float().abs().amax(dim=1, keepdim=True) / 127).clamp_min(1e-12)
            out[k] = torch.round(v.float() / scale).clamp(-127, 127).to(torch.int8)
            out[k + INT8_SCALE] = scale
        else:
            out[k] = v.to(torch.float16) if v.is_floating_point() else v
    return out


def unpack_int8(state: dict) -> dict:
    """The inverse of ``pack_int8`` (float32 where a weight was stored as int8); a file without
    int8 weights comes back as it is."""
    scales = {k[: -len(INT8_SCALE)]: v for k, v in state.items() if k.endswith(INT8_SCALE)}
    out = {k: v for k, v in state.items() if not k.endswith(INT8_SCALE)}
    for k, scale in scales.items():
        if k not in out:
            raise ValueError(f"scales for {k} but no such tensor")
        out[k] = out[k].float() * scale
    return out


def repack_weights(folder: Path, weights_dtype="int8") -> None:
    """Rewrite a checkpoint folder's weights in another storage (a torch dtype, or ``"int8"``: see
    ``pack_int8``), keeping the file's metadata; the folder's content revision changes with it."""
    from safetensors import safe_open
    from safetensors.torch import load_file, save_file

    path = str(Path(folder) / WEIGHTS)
    with safe_open(path, framework="pt") as f:
        metadata = f.metadata()
    save_file(_stored(unpack_int8(load_file(path)), weights_dtype), path, metadata=metadata)


def _stored(state: dict, weights_dtype) -> dict:
    """``state`` as it is written: every float tensor in ``weights_dtype``, or ``"int8"``
    (``pack_int8``); None keeps each tensor's own dtype."""
    if weights_dtype == "int8":
        return pack_int8(state)
    if weights_dtype is None:
        return state
    return {k: v.to(weights_dtype) if v.is_floating_point() else v for k, v in state.items()}


def save_checkpoint(folder: Path, task: Task, model, preprocessor, config: dict, card: str, weights_dtype=None) -> Path:
    """Write a complete HF model repo folder: config, safetensors weights, preprocessor, card.
    ``weights_dtype``: a torch dtype for every float tensor, or ``"int8"`` (``pack_int8``)."""
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    config = {"zoo_format": FORMAT_VERSION, **config, "task": task.name}
    state = {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}
    state = _stored(state, weights_dtype)
    save_file(state, str(folder / WEIGHTS), metadata={"format": "pt", "task": task.name})
    preprocessor.save(folder)
    (folder / CONFIG).write_text(json.dumps(config, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    (folder / CARD).write_text(card, encoding="utf-8")
    return folder
