"""One step of a stacked LSTM for decoding, fused for small batches.

Generation (characters, translation) feeds one token per step with a kept state. Calling
``nn.LSTM`` once per step is slow on the CPU (the oneDNN path re-prepares weights on every call;
see shared/toolchain.md: 7.4 ms per step for a 2x512 LSTM); this module precomputes, per layer,
the concatenated weight ``[W_ih | W_hh]`` (transposed, contiguous) and the summed bias, so a step
is one ``addmm`` over ``[x, h]`` plus the gate nonlinearities: every weight is read once.

It takes its weights from an ``nn.LSTM`` (unidirectional, no projections), so a checkpoint stays
an ordinary ``nn.LSTM`` state dict and the full-sequence path (training, prefixes) keeps cuDNN.
"""
from __future__ import annotations

import torch
import torch.nn as nn


class LSTMStep(nn.Module):
    def __init__(self, lstm: nn.LSTM):
        super().__init__()
        if lstm.bidirectional or lstm.proj_size:
            raise ValueError("LSTMStep needs a unidirectional nn.LSTM without projections")
        self.num_layers = lstm.num_layers
        self.hidden_size = lstm.hidden_size
        for layer in range(lstm.num_layers):
            w_ih = getattr(lstm, f"weight_ih_l{layer}")
            w_hh = getattr(lstm, f"weight_hh_l{layer}")
            weight = torch.cat([w_ih, w_hh], dim=1).t().contiguous()  # (in + H, 4H)
            if lstm.bias:
                bias = getattr(lstm, f"bias_ih_l{layer}") + getattr(lstm, f"bias_hh_l{layer}")
            else:
                bias = torch.zeros(4 * lstm.hidden_size, dtype=w_ih.dtype, device=w_ih.device)
            # Buffers, not parameters: derived copies for inference, never saved or trained.
            self.register_buffer(f"weight_{layer}", weight.detach().clone(), persistent=False)
            self.register_buffer(f"bias_{layer}", bias.detach().clone(), persistent=False)

    def initial_state(self, batch: int, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        zeros = like.new_zeros(self.num_layers, batch, self.hidden_size)
        return zeros, zeros.clone()

    def forward(self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]):
        """``x`` (B, input), ``state`` = (h, c), each (layers, B, H), as nn.LSTM's.
        Returns (top layer output (B, H), (h, c))."""
        h0, c0 = state
        hs, cs = [], []
        inp = x
        for layer in range(self.num_layers):
            gates = torch.addmm(getattr(self, f"bias_{layer}"), torch.cat([inp, h0[layer]], dim=1),
                                getattr(self, f"weight_{layer}"))
            i, f, g, o = gates.chunk(4, dim=1)
            c = torch.sigmoid(f) * c0[layer] + torch.sigmoid(i) * torch.tanh(g)
            inp = torch.sigmoid(o) * torch.tanh(c)
            hs.append(inp)
            cs.append(c)
        return inp, (torch.stack(hs), torch.stack(cs))
