"""The Rotten Tomatoes movie-review sentences (Pang & Lee polarity sentences with the mean human
ratings collected by Hutto & Gilbert for VADER), fetched from the PyPI sdist of vadersentiment.

Split (fixed, seeded by content, documented in the model card): a row goes to test when
sha256(row id) % 10 == 0, to dev when it is 1, else to train (about 80/10/10). The id is the
data set's own row number, so the split never changes with row order or with the code.
"""
from __future__ import annotations

import dataclasses
import hashlib
import io
import logging
import tarfile
from pathlib import Path

from zoo.datasets import cache_dir, pip_download

log = logging.getLogger("zoo.sentiment.data")

PACKAGE = "vadersentiment==3.3.2"
MEMBER = "hutto_ICWSM_2014/movieReviewSnippets_GroundTruth.txt"
LABELS = ("negative", "positive")


@dataclasses.dataclass(frozen=True)
class Example:
    id: str
    rating: float
    text: str

    @property
    def label(self) -> int:
        return int(self.rating > 0)


def data_dir() -> Path:
    return cache_dir("sentiment")


def split_of(row_id: str) -> str:
    bucket = int(hashlib.sha256(row_id.strip().encode()).hexdigest(), 16) % 10
    return "test" if bucket == 0 else "dev" if bucket == 1 else "train"


def fetch(dest: Path | None = None) -> Path:
    """Download the vadersentiment sdist with pip and extract the ground-truth file (cached)."""
    dest = dest or data_dir()
    target = dest / "movieReviewSnippets_GroundTruth.txt"
    if target.is_file():
        return target
    sdist = pip_download(PACKAGE, dest, sdist=True)
    with tarfile.open(sdist) as outer:
        inner_member = next(m for m in outer.getmembers() if m.name.endswith("hutto_ICWSM_2014.tar.gz"))
        inner_bytes = outer.extractfile(inner_member).read()
    with tarfile.open(fileobj=io.BytesIO(inner_bytes)) as inner:
        member = next(m for m in inner.getmembers() if m.name.endswith(MEMBER))
        target.write_bytes(inner.extractfile(member).read())
    return target


def parse(path: Path) -> list[Example]:
    """Tab-separated ``id, mean rating, sentence``; CRLF; a few bad bytes (replaced). Rows with a
    rating of exactly 0 have no polarity and are dropped."""
    examples = []
    for line in path.read_bytes().decode("utf-8", errors="replace").splitlines():
        parts = line.split("\t", 2)
        if len(parts) != 3:
            continue
        row_id, rating, text = parts
        try:
            value = float(rating)
        except ValueError:
            continue
        if value != 0 and text.strip():
            examples.append(Example(row_id.strip(), value, text.strip()))
    return examples


def load_splits(path: Path | None = None) -> dict[str, list[Example]]:
    examples = parse(path or fetch())
    splits: dict[str, list[Example]] = {"train": [], "dev": [], "test": []}
    for ex in examples:
        splits[split_of(ex.id)].append(ex)
    return splits
