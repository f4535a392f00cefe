"""Modern English -> Spanish pairs from the Spanish message catalogs that Debian packages ship.

Software is translated string by string: each package's ``es`` gettext catalog (``.mo``) pairs an
English message (msgid) with its Spanish translation (msgstr). The packages are listed in
``modern_packages.tsv`` (binary package, source package); ``python -m zoo data translation
--corpus modern`` downloads them with ``apt-get download`` (about 1 GB, a few minutes), keeps only
the ``es`` catalogs and each package's copyright file, and deletes the rest.

Pairs: keyboard accelerators removed (``_File``, ``&File``, ``~File``); messages with placeholders
(``%s``, ``%1``, ``{name}``, ``$VAR``), markup, URLs or e-mail addresses dropped, as are
untranslated ones, translator credits, and English of fewer than 4 or more than 60 words; each
(English, Spanish) pair kept once. Split by Debian *source* package (a seeded hash: 5% test, 5% dev,
the rest train), so whole programs are held out; a dev or test pair whose English also occurs in
train is dropped. Licences are the packages' own (mostly GPL and LGPL: see each copyright file in
the cache); the pairs are rebuilt from the packages, never committed.
"""
from __future__ import annotations

import gettext
import hashlib
import json
import logging
import re
import struct
import subprocess
from pathlib import Path

from zoo.datasets import cache_dir

log = logging.getLogger("zoo.translation.modern")
PACKAGES = Path(__file__).resolve().parent / "modern_packages.tsv"
BATCH = 60

_PLACEHOLDER = re.compile(
    r"%[-+ #0]*\d*(\.\d+)?[hlLqjzt]*[sdifuxXcpgeEoa%]|%\d|%\(\w+\)|\{[\w.:]*\}|\$\{?\w+|@\w+@|<[^>]+>|&\w+;|"
    r"\\[a-z]|\b\w+://|\S+\.(?:com|org|net)\b|[\w.+-]+@[\w-]+\.\w+")
_CREDITS = {"your names", "your emails", "name of translators", "email of translators", "translator-credits",
            "translator_credits"}
_ODD = re.compile(r"[^\x00-\u024F\u2000-\u206F€–—‘’“”«»¿¡·×]")


def folder() -> Path:
    return cache_dir("translation-modern")


def packages() -> dict[str, str]:
    """Binary package -> source package."""
    rows = [line.split("\t") for line in PACKAGES.read_text().splitlines() if line and not line.startswith("#")]
    return {binary: source for binary, source in rows}


def fetch() -> Path:
    """Download the listed packages in batches; keep their ``es`` catalogs and copyright files."""
    root = folder() / "mo"
    todo = [p for p in packages() if not (root / p / ".done").exists()]
    debs = folder() / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    for start in range(0, len(todo), BATCH):
        batch = todo[start:start + BATCH]
        subprocess.run(["apt-get", "download", "-q", *batch], cwd=debs, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        for name in batch:
            found = sorted(debs.glob(f"{name}_*.deb"))
            if not found:
                log.warning("%s: not downloadable here; skipped", name)
                continue
            _keep_catalogs(found[0], root / name, name)
            for deb in found:
                deb.unlink()
        log.info("%d of %d packages", min(start + BATCH, len(todo)), len(todo))
    (root / ".complete").touch()  # build() reads nothing before this: a half-fetched corpus would be cached
    return root


def _keep_catalogs(deb: Path, dest: Path, name: str) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    tar = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", str(dest), "--wildcards", "--no-anchored", "*/es/LC_MESSAGES/*.mo",
                    "*/es_*/LC_MESSAGES/*.mo", f"*/usr/share/doc/{name}/copyright"],
                   stdin=tar.stdout, stderr=subprocess.DEVNULL)
    tar.wait()
    (dest / ".done").touch()


def _clean(text: str) -> str:
    text = re.sub(r"\s+", " ", text)
    if "_" in text and not re.search(r"\w_\w", text):
        text = re.sub(r"_(?=\w)", "", text)  # GTK accelerator
    text = re.sub(r"&(?=\w)(?!\w+;)", "", text)  # Qt/KDE accelerator
    text = re.sub(r"~(?=\w)", "", text)  # LibreOffice accelerator
    return text.strip()


def _usable(en: str, es: str) -> bool:
    words = en.split()
    return bool(es) and en.lower() not in _CREDITS and en != es and 4 <= len(words) <= 60 \
        and not _PLACEHOLDER.search(en) and not _PLACEHOLDER.search(es) and bool(re.search(r"[a-zA-Z]", es)) \
        and not _ODD.search(en + es) and not re.search(r"[|\\/=*#]{2,}|[{}\[\]]", en)


def _catalog_pairs(path: Path):
    with open(path, "rb") as f:
        catalog = gettext.GNUTranslations(f)._catalog
    for key, value in catalog.items():
        if isinstance(key, tuple):  # plural forms: the singular
            if key[1] != 0:
                continue
            key = key[0]
        if not key or not isinstance(value, str):
            continue
        yield key.split("\x04")[-1], value  # without the msgctxt


def _best_catalogs(package_dir: Path) -> list[Path]:
    """One catalog per (folder, domain): ``es`` before ``es_ES`` before any other ``es_XX``."""
    best: dict[tuple, tuple[int, Path]] = {}
    for mo in package_dir.rglob("LC_MESSAGES/*.mo"):
        locale = mo.parent.parent.name
        rank = 0 if locale == "es" else 1 if locale == "es_ES" else 2
        key = (mo.parent.parent.parent, mo.name)
        if key not in best or rank < best[key][0]:
            best[key] = (rank, mo)
    return [path for _, path in sorted(best.values())]


def split_of(source: str) -> str:
    bucket = int(hashlib.md5(source.encode()).hexdigest(), 16) % 20
    return "test" if bucket == 0 else "dev" if bucket == 1 else "train"


def build() -> dict[str, list[dict]]:
    """Every usable pair, by split; written once to ``pairs.json`` in the cache."""
    cached = folder() / "pairs.json"
    if cached.is_file():
        return json.loads(cached.read_text())
    sources, seen = packages(), set()
    splits: dict[str, list[dict]] = {"train": [], "dev": [], "test": []}
    for package_dir in sorted((folder() / "mo").iterdir()):
        source = sources.get(package_dir.name, package_dir.name)
        for mo in _best_catalogs(package_dir):
            try:
                pairs = list(_catalog_pairs(mo))
            except (OSError, UnicodeDecodeError, LookupError, ValueError, IndexError, struct.error):
                log.warning("%s: unreadable catalog; skipped", mo)
                continue
            for en, es in pairs:
                en, es = _clean(en), _clean(es)
                if (en, es) not in seen and _usable(en, es):
                    seen.add((en, es))
                    splits[split_of(source)].append({"en": en, "es": es, "package": package_dir.name, "source": source})
    trained = {p["en"].lower() for p in splits["train"]}
    for name in ("dev", "test"):
        kept, english = [], set()
        for p in splits[name]:
            if p["en"].lower() not in trained and p["en"].lower() not in english:
                english.add(p["en"].lower())
                kept.append(p)
        splits[name] = kept
    cached.write_text(json.dumps(splits, ensure_ascii=False))
    return splits


def load_splits() -> dict[str, list[dict]]:
    if not (folder() / "mo" / ".complete").is_file():
        raise FileNotFoundError("the modern corpus is not (fully) fetched: run `python -m zoo data translation "
                                "--corpus modern`")
    return build()
