"""A multi-layer character LSTM language model (work in progress for issue 3)."""
from __future__ import annotations

import torch
import torch.nn as nn


class CharLSTM(nn.Module):
    def __init__(self, vocab_size: int, embedding_dim: int = 64, hidden_size: int = 512, num_layers: int = 2,
                 dropout: float = 0.1):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_size, num_layers=num_layers, batch_first=True,
                            dropout=dropout if num_layers > 1 else 0.0)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, ids: torch.Tensor, state=None):
        out, state = self.lstm(self.embedding(ids), state)
        return self.head(self.dropout(out)), state

    def stepper(self):
        """The fused one-step LSTM for generation, built once from the loaded weights (kept out of
        the module tree, so it is never saved and never double-counted)."""
        step = self.__dict__.get("_step")
        if step is None:
            from zoo.lstm_step import LSTMStep

            step = LSTMStep(self.lstm)
            self.__dict__["_step"] = step
        return step
