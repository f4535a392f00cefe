"""``python -m zoo space build OUT``: assemble a ready Hugging Face Space repo folder.

The Space runs this project's own ``app.py`` with its ``zoo/`` and ``plugins/`` code. Weights do
not travel with the code (unless ``--bundle``): the Space card's ``preload_from_hub`` names every
checkpoint repo at its pinned revision, so the Space's build puts them in the HF cache and the
app finds them there (``ZOO_WEIGHTS=auto`` reads the cache first). ``--pins`` takes the JSON that
``python -m zoo publish`` printed; it is copied into the Space as ``checkpoint-pins.json``, which
the zoo applies at start.
"""
from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

from . import __version__
from .checkpoint import CARD, CONFIG, WEIGHTS, repo_files
from .errors import InputError
from .paths import PINS_FILE, ROOT, SPACES_DIR

HARDWARE = ("cpu-basic", "cpu-upgrade", "t4-small", "t4-medium", "l4x1", "a10g-small", "a10g-large", "a100-large")
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")


def pinned_version(package: str, requirements: Path = ROOT / "requirements.txt") -> str:
    """The ``==`` pin of ``package`` in requirements.txt: the version the test suite ran."""
    for line in requirements.read_text().splitlines():
        m = re.match(rf"^\s*{re.escape(package)}==([\w.]+)", line, re.IGNORECASE)
        if m:
            return m.group(1)
    raise ValueError(f"{requirements} does not pin {package}")


def _repo_files(ckpt) -> list[str]:
    """The files to preload: the bundled copy's (identical to the pinned repo), else the core three."""
    if ckpt.bundled and Path(ckpt.bundled).is_dir():
        return sorted(repo_files(ckpt.bundled))
    return [CARD, CONFIG, WEIGHTS]


def front_matter(tasks: list[str], checkpoints: dict[str, list], hardware: str, pins: list[dict] | None) -> dict[str, Any]:
    from huggingface_hub import SpaceCardData

    files = {(p["task"], p["id"]): p.get("files") for p in pins or []}
    ckpts = [(task, c) for task, cs in checkpoints.items() for c in cs]
    data = SpaceCardData(
        title="LSTM Zoo", emoji="🦒", colorFrom="green", colorTo="blue", sdk="gradio",
        sdk_version=pinned_version("gradio"),
        python_version=f"{sys.version_info.major}.{sys.version_info.minor}",  # the version the tests ran on
        app_file="app.py", pinned=False, license="mit",
        short_description="Try, call and compare LSTM models: " + ", ".join(tasks),
        models=sorted({c.repo_id for _, c in ckpts}),
        preload_from_hub=[f"{c.repo_id} {','.join(files.get((t, c.id)) or _repo_files(c))} {c.revision}" for t, c in ckpts],
        suggested_hardware=hardware,
        tags=["lstm", "lstm-zoo", *tasks],
    )
    return data.to_dict()


def build_space(reg, out: Path, pins: Path | None = None, hardware: str = "cpu-basic", bundle: bool = False,
                space_id: str = "<user>/lstm-zoo") -> dict[str, Any]:
    """Write the Space to ``out`` (which must not exist or be empty); ``pins`` (a `zoo publish`
    output) replaces the registered repos and revisions in the card and travels with the Space."""
    from huggingface_hub import SpaceCard

    from .pins import apply_pins, read_pins

    if hardware not in HARDWARE:
        raise InputError(f"--hardware {hardware!r}: one of {', '.join(HARDWARE)}")
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(f"{out} exists and is not an empty folder; choose a new folder")
    pin_list = read_pins(pins) if pins else None
    tasks, checkpoints, left_out = builtin_only(reg)
    notices = [f"left out plugin {p} ({why}): the Space carries the code in plugins/ only" for p, why in left_out]
    if not pins:
        notices.append("no --pins: the Space names the built-in lstm-zoo/* pins, which must exist on the Hub "
                       "for preload_from_hub (publish first and pass --pins)")
    if pin_list:
        apply_pins(checkpoints, pin_list)
        unpinned = [f"{t}:{c.id}" for t, cs in checkpoints.items() for c in cs
                    if not any(p["task"] == t and p["id"] == c.id for p in pin_list)]
        if unpinned:
            raise InputError(f"{pins} has no pin for {', '.join(unpinned)}; publish every checkpoint (or none)")
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "app.py", out / "app.py")
    shutil.copy2(ROOT / "requirements.txt", out / "requirements.txt")
    shutil.copytree(ROOT / "zoo", out / "zoo", ignore=_SKIP)
    skip_plugins = _SKIP if bundle else shutil.ignore_patterns("__pycache__", "*.pyc", ".*", "checkpoints")
    shutil.copytree(ROOT / "plugins", out / "plugins", ignore=skip_plugins)
    shutil.copy2(SPACES_DIR / "gitattributes", out / ".gitattributes")
    if pins:
        shutil.copy2(pins, out / PINS_FILE.name)
    meta = front_matter(list(tasks), checkpoints, hardware, pin_list)
    if bundle and not pins:
        # The weights travel with the Space; preloading repos that may not exist would fail its build.
        meta.pop("preload_from_hub", None)
        notices[-1] = ("no --pins: with --bundle the card preloads nothing (the Space carries the weights; the app "
                       "serves the bundled copies where the lstm-zoo/* repos cannot be read)")
    body = (SPACES_DIR / "card.md").read_text(encoding="utf-8").format(
        tasks=", ".join(t.title for t in tasks.values()), space_id=space_id, version=__version__)
    card = SpaceCard(f"---\n{json_to_yaml(meta)}---\n\n{body}")
    card.save(out / "README.md")
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    return {"out": str(out), "files": len(files), "bytes": sum((out / f).stat().st_size for f in files),
            "front_matter": meta, "bundled_weights": bundle, "pins": str(pins) if pins else None,
            "notices": notices}


def builtin_only(reg) -> tuple[dict, dict, list[tuple[str, str]]]:
    """The tasks and checkpoints the built-in plugins provide (the code a Space carries), and the
    other plugins, left out with why."""
    builtin = [p for p in reg.plugins if p.source == "builtin" and not p.error]
    task_names = {t for p in builtin for t in p.tasks}
    foreign = {c for p in reg.plugins if p.source != "builtin" for c in p.checkpoints}
    tasks = {name: task for name, task in reg.tasks.items() if name in task_names}
    checkpoints = {name: [c for c in cs if f"{name}:{c.id}" not in foreign]
                   for name, cs in reg.checkpoints.items() if name in task_names}
    left_out = [(p.name, p.source) for p in reg.plugins if p.source != "builtin" and (p.tasks or p.checkpoints)]
    return tasks, checkpoints, left_out


def json_to_yaml(meta: dict) -> str:
    import yaml

    return yaml.safe_dump(json.loads(json.dumps(meta)), sort_keys=False, allow_unicode=True, width=10_000)
