"""Apertium, a rule-based English -> Spanish system (GPL-2), as a same-run baseline in the
translation eval: Debian's packages unpacked without root (``zoo.datasets.apt_download``) into
the data cache, and run as the ``apertium`` pipeline with the pair's mode file pointed there.

    python -m zoo data translation      # fetches it beside the Bible pairs (apt-get download)
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from zoo.datasets import apt_download, cache_dir

PACKAGES = ["apertium-eng-spa", "apertium", "libapertium3", "lttoolbox", "liblttoolbox3", "apertium-lex-tools",
            "libapertium-lex-tools1", "cg3", "libcg3-1", "gawk", "libsigsegv2"]
PAIR = "eng-spa"
_END = ".?!:;"


def folder() -> Path:
    return cache_dir("apertium")


def installed() -> bool:
    return (folder() / "modes" / f"{PAIR}.mode").is_file()


def install() -> Path:
    """Unpack the packages once; the pair's mode file is rewritten to name the unpacked data."""
    if installed():
        return folder()
    root = apt_download(PACKAGES, folder())
    modes = folder() / "modes"
    modes.mkdir(exist_ok=True)
    for mode in (root / "usr" / "share" / "apertium" / "modes").glob("*.mode"):
        text = mode.read_text().replace("/usr/share/apertium", str(root / "usr" / "share" / "apertium"))
        (modes / mode.name).write_text(text)
    for deb in folder().glob("*.deb"):
        deb.unlink()
    return folder()


def _environment() -> dict:
    root = folder() / "root"
    return {**os.environ, "APERTIUM_PATH": str(root / "usr" / "bin"),
            "PATH": f"{root / 'usr' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
            "LD_LIBRARY_PATH": str(root / "usr" / "lib" / "x86_64-linux-gnu")}


def translate(lines: list[str]) -> list[str]:
    """One Spanish line per English line. Lines go as blank-line-separated blocks, and a line
    without final punctuation gets a temporary " ." (else Apertium's chunker moves words across
    lines), taken off again afterwards."""
    if not installed():
        raise FileNotFoundError("Apertium is not unpacked: run `python -m zoo data translation`")
    if shutil.which("bash") is None:
        raise FileNotFoundError("Apertium's pipeline needs bash")
    lines = [" ".join(x.split()) for x in lines]
    marked = [(line if line[-1:] in _END else line + " .") for line in lines]
    out = subprocess.run(["apertium", "-u", "-f", "txt", "-d", str(folder()), PAIR], input="\n\n".join(marked) + "\n",
                         capture_output=True, text=True, check=True, env=_environment()).stdout
    blocks = [" ".join(b.split()) for b in out.split("\n\n")]
    blocks = [b for b in blocks if b] if len(blocks) != len(lines) else blocks
    if len(blocks) != len(lines):
        raise RuntimeError(f"Apertium returned {len(blocks)} lines for {len(lines)}")
    return [b[:-2] if src[-1:] not in _END and b.endswith(" .") else b for src, b in zip(lines, blocks)]
