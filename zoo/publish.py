"""``python -m zoo publish --namespace NS [--dry-run DIR]``: every bundled checkpoint becomes a Hub
model repo ``NS/<name>``, and the revisions to pin are printed.

One code path: each repo is staged into a folder (the bundled files, the card's repo id
rewritten for ``NS``), and then either that folder is kept (``--dry-run``: exactly what would be
pushed) or it is uploaded with ``huggingface_hub`` (``create_repo`` + ``upload_folder``).

The printed JSON is a pins file: save it and point ``ZOO_PINS`` at it (or put it beside
``app.py`` as ``checkpoint-pins.json``, as ``zoo space build --pins`` does), and the zoo loads
``NS/<name>@<revision>`` instead of the built-in pins.
"""
from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from .checkpoint import CARD, CONFIG, WEIGHTS, content_revision, digest_of, file_hashes
from .errors import CheckpointError, InputError
from .task import Checkpoint

PINS_FORMAT = 1


def target_repo(ckpt: Checkpoint, namespace: str) -> str:
    return f"{namespace}/{ckpt.repo_id.split('/', 1)[1]}"


def _check_namespace(namespace: str) -> None:
    import re

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}", namespace or ""):
        raise InputError(f"--namespace {namespace!r}: a Hub user or organization name (letters, digits, - _ .)")


def publishable(reg) -> list[tuple[str, Checkpoint]]:
    """(task, checkpoint) for every registered checkpoint that has a bundled copy here."""
    return [(task, c) for task, ckpts in reg.checkpoints.items() for c in ckpts if c.bundled is not None]


def stage(task_name: str, ckpt: Checkpoint, namespace: str, out: Path) -> Path:
    """Write the repo as it will be pushed to ``out``: the bundle, checked, with the card's repo
    id made ``NS/<name>``. Returns ``out``."""
    bundle = Path(ckpt.bundled)
    if not bundle.is_dir():
        raise CheckpointError(f"{task_name}:{ckpt.id}: the bundled folder {bundle} is missing")
    if content_revision(bundle) != ckpt.digest:
        raise CheckpointError(f"{task_name}:{ckpt.id}: the bundle in {bundle} is not the pinned content "
                              f"{ckpt.digest[:12]}; re-export it or re-pin it before publishing")
    for name in (CONFIG, WEIGHTS, CARD):
        if not (bundle / name).is_file():
            raise CheckpointError(f"{task_name}:{ckpt.id}: {bundle} lacks {name}")
    config = json.loads((bundle / CONFIG).read_text(encoding="utf-8"))
    if not config.get("metrics") or not config.get("evaluation", {}).get("command"):
        raise CheckpointError(f"{task_name}:{ckpt.id}: config.json has no measured metrics; run its eval and export first")
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(bundle, out, ignore=shutil.ignore_patterns(".*"))
    repo_id = target_repo(ckpt, namespace)
    card = (out / CARD).read_text(encoding="utf-8")
    (out / CARD).write_text(card.replace(ckpt.repo_id, repo_id), encoding="utf-8")
    return out


def publish(reg, namespace: str, dry_run: Path | None = None, token: str | None = None,
            only: list[str] | None = None, private: bool = False) -> dict[str, Any]:
    """Stage every bundled checkpoint (``only``: ``task`` or ``task:id`` names) and push it,
    unless ``dry_run`` names the folder to leave the staged repos in. Returns the pins."""
    _check_namespace(namespace)
    for name in only or []:
        task, _, ckpt_id = name.partition(":")
        ids = [c.id for c in reg.checkpoints.get(task, [])]
        if task not in reg.checkpoints:
            raise InputError(f"--only {name}: no task {task!r} here; tasks: {', '.join(sorted(reg.checkpoints))}")
        if ckpt_id and ckpt_id not in ids:
            raise InputError(f"--only {name}: task {task!r} has no checkpoint {ckpt_id!r}; it has {', '.join(ids) or 'none'}")
    chosen = [(t, c) for t, c in publishable(reg) if not only or t in only or f"{t}:{c.id}" in only]
    if not chosen:
        raise InputError(f"nothing to publish{' for ' + ', '.join(only) if only else ''}: no bundled checkpoints")
    api = None
    if dry_run is None:
        import os

        from huggingface_hub import HfApi

        # HF_ENDPOINT read now (huggingface_hub reads it once, at import); the token as it finds it.
        api = HfApi(endpoint=os.environ.get("HF_ENDPOINT") or None, token=token)
    pins = []
    with tempfile.TemporaryDirectory(prefix="zoo-publish-") as tmp:
        for task_name, ckpt in chosen:
            repo_id = target_repo(ckpt, namespace)
            folder = stage(task_name, ckpt, namespace, (dry_run or Path(tmp)) / repo_id)
            hashes = file_hashes(folder)  # one read of the staged repo serves both digests and the list
            pin = {"task": task_name, "id": ckpt.id, "repo_id": repo_id, "digest": digest_of(hashes),
                   "loaded_digest": digest_of(hashes, skip=(CARD,)), "files": sorted(hashes)}
            if api is None:
                pin.update(revision=None, staged=str(folder))
            else:
                pin["revision"] = _push(api, folder, repo_id, private,
                                        f"LSTM Zoo {task_name}:{ckpt.id} (content {pin['digest'][:12]})",
                                        f"Published by `python -m zoo publish` from the bundled copy of {ckpt.repo_id}.")
            pins.append(pin)
    return {"format": PINS_FORMAT, "namespace": namespace, "dry_run": dry_run is not None, "pins": pins}


def _push(api, folder: Path, repo_id: str, private: bool, message: str, description: str) -> str:
    """Create the repo if needed and commit the folder; returns the new commit id."""
    from huggingface_hub.errors import HfHubHTTPError

    try:
        api.create_repo(repo_id, repo_type="model", exist_ok=True, private=private)
        info = api.upload_folder(repo_id=repo_id, repo_type="model", folder_path=folder,
                                 commit_message=message, commit_description=description)
    except HfHubHTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "?"
        hint = " (log in with `hf auth login` or set HF_TOKEN)" if status in (401, 403) else ""
        raise CheckpointError(f"publishing {repo_id} to {api.endpoint} failed: {status} "
                              f"{str(exc).splitlines()[0]}{hint}") from None
    return info.oid
