"""A global quantile LSTM: an ensemble of small LSTMs, each reading a scaled window of the series
and emitting every quantile of every step ahead at once (direct multi-horizon, as MQ-RNN does:
no feedback of its own forecasts, so errors do not compound). The members' quantiles are
averaged and sorted, so quantiles never cross."""
from __future__ import annotations

import torch
from torch import nn


class Member(nn.Module):
    def __init__(self, features: int, hidden: int, layers: int, outputs: int, dropout: float):
        super().__init__()
        self.lstm = nn.LSTM(features, hidden, layers, batch_first=True, dropout=dropout if layers > 1 else 0.0)
        self.head = nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, outputs))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


class QuantileLSTM(nn.Module):
    def __init__(self, horizon: int = 18, quantiles: int = 15, members: int = 5, hidden: int = 64,
                 layers: int = 2, features: int = 2, dropout: float = 0.1):
        super().__init__()
        self.horizon, self.n_quantiles = horizon, quantiles
        self._member_args = (features, hidden, layers, horizon * quantiles, dropout)
        self.members = nn.ModuleList(self.new_member() for _ in range(members))

    def new_member(self) -> Member:
        """A freshly initialised member (training restarts one that collapsed)."""
        return Member(*self._member_args)

    def member_forward(self, i: int, x: torch.Tensor) -> torch.Tensor:
        return self.members[i](x).view(-1, self.horizon, self.n_quantiles)

    def forward(self, x: torch.Tensor, members: int | None = None) -> torch.Tensor:
        """``x``: (batch, window, features) -> sorted quantiles (batch, horizon, quantiles);
        ``members``: only the first n (to score an ensemble as it grows)."""
        n = len(self.members) if members is None else members
        out = torch.stack([self.member_forward(i, x) for i in range(n)]).mean(0)
        return out.sort(dim=-1).values
