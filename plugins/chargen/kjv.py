"""King James Bible text for character-level language modelling (public domain).

Recipe: ``apt-get download bible-kjv bible-kjv-text``, unpack both with ``dpkg -x`` into the data
cache, and decode with the package's own ``bible`` program. Each verse line looks like
``Ge1:1 In the beginning ...``; the reference is stripped and verses are joined by newlines.

Split (fixed, documented): the 66 books are shuffled with ``random.Random(20261123)``; each book
in that order goes to test while test holds < 5% of the characters and the book keeps it <= 6%,
else to dev by the same rule, else to train.
Whole books are held out because the Bible repeats itself: a random verse split leaks.
"""
from __future__ import annotations

import random
import re
import subprocess
from pathlib import Path

from zoo.datasets import cache_dir

SEED = 20261123
_REF = re.compile(r"^([1-3]?[A-Za-z]+)(\d+):(\d+)\s+(.*)$")


def fetch(dest: Path | None = None) -> Path:
    dest = dest or cache_dir("chargen")
    target = dest / "kjv.txt"
    if target.is_file():
        return target
    dest.mkdir(parents=True, exist_ok=True)
    subprocess.run(["apt-get", "download", "bible-kjv", "bible-kjv-text"], cwd=dest, check=True,
                   stdout=subprocess.DEVNULL)
    for deb in sorted(dest.glob("bible-kjv*.deb")):
        subprocess.run(["dpkg", "-x", str(deb), str(dest / "root")], check=True)
    root = dest / "root"
    text = subprocess.run([str(root / "usr/bin/bible"), "-p", str(root / "usr/lib"), "-f", "gen1:1-rev22:21"],
                          check=True, capture_output=True, text=True).stdout
    target.write_text(text, encoding="utf-8")
    return target


def verses(path: Path) -> list[tuple[str, int, int, str]]:
    """(book abbreviation, chapter, verse, text) for every verse, in canonical order."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        m = _REF.match(line.strip())
        if m:
            out.append((m.group(1), int(m.group(2)), int(m.group(3)), m.group(4)))
    return out


def books(path: Path) -> dict[str, str]:
    """Book abbreviation -> its verses (references stripped), in canonical order."""
    out: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = _REF.match(line.strip())
        if m:
            out.setdefault(m.group(1), []).append(m.group(4))
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
