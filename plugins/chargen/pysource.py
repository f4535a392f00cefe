"""Python source code for character-level language modelling: the standard library of the running
interpreter (PSF licence), the classic "char-rnn on source code" corpus. Nothing is downloaded.

Files: every ``*.py`` under ``sysconfig.get_paths()["stdlib"]`` except ``site-packages``,
``dist-packages``, the test suites (``test``, ``tests``, ``idle_test``) and generated tables
(``encodings``, ``pydoc_data``), in sorted order, each followed by a blank line.
Split (fixed, documented): a file goes to test when ``sha256("20261123:" + its path)`` read as an
integer is 0-4 mod 100, to dev when 5-9, else to train: whole files are held out.
The text depends on the Python version; ``summary()`` reports it with a digest of the corpus,
which checkpoints record, so an eval on another interpreter says it is not the same text.
"""
from __future__ import annotations

import hashlib
import platform
import sysconfig
from pathlib import Path

SEED = 20261123
SKIP = {"site-packages", "dist-packages", "test", "tests", "idle_test", "encodings", "pydoc_data", "__pycache__"}


def root() -> Path:
    return Path(sysconfig.get_paths()["stdlib"])


def documents() -> dict[str, str]:
    base = root()
    out = {}
    for path in sorted(base.rglob("*.py")):
        rel = path.relative_to(base)
        if SKIP.intersection(rel.parts[:-1]):
            continue
        out[rel.as_posix()] = path.read_text(encoding="utf-8", errors="replace").rstrip("\n") + "\n\n"
    return out


def split_of(name: str) -> str:
    bucket = int(hashlib.sha256(f"{SEED}:{name}".encode()).hexdigest(), 16) % 100
    return "test" if bucket < 5 else "dev" if bucket < 10 else "train"


def split_names(docs: dict[str, str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"test": [], "dev": [], "train": []}
    for name in docs:
        out[split_of(name)].append(name)
    return out


def load_splits() -> dict[str, str]:
    docs = documents()
    return {split: "".join(docs[n] for n in names) for split, names in split_names(docs).items()}


def summary() -> dict:
    docs = documents()
    names = split_names(docs)
    digest = hashlib.sha256("".join(f"{n}\0{docs[n]}" for n in docs).encode()).hexdigest()[:16]
    return {"source": str(root()), "python": platform.python_version(), "digest": digest,
            "splits": {k: {"files": len(v), "chars": sum(len(docs[n]) for n in v),
                           "examples": v[:5]} for k, v in names.items()}}
