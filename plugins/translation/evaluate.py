"""Translation quality: sacreBLEU and chrF on held-out books, for
greedy and beam search, beside a copy-the-source baseline and Apertium (rule-based, where
``python -m zoo data translation`` has unpacked it) measured in the same run (and, where given,
the attention-free ablation decoded the same way)."""
from __future__ import annotations

import collections
import re
import time

import sacrebleu

from . import apertium, corpora
from .decode import beam_search


def translate_all(model, pre, sources: list[str], beam_size: int, length_penalty: float = 1.0,
                  batch: int = 64, step=None) -> list[str]:
    # Length-sorted batches: little padding, and the same output as one by one.
    order = sorted(range(len(sources)), key=lambda i: len(sources[i]))
    out: list[str] = [""] * len(sources)
    for start in range(0, len(order), batch):
        idx = order[start:start + batch]
        hyps = beam_search(model, [pre.encode_source(sources[i]) for i in idx], beam_size=beam_size,
                           length_penalty=length_penalty, max_length=200, bos=pre.bos_id, eos=pre.eos_id, step=step)
        for i, h in zip(idx, hyps):
            out[i] = pre.decode_target(h.ids)
    return out


# The 1909 Bible's spelling, which modern Spanish dropped (RAE 1952): an accent on the one-letter
# words a, e, o and on one-syllable preterites. Modern text should come out without it.
OLD_SPELLING = re.compile(r"(?<!\w)(á|é|ó|fué|dió|vió|fuí)(?!\w)", re.IGNORECASE)


def scores(hyps: list[str], refs: list[str]) -> dict:
    return {"bleu": round(sacrebleu.corpus_bleu(hyps, [refs]).score, 2),
            "chrf": round(sacrebleu.corpus_chrf(hyps, [refs]).score, 2),
            "old_spelling": round(sum(bool(OLD_SPELLING.search(h)) for h in hyps) / max(1, len(hyps)), 4)}


def by_book(pairs: list[dict], hyps: list[str], refs: list[str]) -> dict:
    """The same scores per held-out book (they differ in kind: narrative, prophecy, proverbs)."""
    out = {}
    for book in dict.fromkeys(p["book"] for p in pairs):
        idx = [i for i, p in enumerate(pairs) if p["book"] == book]
        out[book] = {"n": len(idx), **scores([hyps[i] for i in idx], [refs[i] for i in idx])}
    return out


def evaluate(model, pre, split: str = "test", limit: int | None = None, beam_size: int = 5,
             ablation=None, corpus: str = "bible", beside: dict | None = None, routed=None) -> dict:
    """``ablation``: an optional (model, preprocessor) of the attention-free model, decoded greedy and
    with the beam. ``beside``: {row label: (model, preprocessor)} of other checkpoints decoded with
    the beam only (the served decoder). ``corpus``: ``bible`` (held-out books), ``modern``
    (held-out Debian packages' messages, ``modern.py``) or ``both``: each scored on its own, the
    modern figures named ``modern_bleu`` and ``modern_chrf`` beside the Bible's ``bleu`` and ``chrf``.
    ``routed``: (choose, {checkpoint: (model, preprocessor)}): each source decoded by the checkpoint
    ``choose(source)`` names, as a request that names none is served."""
    if corpus == "both":
        parts = {name: evaluate(model, pre, split, limit, beam_size, ablation, name, beside, routed)
                 for name in corpora.CORPORA}
        return {**merge(parts), "corpora": parts}
    pairs = corpora.splits(corpus)[split][:limit]
    sources, refs = [p["en"] for p in pairs], [p["es"] for p in pairs]
    out = {"corpus": corpus, "n": len(pairs), "beam_size": beam_size, "metrics": {},
           "baselines": {"copy the source": scores(sources, refs)}}
    if apertium.installed():
        started = time.perf_counter()
        out["baselines"]["apertium (rule-based)"] = {**scores(apertium.translate(sources), refs),
                                                     "seconds": round(time.perf_counter() - started, 1)}
    for name, beam in (("greedy", 1), (f"beam {beam_size}", beam_size)):
        started = time.perf_counter()
        hyps = translate_all(model, pre, sources, beam)
        out["metrics"][name] = {**scores(hyps, refs), "seconds": round(time.perf_counter() - started, 1),
                                "by_book": by_book(pairs, hyps, refs)}
        if ablation is not None:
            out["baselines"][f"no attention, {name}"] = scores(translate_all(*ablation, sources, beam), refs)
    for label, (other, other_pre) in (beside or {}).items():
        out["baselines"][label] = scores(translate_all(other, other_pre, sources, beam_size), refs)
    if routed is not None:
        out["routed"] = route_and_score(*routed, sources, refs, beam_size)
        out["baselines"][f"routed by register (what a visitor gets), beam {beam_size}"] = out["routed"]
    return out


def route_and_score(choose, models: dict, sources: list[str], refs: list[str], beam_size: int) -> dict:
    hyps, picks = translate_routed(choose, models, sources, beam_size)
    return {**scores(hyps, refs), "sent_to": dict(collections.Counter(picks).most_common())}


def translate_routed(choose, models: dict, sources: list[str], beam_size: int) -> tuple[list[str], list[str]]:
    """Each source translated by the checkpoint ``choose(source)`` names (a key of ``models``), in
    the sources' order; and the names."""
    picks = [choose(s) for s in sources]
    unknown = set(picks) - set(models)
    if unknown:
        raise ValueError(f"choose named checkpoints without a model: {sorted(unknown)}")
    hyps = [""] * len(sources)
    for checkpoint, (model, pre) in models.items():
        idx = [i for i, c in enumerate(picks) if c == checkpoint]
        for i, hyp in zip(idx, translate_all(model, pre, [sources[i] for i in idx], beam_size)):
            hyps[i] = hyp
    return hyps, picks


def merge(parts: dict[str, dict]) -> dict:
    """Per-corpus results as one: each row's figures side by side, the Bible's unprefixed (as every
    card before had them), another corpus's prefixed with its name."""
    def named(corpus: str, figures: dict) -> dict:
        prefix = "" if corpus == "bible" else f"{corpus}_"
        return {f"{prefix}{k}": v for k, v in figures.items() if k in ("bleu", "chrf", "old_spelling")}

    out = {"corpus": "+".join(parts), "n": {c: r["n"] for c, r in parts.items()},
           "beam_size": next(iter(parts.values()))["beam_size"], "metrics": {}, "baselines": {}}
    for corpus, result in parts.items():
        for kind in ("metrics", "baselines"):
            for row, figures in result[kind].items():
                out[kind].setdefault(row, {}).update(named(corpus, figures))
    return out
