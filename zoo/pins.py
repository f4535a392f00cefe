"""Pins: a file (``checkpoint-pins.json`` beside app.py, or ``ZOO_PINS``) that points registered
checkpoints at the Hub repos and commits ``zoo publish`` created. The registry applies it when it
is built; ``zoo space build --pins`` carries one into a Space."""
from __future__ import annotations

import json
from pathlib import Path

from .checkpoint import CARD, content_revision
from .errors import CheckpointError
from .paths import PINS_FILE
from .task import Checkpoint


def pins_path() -> Path | None:
    """The pins file in force: ``ZOO_PINS``, else ``checkpoint-pins.json`` beside app.py if present."""
    from . import settings

    path = settings.pins_path() or (str(PINS_FILE) if PINS_FILE.is_file() else "")
    return Path(path) if path else None


def read_pins(path: Path) -> list[dict]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"pins file {path}: unreadable ({exc})") from None
    pins = data.get("pins") if isinstance(data, dict) else None
    if not isinstance(pins, list) or any(not isinstance(p, dict) for p in pins):
        raise CheckpointError(f"pins file {path}: expected {{\"pins\": [{{task, id, repo_id, revision, digest}}, ...]}}")
    for p in pins:
        missing = [k for k in ("task", "id", "repo_id", "revision") if not p.get(k)]
        if missing:
            raise CheckpointError(f"pins file {path}: entry {p.get('task')}:{p.get('id')} lacks {missing} "
                                  "(a --dry-run's output has no revisions; publish for real first)")
    return pins


def apply_pins(checkpoints: dict[str, list[Checkpoint]], pins: list[dict]) -> list[str]:
    """Point each pinned checkpoint at its published repo and revision, in place. The bundled copy
    stays the fallback where it holds the published content, or the same files but for the card
    (publishing under another namespace rewrites only the card's repo id). Returns what changed."""
    import dataclasses
    import logging

    from .task import check_checkpoint

    changed = []
    for pin in pins:
        ckpts = checkpoints.get(pin["task"], [])
        if not any(c.id == pin["id"] for c in ckpts):
            logging.getLogger("zoo.publish").warning("pin for %s:%s matches no registered checkpoint; ignored",
                                                     pin["task"], pin["id"])
        for i, ckpt in enumerate(ckpts):
            if ckpt.id != pin["id"]:
                continue
            same = pin.get("digest") == ckpt.digest or (
                bool(pin.get("loaded_digest")) and ckpt.bundled is not None and Path(ckpt.bundled).is_dir()
                and content_revision(ckpt.bundled, skip=(CARD,)) == pin["loaded_digest"])
            new = dataclasses.replace(ckpt, repo_id=pin["repo_id"], revision=pin["revision"],
                                      bundled=ckpt.bundled if same else None,
                                      bundle_digest=ckpt.digest if same else None)
            check_checkpoint(new, pin["task"])
            ckpts[i] = new
            changed.append(f"{pin['task']}:{ckpt.id} -> {new.repo_id}@{new.revision[:12]}"
                           f"{'' if same else ' (no bundled fallback: content differs)'}")
    return changed
