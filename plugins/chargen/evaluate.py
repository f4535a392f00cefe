"""``python -m zoo eval chargen``: nats and bits per character on held-out books, beside bzip2 -9
and xz -9e (Python's bz2 and lzma, the same codecs) coding the same text given the training text,
measured in the same run."""
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


def compressor_bpc(train: str, test: str) -> dict:
    """Extra bits each codec spends on ``test`` after ``train``, per test character."""
    a, b = train.encode(), (train + test).encode()
    out = {}
    for name, fn in (("bzip2 -9", lambda d: bz2.compress(d, 9)),
                     ("xz -9e", lambda d: lzma.compress(d, preset=9 | lzma.PRESET_EXTREME))):
        out[name] = {"bits_per_char": round((len(fn(b)) - len(fn(a))) * 8 / len(test), 4)}
    return out


def evaluate(pipe, split: str) -> dict:
    splits = data.load_splits()
    text = splits[split]
    ids = torch.tensor(pipe.preprocessor.encode(text))
    started = time.perf_counter()
    nats = nats_per_char(pipe.model, ids)
    return {
        "n": len(text),
        "metrics": {"nats_per_char": round(nats, 4), "bits_per_char": round(nats / math.log(2), 4),
                    "seconds": round(time.perf_counter() - started, 2)},
        "baselines": compressor_bpc(splits["train"], text),
    }
