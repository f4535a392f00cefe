"""A (bi)LSTM sentence classifier whose decision decomposes exactly over tokens.

The head is linear on a pooled summary of the LSTM states (max, mean, max+mean or attention),
so each label's logit is ``bias + sum over time steps of a per-step term``. ``explain`` returns
those per-step terms: the token contributions shown to users add up to the model's logits.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

POOLINGS = ("max", "mean", "maxmean", "attention")


class LSTMClassifier(nn.Module):
    def __init__(self, vocab_size: int, embedding_dim: int = 300, hidden_size: int = 256, num_layers: int = 1,
                 bidirectional: bool = True, pooling: str = "maxmean", num_labels: int = 2, pad_id: int = 0,
                 dropout: float = 0.5, embedding_dropout: float = 0.3, lstm_dropout: float = 0.3):
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
        self.pooling = pooling
        self.pad_id = pad_id
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=pad_id)
        self.lstm = nn.LSTM(embedding_dim, hidden_size, num_layers=num_layers, batch_first=True,
                            bidirectional=bidirectional, dropout=lstm_dropout if num_layers > 1 else 0.0)
        width = hidden_size * (2 if bidirectional else 1)
        if pooling == "attention":
            self.attention = nn.Linear(width, 1)
        self.embedding_dropout = nn.Dropout(embedding_dropout)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(width * (2 if pooling == "maxmean" else 1), num_labels)

    def states(self, ids: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """LSTM outputs (B, T, D) and the mask of real tokens (B, T)."""
        x = self.embedding_dropout(self.embedding(ids))
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, _ = self.lstm(packed)
        out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=ids.shape[1])
        return out, ids != self.pad_id

    def _step_terms(self, h: torch.Tensor, mask: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """[(per-step features (B, T, D), head weight slice (C, D))]: the pooled vector is the sum
        over T of the per-step features, so logits = bias + sum_t features_t @ W.T."""
        m = mask.unsqueeze(-1).to(h.dtype)
        d = h.shape[-1]
        terms = []
        if self.pooling in ("max", "maxmean"):
            masked = h.masked_fill(~mask.unsqueeze(-1), torch.finfo(h.dtype).min)
            winner = masked.argmax(dim=1, keepdim=True)  # (B, 1, D): the step each feature came from
            onehot = torch.zeros_like(h).scatter_(1, winner, 1.0)
            terms.append((onehot * h, self.head.weight[:, :d]))
        if self.pooling in ("mean", "maxmean"):
            terms.append((h * m / m.sum(1, keepdim=True).clamp(min=1), self.head.weight[:, -d:]))
        if self.pooling == "attention":
            scores = self.attention(h).squeeze(-1).masked_fill(~mask, torch.finfo(h.dtype).min)
            weights = scores.softmax(dim=1).unsqueeze(-1)
            terms.append((weights * h, self.head.weight))
        return terms

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        h, mask = self.states(ids, lengths)
        pooled = torch.cat([feats.sum(1) for feats, _ in self._step_terms(h, mask)], dim=-1)
        return self.head(self.dropout(pooled))

    def explain(self, ids: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(logits (B, C), contributions (B, T, C)) with logits == bias + contributions.sum(1)."""
        h, mask = self.states(ids, lengths)
        contributions = sum(F.linear(feats, weight) for feats, weight in self._step_terms(h, mask))
        contributions = contributions * mask.unsqueeze(-1)
        return contributions.sum(1) + self.head.bias, contributions
