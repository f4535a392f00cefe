"""Padding and length-sorting of token-id sequences: the one helper every task that batches text
uses (sentiment, translation, the word-split example), in prediction and in training."""
from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch

__all__ = ["by_length", "pad"]


def pad(seqs: Sequence[Sequence[int]], pad_id: int = 0, device="cpu", dtype=torch.long
        ) -> tuple[torch.Tensor, torch.Tensor]:
    """(ids (B, longest) filled with ``pad_id`` after each sequence, lengths (B,) on the CPU)."""
    lengths = torch.tensor([len(s) for s in seqs])
    ids = torch.full((len(seqs), int(lengths.max()) if len(seqs) else 0), pad_id, dtype=dtype)
    for row, s in enumerate(seqs):
        ids[row, : len(s)] = torch.as_tensor(s, dtype=dtype)
    return ids.to(device), lengths


def by_length(lengths: Sequence[int], size: int) -> Iterator[list[int]]:
    """Indices in chunks of at most ``size``, shortest first: batches with little padding and
    bounded memory, however many inputs come."""
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    for start in range(0, len(order), size):
        yield order[start:start + size]
