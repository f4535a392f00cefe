"""Data: snake_case identifiers from the running Python's standard library (PSF licence), joined
without underscores; the underscores are the answers. Split by identifier (a hash), so no test
identifier was seen in training."""
from __future__ import annotations

import functools
import hashlib
import re
import sysconfig
from pathlib import Path

_IDENTIFIER = re.compile(r"\b[a-z]{2,}(?:_[a-z]{2,})+\b")


@functools.lru_cache(maxsize=4)  # every split reads the same files
def identifiers(limit_files: int | None = None) -> list[str]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in stdlib.rglob("*.py") if "site-packages" not in p.parts)
    found = set()
    for path in files[:limit_files]:
        found.update(_IDENTIFIER.findall(path.read_text(encoding="utf-8", errors="replace")))
    return sorted(found)


def split_of(identifier: str) -> str:
    bucket = hashlib.sha1(identifier.encode()).digest()[0] % 10
    return "test" if bucket == 0 else "dev" if bucket == 1 else "train"


def example(identifier: str) -> tuple[str, list[int]]:
    """'get_user' -> ('getuser', [1, 0, 0, 1, 0, 0, 0]): 1 where a word starts."""
    text, starts = "", []
    for word in identifier.split("_"):
        starts += [1] + [0] * (len(word) - 1)
        text += word
    return text, starts


def load(split: str, limit_files: int | None = None) -> list[tuple[str, list[int]]]:
    return [example(i) for i in identifiers(limit_files) if split_of(i) == split]
