"""Which checkpoint should read a text: is it Bible English (the KJV's register) or modern English?

``en-es`` translates the Bible's English best and modern English badly; ``en-es-mixed`` the other
way round (BENCHMARKS.md). A visitor who names no checkpoint gets the one whose register the text
is in, chosen by a naive-Bayes word model fitted on the two training splits' English (the KJV
books of ``data.py``, the Debian messages of ``modern.py``): each word's log-ratio of its smoothed
frequency in the Bible to that in the messages. Words seen fewer than ``MIN_COUNT`` times count as
one word, ``RARE``: the KJV's vocabulary is small and closed, so an unfamiliar word is itself a
sign of modern English. A text's score is the mean over its words (the sum would push a long text
to one side by its length alone); at or above the threshold it reads as the Bible.

The threshold is chosen on the dev splits (``fit``): the one that misroutes least, a modern text
sent to the Bible model counting ``MODERN_COST`` times a verse sent to the mixed one (a misread
message loses most of its translation; a misread verse about 2 BLEU of 25). Shipped as
``register.json``, written by ``python -m zoo train translation --register``.
"""
from __future__ import annotations

import collections
import json
import math
import re
from pathlib import Path

FILE = Path(__file__).resolve().parent / "register.json"
MIN_COUNT = 3
MODERN_COST = 10.0
RARE = "<rare>"
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _counts(texts: list[str]) -> collections.Counter:
    return collections.Counter(w for t in texts for w in words(t))


def log_ratios(bible: list[str], modern: list[str]) -> dict[str, float]:
    """Each word's log P(word | Bible) - log P(word | modern), add-one smoothed; rare words pooled."""
    b, m = _counts(bible), _counts(modern)
    kept = {w for w in b.keys() | m.keys() if b[w] + m[w] >= MIN_COUNT}
    for counts in (b, m):
        counts[RARE] = sum(c for w, c in counts.items() if w not in kept)
    vocab = kept | {RARE}
    nb, nm = sum(b[w] for w in vocab) + len(vocab), sum(m[w] for w in vocab) + len(vocab)
    return {w: round(math.log((b[w] + 1) / nb) - math.log((m[w] + 1) / nm), 3) for w in sorted(vocab)}


def score(ratios: dict[str, float], text: str) -> float | None:
    """The mean log-ratio of the text's words; None when it has no words."""
    ws = words(text)
    if not ws:
        return None
    rare = ratios[RARE]
    return sum(ratios.get(w, rare) for w in ws) / len(ws)


def choose_threshold(ratios: dict[str, float], bible_dev: list[str], modern_dev: list[str]) -> tuple[float, dict]:
    """The threshold with the least cost on dev, and the dev routing it gives."""
    sb = sorted(s for s in (score(ratios, t) for t in bible_dev) if s is not None)
    sm = sorted(s for s in (score(ratios, t) for t in modern_dev) if s is not None)
    candidates = sorted(set(round(x, 3) for x in sb + sm))

    def cost(tau: float) -> float:
        bible_missed = sum(s < tau for s in sb) / len(sb)
        modern_missed = sum(s >= tau for s in sm) / len(sm)
        return bible_missed + MODERN_COST * modern_missed

    tau = min(candidates, key=cost)
    figures = {"bible_dev": len(sb), "bible_to_bible": round(sum(s >= tau for s in sb) / len(sb), 4),
               "modern_dev": len(sm), "modern_to_bible": round(sum(s >= tau for s in sm) / len(sm), 4)}
    return tau, figures


def fit(out: Path = FILE) -> dict:
    """Fit on the training splits, choose the threshold on dev, write ``register.json``."""
    from . import corpora

    bible, modern = corpora.splits("bible"), corpora.splits("modern")
    ratios = log_ratios([p["en"] for p in bible["train"]], [p["en"] for p in modern["train"]])
    tau, dev = choose_threshold(ratios, [p["en"] for p in bible["dev"]], [p["en"] for p in modern["dev"]])
    table = {"about": "log P(word | KJV train) - log P(word | Debian messages train); see register.py",
             "threshold": tau, "dev": dev, "min_count": MIN_COUNT, "modern_cost": MODERN_COST, "ratios": ratios}
    out.write_text(json.dumps(table, ensure_ascii=False, separators=(",", ":")))
    return {"register": str(out), "words": len(ratios), "threshold": tau, "dev": dev}


class Register:
    """The shipped model: a text's ``score`` and the ``threshold`` at or above which it reads as the Bible."""

    def __init__(self, path: Path = FILE):
        table = json.loads(Path(path).read_text())
        self.ratios, self.threshold = table["ratios"], table["threshold"]

    def score(self, text: str) -> float | None:
        return score(self.ratios, text)
