"""A global quantile LSTM: an ensemble of small LSTMs, each reading a scaled window of the series
and emitting every quantile of every step ahead at once (direct multi-horizon, as MQ-RNN does:
no feedback of its own forecasts, so errors do not compound). The members' quantiles are
averaged and sorted, so quantiles never cross.

A network may also read statistical partners' forecasts of the same series (``reads``, scaled as
its targets are): its head then sees them beside the LSTM's state, and its quantiles are residuals
around their mean, so it learns when and how far to correct them rather than the whole forecast."""
from __future__ import annotations

import numpy as np
import torch
from torch import nn


def model_inputs(encs: list[dict], horizon: int, dtype=torch.float32, device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """The network's (values, partners) for the preprocessor's encodings: (batch, window, features)
    and (batch, reads, horizon), reads 0 where the encodings hold no partners."""
    x = torch.tensor(np.stack([e["inputs"] for e in encs]), dtype=dtype, device=device)
    reads = [np.asarray(e.get("partners", np.zeros((0, horizon)))) for e in encs]
    return x, torch.tensor(np.stack(reads), dtype=dtype, device=device)


class Member(nn.Module):
    def __init__(self, features: int, hidden: int, layers: int, outputs: int, dropout: float, read: int = 0):
        super().__init__()
        self.lstm = nn.LSTM(features, hidden, layers, batch_first=True, dropout=dropout if layers > 1 else 0.0)
        self.head = nn.Sequential(nn.Linear(hidden + read, hidden), nn.ReLU(), nn.Linear(hidden, outputs))

    def forward(self, x: torch.Tensor, partners: torch.Tensor | None = None) -> torch.Tensor:
        out, _ = self.lstm(x)
        state = out[:, -1]
        return self.head(state if partners is None else torch.cat([state, partners.flatten(1)], 1))


class QuantileLSTM(nn.Module):
    def __init__(self, horizon: int = 18, quantiles: int = 15, members: int = 5, hidden: int = 64,
                 layers: int = 2, features: int = 2, dropout: float = 0.1, reads: int = 0):
        super().__init__()
        self.horizon, self.n_quantiles, self.reads = horizon, quantiles, int(reads)
        self._member_args = (features, hidden, layers, horizon * quantiles, dropout, self.reads * horizon)
        self.members = nn.ModuleList(self.new_member() for _ in range(members))

    def new_member(self) -> Member:
        """A freshly initialised member (training restarts one that collapsed)."""
        return Member(*self._member_args)

    def member_forward(self, i: int, x: torch.Tensor, partners: torch.Tensor | None = None) -> torch.Tensor:
        """``partners``: (batch, reads, horizon), the partners' scaled forecasts (networks that read them)."""
        if not self.reads:
            return self.members[i](x).view(-1, self.horizon, self.n_quantiles)
        if partners is None or partners.shape[1:] != (self.reads, self.horizon):
            raise ValueError(f"this network reads {self.reads} partner forecasts of {self.horizon} steps, got "
                             f"{None if partners is None else tuple(partners.shape[1:])}")
        out = self.members[i](x, partners).view(-1, self.horizon, self.n_quantiles)
        return out + partners.mean(1)[:, :, None]

    def forward(self, x: torch.Tensor, partners: torch.Tensor | None = None, members: int | None = None) -> torch.Tensor:
        """``x``: (batch, window, features) -> sorted quantiles (batch, horizon, quantiles);
        ``members``: only the first n (to score an ensemble as it grows)."""
        n = len(self.members) if members is None else members
        out = torch.stack([self.member_forward(i, x, partners) for i in range(n)]).mean(0)
        return out.sort(dim=-1).values
