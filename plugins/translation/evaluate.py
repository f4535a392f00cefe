"""Translation quality: sacreBLEU and chrF on held-out books, for
greedy and beam search, beside a copy-the-source baseline and Apertium (rule-based, where
``python -m zoo data translation`` has unpacked it) measured in the same run (and, where given,
the attention-free ablation decoded the same way)."""
from __future__ import annotations

import time

import sacrebleu

from . import apertium, data
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


def scores(hyps: list[str], refs: list[str]) -> dict:
    return {"bleu": round(sacrebleu.corpus_bleu(hyps, [refs]).score, 2),
            "chrf": round(sacrebleu.corpus_chrf(hyps, [refs]).score, 2)}


def by_book(pairs: list[dict], hyps: list[str], refs: list[str]) -> dict:
    """The same scores per held-out book (they differ in kind: narrative, prophecy, proverbs)."""
    out = {}
    for book in dict.fromkeys(p["book"] for p in pairs):
        idx = [i for i, p in enumerate(pairs) if p["book"] == book]
        out[book] = {"n": len(idx), **scores([hyps[i] for i in idx], [refs[i] for i in idx])}
    return out


def evaluate(model, pre, split: str = "test", limit: int | None = None, beam_size: int = 5,
             ablation=None, corpus: str = "bible") -> dict:
    """``ablation``: an optional (model, preprocessor) of the attention-free model. ``corpus``:
    ``bible`` (held-out books) or ``modern`` (held-out Debian packages' messages, ``modern.py``)."""
    if corpus == "modern":
        from . import modern

        pairs = [{**p, "book": p["source"]} for p in modern.load_splits()[split][:limit]]
    else:
        pairs = data.load_splits()[split][:limit]
    sources, refs = [p["en"] for p in pairs], [p["es"] for p in pairs]
    out = {"n": len(pairs), "beam_size": beam_size, "metrics": {},
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
    return out
