"""English -> Spanish Bible verse pairs (public domain): the KJV (``zoo.datasets.kjv_text``) and the
Reina-Valera 1909 from Debian's ``sword-text-sparv`` (SWORD "ztext" module).

``python -m zoo data translation`` fetches both (``apt-get download``; no root needed) and
prints the split sizes and the held-out books.

SWORD ztext layout per testament (``ot``/``nt``): ``.bzs`` holds 12-byte blocks ``<III``
(offset, compressed size, uncompressed size) into ``.bzz`` (zlib blocks); ``.bzv`` holds 10-byte
entries ``<IIH`` (block, offset in the uncompressed block, size), one per verse index: two
leading entries, then per book one heading entry, per chapter one heading entry, then its verses
in KJV order.
"""
from __future__ import annotations

import functools
import re
import struct
import zlib
from pathlib import Path

from zoo.datasets import apt_download, cache_dir, kjv_verses

MODULE = "usr/share/sword/modules/texts/ztext/spaRV1909eb"
_TAG = re.compile(r"<[^>]*>")


def fetch(dest: Path | None = None) -> Path:
    dest = dest or cache_dir("translation")
    if not (dest / "root" / MODULE / "nt.bzv").is_file():
        apt_download(["sword-text-sparv"], dest)
    return dest / "root" / MODULE


def testament(folder: Path, name: str) -> list[str]:
    """Every index entry of one testament, in order (headings included, markup stripped)."""
    bzs = (folder / f"{name}.bzs").read_bytes()
    bzz = (folder / f"{name}.bzz").read_bytes()
    bzv = (folder / f"{name}.bzv").read_bytes()
    blocks: dict[int, bytes] = {}

    def block(i: int) -> bytes:
        if i not in blocks:
            offset, size, _ = struct.unpack_from("<III", bzs, 12 * i)
            blocks[i] = zlib.decompress(bzz[offset:offset + size])
        return blocks[i]

    out = []
    for k in range(len(bzv) // 10):
        b, off, size = struct.unpack_from("<IIH", bzv, 10 * k)
        raw = block(b)[off:off + size] if size else b""
        out.append(" ".join(_TAG.sub("", raw.decode("utf-8", errors="replace")).split()))
    return out


def verse_pairs() -> list[dict]:
    """``{"book", "chapter", "verse", "en", "es"}`` for every verse both Bibles have, KJV order.

    Walks the SWORD index as the KJV's structure dictates (heading entries for each book and
    chapter) and checks that each testament's entries are used up exactly."""
    english = kjv_verses()
    folder = fetch()
    pairs = []
    books = list(dict.fromkeys(v[0] for v in english))
    for name, book_names in (("ot", books[:39]), ("nt", books[39:])):
        entries = testament(folder, name)
        index = 2
        for book in book_names:
            index += 1  # book heading
            chapter = None
            for _, c, v, text in (x for x in english if x[0] == book):
                if c != chapter:
                    index += 1  # chapter heading
                    chapter = c
                pairs.append({"book": book, "chapter": c, "verse": v, "en": text, "es": entries[index]})
                index += 1
        if index != len(entries):
            raise ValueError(f"{name}: the KJV structure used {index} of {len(entries)} index entries")
    return pairs


SEED = 20261123
_CAPS = re.compile(r"\b[A-ZÁÉÍÓÚÑÜ]{2,}\b")
_KEEP_CAPS = {"JEHOVÁ", "JAH"}  # the KJV writes LORD and JAH in capitals too


def tidy_spanish(text: str, verse: int) -> str:
    """The RV1909 sets the opening words of a chapter in capitals (``Y ACONTECIÓ después``): write
    them as a sentence would, keeping the divine names the KJV capitalizes as well."""
    if verse != 1:
        return text

    def fix(m):
        word = m.group(0)
        if word in _KEEP_CAPS:
            return word
        return word.capitalize() if m.start() == 0 else word.lower()

    return _CAPS.sub(fix, text)


def split_books(pairs: list[dict]) -> dict[str, list[str]]:
    """Whole books: shuffled with ``random.Random(SEED)``; each goes to test until test holds
    >= 1,200 pairs, then to dev until dev does, else to train. The Bible repeats itself, so a
    random verse split would leak near-duplicates."""
    import random

    names = list(dict.fromkeys(p["book"] for p in pairs))
    counts = {n: sum(1 for p in pairs if p["book"] == n) for n in names}
    random.Random(SEED).shuffle(names)
    out: dict[str, list[str]] = {"test": [], "dev": [], "train": []}
    for name in names:
        for split in ("test", "dev"):
            if sum(counts[b] for b in out[split]) < 1200 and counts[name] <= 1500:
                out[split].append(name)
                break
        else:
            out["train"].append(name)
    return out


@functools.lru_cache(maxsize=1)  # train, eval and export all read it; parsing takes seconds
def load_splits() -> dict[str, list[dict]]:
    pairs = [dict(p, es=tidy_spanish(p["es"], p["verse"])) for p in verse_pairs() if p["es"] and p["en"]]
    books = split_books(pairs)
    return {split: [p for p in pairs if p["book"] in set(names)] for split, names in books.items()}
