"""The translation corpora by name, so training, eval and export read one switch.

``bible``: KJV -> Reina-Valera 1909 verses, whole books held out (``data.py``). ``modern``: Debian
packages' message catalogs, whole source packages held out (``modern.py``). ``both``: training on
the union; dev and test stay per corpus (each scored on its own, never pooled), because the two
registers differ in length and vocabulary and a pooled score would hide a loss on either.
"""
from __future__ import annotations

CORPORA = ("bible", "modern")
CHOICES = (*CORPORA, "both")


def members(corpus: str) -> tuple[str, ...]:
    return CORPORA if corpus == "both" else (corpus,)


def splits(name: str) -> dict[str, list[dict]]:
    """One corpus's train/dev/test pairs (``en``, ``es``, and ``book``: the held-out unit)."""
    if name == "modern":
        from . import modern

        return {k: [{**p, "book": p["source"]} for p in v] for k, v in modern.load_splits().items()}
    from . import data

    return data.load_splits()


def training_pairs(corpus: str) -> list[dict]:
    return [p for name in members(corpus) for p in splits(name)["train"]]
