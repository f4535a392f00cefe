"""A multi-layer character LSTM language model."""
from __future__ import annotations

import torch.nn as nn

from zoo.lstm_step import LSTMStep, cached_step, int8_available


class CharLSTM(nn.Module):
    def __init__(self, vocab_size: int, embedding_dim: int = 64, hidden_size: int = 512, num_layers: int = 2,
                 dropout: float = 0.1):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_size, num_layers=num_layers, batch_first=True,
                            dropout=dropout if num_layers > 1 else 0.0)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, ids, state=None):
        out, state = self.lstm(self.embedding(ids), state)
        return self.head(self.dropout(out)), state

    def stepper(self, int8: bool | None = None) -> LSTMStep:
        """The one-step LSTM for generation, ending with the output layer (it returns logits). By
        default int8 on the CPU, where a step is bound by reading the weights; float on accelerators."""
        if int8 is None:
            int8 = self.head.weight.device.type == "cpu" and int8_available()
        return cached_step(self, self.lstm, self.embedding, int8, head=self.head)
