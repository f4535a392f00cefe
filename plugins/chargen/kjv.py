"""King James Bible text for character-level language modelling (public domain).

Recipe: ``zoo.datasets.kjv_text`` (``apt-get download bible-kjv bible-kjv-text``, unpacked into the
data cache and decoded with the package's own ``bible`` program). Each verse line looks like
``Ge1:1 In the beginning ...``; the reference is stripped and verses are joined by newlines.

Split (fixed, documented): the 66 books are shuffled with ``random.Random(20261123)``; each book
in that order goes to test while test holds < 5% of the characters and the book keeps it <= 6%,
else to dev by the same rule, else to train.
Whole books are held out because the Bible repeats itself: a random verse split leaks.
"""
from __future__ import annotations

import random
from pathlib import Path

from zoo.datasets import kjv_text, kjv_verses

SEED = 20261123


def fetch(dest: Path | None = None) -> Path:
    return kjv_text(dest)


def books(path: Path) -> dict[str, str]:
    """Book abbreviation -> its verses (references stripped), in canonical order."""
    out: dict[str, list[str]] = {}
    for book, _, _, text in kjv_verses(path):
        out.setdefault(book, []).append(text)
    return {name: "\n".join(verses) + "\n" for name, verses in out.items()}


def split_books(by_book: dict[str, str]) -> dict[str, list[str]]:
    names = list(by_book)
    random.Random(SEED).shuffle(names)
    total = sum(len(t) for t in by_book.values())
    splits: dict[str, list[str]] = {"test": [], "dev": [], "train": []}
    size = {"test": 0, "dev": 0}
    for name in names:
        for split in ("test", "dev"):
            if size[split] < 0.05 * total and size[split] + len(by_book[name]) <= 0.06 * total:
                splits[split].append(name)
                size[split] += len(by_book[name])
                break
        else:
            splits["train"].append(name)
    order = {n: i for i, n in enumerate(by_book)}
    return {k: sorted(v, key=order.get) for k, v in splits.items()}


def load_splits(path: Path | None = None) -> dict[str, str]:
    by_book = books(path or fetch())
    return {split: "".join(by_book[n] for n in names) for split, names in split_books(by_book).items()}


def summary() -> dict:
    path = fetch()
    by_book = books(path)
    return {"path": str(path), "splits": {k: {"books": v, "chars": sum(len(by_book[b]) for b in v)}
                                           for k, v in split_books(by_book).items()}}
