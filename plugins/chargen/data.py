"""The corpora chargen trains on, by name: ``python -m zoo data chargen [--corpus NAME]``.

Each corpus module has ``load_splits() -> {"train", "dev", "test": text}`` (whole books or files
held out, seeded and documented in its docstring) and ``summary()`` for the data command.
"""
from __future__ import annotations

import functools
import types

from . import kjv, pysource

CORPORA: dict[str, types.ModuleType] = {"kjv": kjv, "python": pysource}


def corpus(name: str) -> types.ModuleType:
    try:
        return CORPORA[name]
    except KeyError:
        raise ValueError(f"unknown corpus {name!r}; known: {', '.join(CORPORA)}") from None


@functools.lru_cache(maxsize=2)
def load_splits(name: str = "kjv") -> dict[str, str]:
    return corpus(name).load_splits()
