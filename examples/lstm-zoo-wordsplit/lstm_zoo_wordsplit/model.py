"""A bidirectional character LSTM that scores, for each character, "a word starts here"."""
from __future__ import annotations

import torch
from torch import nn


class Splitter(nn.Module):
    def __init__(self, vocab: int, embedding: int = 32, hidden: int = 96, layers: int = 2):
        super().__init__()
        self.embed = nn.Embedding(vocab, embedding, padding_idx=0)
        self.lstm = nn.LSTM(embedding, hidden, num_layers=layers, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden, 1)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """ids (batch, time) -> boundary logits (batch, time); padding is packed away."""
        packed = nn.utils.rnn.pack_padded_sequence(self.embed(ids), lengths.cpu(), batch_first=True,
                                                   enforce_sorted=False)
        out, _ = self.lstm(packed)
        out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=ids.shape[1])
        return self.out(out).squeeze(-1)
