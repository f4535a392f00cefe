"""``python -m zoo eval chargen``: nats and bits per character on held-out books or files, beside
bzip2 -9 and xz -9e (Python's bz2 and lzma, the same codecs) coding the same text given the
training text, measured in the same run. Also the bits per character of the step generation
really uses (int8 on the CPU), run over the same text: quantization must cost <= 0.02. With
``--dynamic LR,DECAY``, also the bits per character under dynamic evaluation (``dynamic.py``)."""
from __future__ import annotations

import bz2
import lzma
import math
import time

import torch
import torch.nn.functional as F

from . import data


@torch.no_grad()
def nats_per_char(model, ids: torch.Tensor, seq: int = 512, streams: int = 16) -> float:
    """Cross-entropy over ``ids`` read as ``streams`` parallel streams with the state carried."""
    was_training = model.training
    model.eval()
    n = len(ids) // streams
    grid = ids[: n * streams].view(streams, n).to(next(model.parameters()).device)
    state, total, count = None, 0.0, 0
    for start in range(0, n - 1, seq):
        x = grid[:, start:start + seq]
        y = grid[:, start + 1:start + seq + 1]
        logits, state = model(x[:, : y.shape[1]], state)
        total += F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="sum").item()
        count += y.numel()
    model.train(was_training)
    return total / count


@torch.inference_mode()
def step_nats_per_char(model, step, ids: torch.Tensor, streams: int = 16) -> float:
    """The same cross-entropy, computed one character at a time through ``step`` (as generation
    runs: the step ends with the model's output layer)."""
    n = len(ids) // streams
    grid = ids[: n * streams].view(streams, n).to(model.head.weight.device)
    state = step.initial_state(streams, grid)
    total = torch.zeros((), dtype=torch.float64)
    for t in range(n - 1):
        logits, state = step(grid[:, t], state)
        total += F.cross_entropy(logits, grid[:, t + 1], reduction="sum").double()
    return total.item() / (streams * (n - 1))


def compressor_bpc(train: str, test: str) -> dict:
    """Extra bits each codec spends on ``test`` after ``train``, per test character."""
    a, b = train.encode(), (train + test).encode()
    out = {}
    for name, fn in (("bzip2 -9", lambda d: bz2.compress(d, 9)),
                     ("xz -9e", lambda d: lzma.compress(d, preset=9 | lzma.PRESET_EXTREME))):
        out[name] = {"bits_per_char": round((len(fn(b)) - len(fn(a))) * 8 / len(test), 4)}
    return out


def parse_shares(pipe, code: str, samples: int, chars: int = 800, prime: str = "def ",
                 temperature: float = 0.8) -> dict:
    """Generated Python (``samples`` continuations of ``prime``, seeds 0.., the served temperature)
    and windows of the held-out code of the same length, cut and parsed the same way."""
    from .parse_share import real_windows, share

    texts = []
    for seed in range(0, samples, 8):
        n = min(8, samples - seed)
        result = pipe(prime, max_new_chars=chars, temperature=temperature, seed=seed, num_samples=n)
        texts += result.get("texts", [result["text"]])
    return {"prime": prime, "chars": chars, "temperature": temperature,
            "this model": share(texts), "real held-out code": share(real_windows(code, prime, chars, samples))}


def evaluate(pipe, split: str, limit: int | None = None, samples: int = 40, dynamic=()) -> dict:
    """``limit``: only the first ``limit`` characters of the split (a quick check; the compressors
    then code the same shortened text). ``samples``: on the Python corpus, how many generated
    samples ``parse_shares`` scores (0: none). ``dynamic``: ``(lr, decay)`` settings, each scored
    by dynamic evaluation."""
    training = pipe.config.get("training", {})
    corpus = training.get("corpus", "kjv")
    splits = data.load_splits(corpus)
    text = splits[split][:limit] if limit else splits[split]
    ids = torch.tensor(pipe.preprocessor.encode(text))
    started = time.perf_counter()
    nats = nats_per_char(pipe.model, ids)
    seconds = time.perf_counter() - started
    step = pipe.model.stepper()
    step_nats = step_nats_per_char(pipe.model, step, ids)
    out = {
        "corpus": corpus,
        "n": len(text),
        "metrics": {"nats_per_char": round(nats, 4), "bits_per_char": round(nats / math.log(2), 4),
                    "seconds": round(seconds, 2)},
        "generation_step": {"int8": step.int8, "bits_per_char": round(step_nats / math.log(2), 4),
                            "increase": round((step_nats - nats) / math.log(2), 4)},
        "baselines": compressor_bpc(splits["train"], text),
        "unknown_chars": sum(1 for i in ids.tolist() if i == 0),
    }
    if dynamic:
        from . import dynamic as dyn

        train_ids = torch.tensor(pipe.preprocessor.encode(splits["train"]))
        out["dynamic"] = []
        for lr, decay in dynamic:
            started = time.perf_counter()
            nats = dyn.nats_per_char(pipe.model, ids, train_ids, lr, decay)
            out["dynamic"].append({"lr": lr, "decay": decay, "bits_per_char": round(nats / math.log(2), 4),
                                   "seconds": round(time.perf_counter() - started, 1)})
    if corpus == "python" and samples:
        out["parse_share"] = parse_shares(pipe, text, samples)
    trained_on = training.get("corpus_summary", {}).get("digest")
    if trained_on:
        here = data.corpus(corpus).summary()["digest"]
        if here != trained_on:
            out["warning"] = (f"this corpus text (digest {here}) is not the one the checkpoint was evaluated on "
                              f"({trained_on}, Python {training['corpus_summary'].get('python')}): figures differ")
    return out
