"""``python -m zoo bench translation``: decoding speed, each figure beside a naive decoder
measured in the same run on the same weights (rounds interleaved: this machine's speed drifts).

- ``latency``: one 20-word sentence, greedy and beam 5, median over the runs of all rounds;
- ``batch``: sentences per second translating the first 1,000 test verses in length-sorted
  batches of 64 (what the eval does), greedy and beam 5;
- the naive decoder is the same beam search whose step re-runs the decoder LSTM over the whole
  prefix from its initial state (what you get without a step function that keeps the state):
  the served step instead keeps (h, c) and reads each weight once per step.
"""
from __future__ import annotations

import argparse
import datetime
import platform
import statistics
import time

import torch

import zoo

from .decode import beam_search
from .evaluate import translate_all

SENTENCE = "And the king commanded his servants to go up to the city and bring him bread and wine before evening."


class RerunStep:
    """The naive step: keeps the prefix in the state and re-runs ``nn.LSTM`` over all of it."""

    def __init__(self, model):
        self.model = model

    def __call__(self, x: torch.Tensor, state: list) -> tuple[torch.Tensor, list]:
        if len(state) == self.model.decoder_layers:  # the first step: no prefix yet
            state = [*state, (x[:, None][:, :0],)]
        *initial, (prefix,) = state
        prefix = torch.cat([prefix, x[:, None]], dim=1)
        h0 = torch.stack([h for h, _ in initial]).contiguous()
        c0 = torch.stack([c for _, c in initial]).contiguous()
        out, _ = self.model.decoder(self.model.target_embedding(prefix), (h0, c0))
        return out[:, -1], [*initial, (prefix,)]


def _seconds(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--checkpoint", default=None)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--runs", type=int, default=5, help="latency runs per round and decoder")
    p.add_argument("--batch", type=int, default=1000, help="test verses for the throughput rows")
    p.add_argument("--naive-batch", type=int, default=200,
                   help="the naive decoder's throughput is measured on the first N of those (it is slow)")


def run(args) -> dict:
    from . import data

    assert len(SENTENCE.split()) == 20
    pipe = zoo.pipeline("translation", checkpoint=args.checkpoint, device="cpu")
    model, pre = pipe.model, pipe.preprocessor
    served, naive = model.decoder_step(), RerunStep(model)
    source = pre.encode_source(SENTENCE)
    verses = [x["en"] for x in data.load_splits()["test"][: args.batch]]
    kw = dict(bos=pre.bos_id, eos=pre.eos_id, max_length=200, length_penalty=1.0)

    def one(step, beam):
        return beam_search(model, [source], beam_size=beam, step=step, **kw)[0]

    # Same weights, same search: the naive step must give the same translation.
    for beam in (1, 5):
        a, b = one(served, beam), one(naive, beam)
        assert a.ids == b.ids, f"naive and served decoders disagree at beam {beam}"
    example = pre.decode_target(one(served, 5).ids)
    latency: dict[str, list[float]] = {}
    batch: dict[str, list[float]] = {}
    for _ in range(args.rounds):
        for name, step in (("served", served), ("naive", naive)):
            for beam in (1, 5):
                latency.setdefault(f"{name} beam {beam}", []).extend(
                    _seconds(lambda: one(step, beam)) for _ in range(args.runs))
        for name, step, sources in (("served", served, verses), ("naive", naive, verses[: args.naive_batch])):
            for beam in (1, 5):
                seconds = _seconds(lambda: translate_all(model, pre, sources, beam, step=step))
                batch.setdefault(f"{name} beam {beam}", []).append(len(sources) / seconds)
    ms = {k: round(1000 * statistics.median(v), 1) for k, v in latency.items()}
    rates = {k: round(statistics.median(v), 1) for k, v in batch.items()}
    return {
        "machine": f"{platform.machine()}, {torch.get_num_threads()} threads, torch {torch.__version__}",
        "date": datetime.date.today().isoformat(), "checkpoint": pipe.source.name if pipe.source else None,
        "sentence": SENTENCE, "translation_beam_5": example, "source_subwords": len(source),
        "latency_ms_p50": ms,
        "latency_speedup_vs_naive": {f"beam {b}": round(ms[f"naive beam {b}"] / ms[f"served beam {b}"], 2)
                                     for b in (1, 5)},
        "batch_sentences_per_s": rates,
        "batch_speedup_vs_naive": {f"beam {b}": round(rates[f"served beam {b}"] / rates[f"naive beam {b}"], 2)
                                   for b in (1, 5)},
        "batch_sizes": {"served": len(verses), "naive": min(len(verses), args.naive_batch)},
        "per_round": {"latency_ms": {k: [round(1000 * x, 1) for x in v] for k, v in latency.items()},
                      "batch_sentences_per_s": {k: [round(x, 1) for x in v] for k, v in batch.items()}},
    }
