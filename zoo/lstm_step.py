"""One step of a stacked LSTM for decoding: the fast path of every generating task.

Generation (characters, translation) feeds one token per step with a kept state. Calling
``nn.LSTM`` once per step is slow on the CPU (the oneDNN path re-prepares weights on every call;
7.4 ms per step for a 2x512 LSTM on a 2-core CPU; row (b) of BENCHMARKS.md's chargen speed table
times that loop). At batch 1 a step is bound by reading
the weights once, plus Python's per-op overhead, so this module:

- precomputes, per layer, the weight over ``[x, h]`` (``[W_ih | W_hh]``) and the summed bias, so a
  layer is one matrix-vector product plus the gate nonlinearities;
- with ``embedding=``, folds the embedding into the first layer: ``E @ W_ih0^T + b`` is a table
  with one row per token, so the first layer reads only ``W_hh0`` and takes token ids;
- orders the gates ``[i, f, o, g]`` and stores the cell gate doubled, so one sigmoid covers all
  four (``tanh(x) = 2 sigmoid(2x) - 1``);
- with ``int8=True`` (CPU), stores weights as int8 with one scale per output row and multiplies
  with fbgemm's dynamic-quantized linear: a quarter of the bytes read per step. Inputs are
  quantized over the fixed range [-1, 1] (every input is an LSTM output), so a row's result does
  not depend on the other rows of its batch: continuous batching changes no stream's text;
- runs the whole step as one TorchScript function: at batch 1 Python's per-op overhead is as
  large as the arithmetic, and the script runs the same ops without it (about 1.4x faster
  here). ``torch.jit`` is deprecated but works in the pinned torch; if scripting ever fails, the
  same step runs eagerly (``LSTMStep.scripted`` says which), and tests check both against
  ``nn.LSTM``.

It takes its weights from an ``nn.LSTM`` (unidirectional, no projections), so a checkpoint stays
an ordinary ``nn.LSTM`` state dict and the full-sequence path (training, prefixes) keeps cuDNN.
The state is a list of ``(h, c)`` per layer, each ``(B, H)``: no stacking per step.
"""
from __future__ import annotations

import functools
import logging
import warnings
from typing import List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

State = list[tuple[torch.Tensor, torch.Tensor]]
log = logging.getLogger(__name__)


def _gates_to_state(g: torch.Tensor, c: torch.Tensor, H: int) -> Tuple[torch.Tensor, torch.Tensor]:
    # The cell gate's rows are stored doubled, so one sigmoid covers all four gates:
    # tanh(x) = 2 * sigmoid(2x) - 1 (tanh costs twice a sigmoid here, and a batch pays it per row).
    s = torch.sigmoid(g)
    c = torch.addcmul(s[:, H: 2 * H] * c, s[:, :H], s[:, 3 * H:] * 2.0 - 1.0)
    return s[:, 2 * H: 3 * H] * torch.tanh(c), c


def _step_float(x: torch.Tensor, hs: List[torch.Tensor], cs: List[torch.Tensor], table: Optional[torch.Tensor],
                weights: List[torch.Tensor], biases: List[Optional[torch.Tensor]]
                ) -> Tuple[torch.Tensor, List[torch.Tensor], List[torch.Tensor]]:
    H = hs[0].shape[1]
    new_h: List[torch.Tensor] = []
    new_c: List[torch.Tensor] = []
    inp = x
    for i in range(len(weights)):
        if i == 0 and table is not None:
            g = torch.nn.functional.linear(hs[0], weights[0], biases[0]) + table.index_select(0, x)
        else:
            g = torch.nn.functional.linear(torch.cat([inp, hs[i]], 1), weights[i], biases[i])
        inp, c = _gates_to_state(g, cs[i], H)
        new_h.append(inp)
        new_c.append(c)
    return inp, new_h, new_c


def _step_int8(x: torch.Tensor, hs: List[torch.Tensor], cs: List[torch.Tensor], table: Optional[torch.Tensor],
               packed: List[torch.classes.quantized.LinearPackedParamsBase], anchor: torch.Tensor
               ) -> Tuple[torch.Tensor, List[torch.Tensor], List[torch.Tensor]]:
    # fbgemm quantizes the whole input with one scale taken from its min and max, so a row's result
    # would depend on the rows batched with it. Every input here is an LSTM output, in [-1, 1]; two
    # more columns holding -1 and 1 (their weights are zero) fix the range, and with it each row's
    # result (integer products are exact): a stream gets the same numbers alone or batched.
    H = hs[0].shape[1]
    ends = anchor.expand(hs[0].shape[0], 2)
    new_h: List[torch.Tensor] = []
    new_c: List[torch.Tensor] = []
    inp = x
    for i, p in enumerate(packed):
        if i == 0 and table is not None:
            g = torch.ops.quantized.linear_dynamic(torch.cat([hs[0], ends], 1), p, True) + table.index_select(0, x)
        else:
            g = torch.ops.quantized.linear_dynamic(torch.cat([inp, hs[i], ends], 1), p, True)
        inp, c = _gates_to_state(g, cs[i], H)
        new_h.append(inp)
        new_c.append(c)
    return inp, new_h, new_c


@functools.cache
def _scripted(kind: str):
    """The TorchScript version of a step function, or None where scripting fails."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # see the module docstring
            return torch.jit.script(_step_int8 if kind == "int8" else _step_float)
    except Exception as exc:  # noqa: BLE001 - any failure means: run eagerly
        log.warning("TorchScript is unavailable for the %s LSTM step (%s); running it eagerly", kind, exc)
        return None


def int8_available() -> bool:
    return any(e in torch.backends.quantized.supported_engines for e in ("x86", "fbgemm"))


class _Int8Linear:
    """``x @ W^T + b`` with W stored as per-row symmetric int8 (fbgemm dynamic quantization).

    The quantized-tensor API is deprecated in favour of torchao, which has no fast batch-1 CPU
    kernel; torch is pinned (requirements.txt), and tests check this path against fp32."""

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None):
        weight = weight.detach().float().cpu()
        scales = (weight.abs().amax(dim=1) / 127).clamp_min(1e-12).double()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            q = torch.quantize_per_channel(weight, scales, torch.zeros(len(scales), dtype=torch.long), 0, torch.qint8)
            self.packed = torch.ops.quantized.linear_prepack(q, None if bias is None else bias.detach().float().cpu())
        self.nbytes = weight.numel() + scales.numel() * 4


class _Linear:
    def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None):
        self.weight = weight.detach().contiguous()
        self.bias = None if bias is None else bias.detach().contiguous()
        self.nbytes = self.weight.numel() * self.weight.element_size()


class LSTMStep(nn.Module):
    def __init__(self, lstm: nn.LSTM, embedding: nn.Embedding | None = None, int8: bool = False,
                 script: bool = True):
        super().__init__()
        if lstm.bidirectional or lstm.proj_size:
            raise ValueError("LSTMStep needs a unidirectional nn.LSTM without projections")
        if int8 and not int8_available():
            raise ValueError("int8 steps need PyTorch's x86/fbgemm quantized engine (CPU)")
        if int8 and lstm.weight_hh_l0.device.type != "cpu":
            raise ValueError("int8 steps run on the CPU; use the float step on other devices")
        self.num_layers = lstm.num_layers
        self.hidden_size = H = lstm.hidden_size
        self.int8 = int8
        # PyTorch's gate order is [i, f, g, o]; ours is [i, f, o, g].
        order = torch.cat([torch.arange(0, 2 * H), torch.arange(3 * H, 4 * H), torch.arange(2 * H, 3 * H)])
        order = order.to(lstm.weight_hh_l0.device)
        self.table = None
        self.linears = []
        with torch.no_grad():
            for layer in range(lstm.num_layers):
                w_ih = getattr(lstm, f"weight_ih_l{layer}")[order].float()
                w_hh = getattr(lstm, f"weight_hh_l{layer}")[order].float()
                if lstm.bias:
                    bias = (getattr(lstm, f"bias_ih_l{layer}") + getattr(lstm, f"bias_hh_l{layer}"))[order].float()
                else:
                    bias = torch.zeros(4 * H, device=w_ih.device)
                # The cell gate doubled (see _gates_to_state); exact: a power of two.
                w_ih, w_hh, bias = (t.clone() for t in (w_ih, w_hh, bias))
                for t in (w_ih, w_hh, bias):
                    t[3 * H:] *= 2
                if layer == 0 and embedding is not None:
                    self.table = F.linear(embedding.weight.float(), w_ih, bias)  # (vocab, 4H)
                    weight, bias = w_hh, None
                else:
                    weight = torch.cat([w_ih, w_hh], dim=1)  # (4H, in + H)
                if int8:  # two zero columns for the range-fixing inputs (see _step_int8)
                    weight = torch.cat([weight, weight.new_zeros(weight.shape[0], 2)], dim=1)
                self.linears.append((_Int8Linear if int8 else _Linear)(weight, bias))
        # One step function, scripted where TorchScript works, else the same Python function.
        eager = _step_int8 if int8 else _step_float
        self._step = (_scripted("int8" if int8 else "float") if script else None) or eager
        self.scripted = self._step is not eager
        if int8:
            self._weights = ([lin.packed for lin in self.linears], torch.tensor([[-1.0, 1.0]]))
        else:
            self._weights = ([lin.weight for lin in self.linears], [lin.bias for lin in self.linears])

    @property
    def weight_bytes(self) -> int:
        """Bytes of weights one step reads (the token table contributes one row: negligible)."""
        return sum(lin.nbytes for lin in self.linears)

    def initial_state(self, batch: int, like: torch.Tensor) -> State:
        zeros = torch.zeros(batch, self.hidden_size, device=like.device, dtype=torch.float32)
        return [(zeros, zeros) for _ in range(self.num_layers)]

    @staticmethod
    def from_lstm_state(state: tuple[torch.Tensor, torch.Tensor]) -> State:
        """nn.LSTM's ``(h, c)``, each (layers, B, H), as a per-layer list."""
        h, c = state
        return [(h[i].float(), c[i].float()) for i in range(h.shape[0])]

    @staticmethod
    def to_lstm_state(state: State) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.stack([h for h, _ in state]), torch.stack([c for _, c in state])

    def forward(self, x: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        """``x``: token ids (B,) when built with an embedding, else inputs (B, in).
        Returns (top layer output (B, H), new state)."""
        out, hs, cs = self._step(x, [h for h, _ in state], [c for _, c in state], self.table, *self._weights)
        return out, list(zip(hs, cs))


def cached_step(module: nn.Module, lstm: nn.LSTM, embedding: nn.Embedding | None, int8: bool) -> LSTMStep:
    """``module``'s one-step LSTM of this kind, built once from its loaded weights and kept out of
    the module tree (never saved, never double-counted)."""
    steps = module.__dict__.setdefault("_lstm_steps", {})
    if int8 not in steps:
        steps[int8] = LSTMStep(lstm, embedding=embedding, int8=int8)
    return steps[int8]
