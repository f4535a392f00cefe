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
  four (``tanh(x) = 2 sigmoid(2x) - 1``), and computes the cell's tanh the same way (torch's tanh
  costs several sigmoids);
- with ``int8=True`` (CPU; the embedding folded in), stores weights as int8 with one scale per
  output row and multiplies with fbgemm: a quarter of the bytes read per step. Every input is an
  LSTM output, in [-1, 1], so inputs are quantized over that fixed range (scale 1/63, zero point
  64: 7 bits, safe from the int16 saturation of pre-VNNI kernels). A row's result then does not
  depend on the other rows of its batch (integer products are exact): continuous batching
  changes no stream's text;
- with ``head=`` (a ``nn.Linear`` over the top layer's output), the step ends with it and returns
  logits: generation reads out every step, and inside the step it costs no extra Python call
  (int8 too, over the same fixed range, so sampling is row-independent as well);
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

# The part of this module that plugins use (docs/plugins.md, "The plugin API").
__all__ = ["LSTMStep", "State", "cached_step", "int8_available"]

State = list[tuple[torch.Tensor, torch.Tensor]]
log = logging.getLogger(__name__)


def _gates_to_state(g: torch.Tensor, c: torch.Tensor, H: int) -> Tuple[torch.Tensor, torch.Tensor]:
    # No tanh: tanh(x) = 2 sigmoid(2x) - 1, and torch's tanh costs several sigmoids per element (a
    # batch pays it per row). The cell gate's rows are stored doubled, so one sigmoid covers all
    # four gates, and c' = f c + i tanh(x_g) = (f c - i) + 2 i sigmoid(2 x_g): one fused op.
    # h = o tanh(c') = 2 o sigmoid(2c') - o, the same way.
    s = torch.sigmoid(g)
    i = s[:, :H]
    o = s[:, 2 * H: 3 * H]
    c = torch.addcmul(s[:, H: 2 * H] * c - i, i, s[:, 3 * H:], value=2.0)
    return torch.addcmul(-o, o, torch.sigmoid(c * 2.0), value=2.0), c


def _step_float(x: torch.Tensor, hs: List[torch.Tensor], cs: List[torch.Tensor], table: Optional[torch.Tensor],
                weights: List[torch.Tensor], biases: List[Optional[torch.Tensor]], head: List[torch.Tensor]
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
    if len(head) == 2:  # [weight, bias]
        inp = torch.nn.functional.linear(inp, head[0], head[1])
    return inp, new_h, new_c


def _step_int8(x: torch.Tensor, hs: List[torch.Tensor], cs: List[torch.Tensor], table: torch.Tensor,
               packed: List[torch.classes.quantized.LinearPackedParamsBase],
               head: List[torch.classes.quantized.LinearPackedParamsBase]
               ) -> Tuple[torch.Tensor, List[torch.Tensor], List[torch.Tensor]]:
    # Inputs quantized over the fixed range [-1, 1] (scale 1/63, zero point 64; see the module
    # docstring), so each row's result is the same alone or batched.
    H = hs[0].shape[1]
    new_h: List[torch.Tensor] = []
    new_c: List[torch.Tensor] = []
    inp = x
    for i, p in enumerate(packed):
        if i == 0:
            g = torch.ops.quantized.linear_with_input_q_dq_qweight_dq_output_fp32(hs[0], 1.0 / 63, 64, p)
            g = g + table.index_select(0, x)
        else:
            g = torch.ops.quantized.linear_with_input_q_dq_qweight_dq_output_fp32(
                torch.cat([inp, hs[i]], 1), 1.0 / 63, 64, p)
        inp, c = _gates_to_state(g, cs[i], H)
        new_h.append(inp)
        new_c.append(c)
    for p in head:
        inp = torch.ops.quantized.linear_with_input_q_dq_qweight_dq_output_fp32(inp, 1.0 / 63, 64, p)
    return inp, new_h, new_c


def _run_int8(logits: torch.Tensor, noise: torch.Tensor, hs: List[torch.Tensor], cs: List[torch.Tensor],
              table: torch.Tensor, packed: List[torch.classes.quantized.LinearPackedParamsBase],
              head: List[torch.classes.quantized.LinearPackedParamsBase]
              ) -> Tuple[torch.Tensor, torch.Tensor, List[torch.Tensor], List[torch.Tensor]]:
    ids: List[torch.Tensor] = []
    for i in range(noise.shape[0]):
        x = torch.argmax(logits + noise[i], -1)
        ids.append(x)
        logits, hs, cs = _step_int8(x, hs, cs, table, packed, head)
    return torch.stack(ids), logits, hs, cs


def _run_float(logits: torch.Tensor, noise: torch.Tensor, hs: List[torch.Tensor], cs: List[torch.Tensor],
               table: Optional[torch.Tensor], weights: List[torch.Tensor], biases: List[Optional[torch.Tensor]],
               head: List[torch.Tensor]) -> Tuple[torch.Tensor, torch.Tensor, List[torch.Tensor], List[torch.Tensor]]:
    ids: List[torch.Tensor] = []
    for i in range(noise.shape[0]):
        x = torch.argmax(logits + noise[i], -1)
        ids.append(x)
        logits, hs, cs = _step_float(x, hs, cs, table, weights, biases, head)
    return torch.stack(ids), logits, hs, cs


_FUNCTIONS = {"int8": _step_int8, "float": _step_float, "run_int8": _run_int8, "run_float": _run_float}


@functools.cache
def _scripted(kind: str):
    """The TorchScript version of a step (or run) function, or None where scripting fails."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # see the module docstring
            return torch.jit.script(_FUNCTIONS[kind])
    except Exception as exc:  # noqa: BLE001 - any failure means: run eagerly
        log.warning("TorchScript is unavailable for the %s LSTM step (%s); running it eagerly", kind, exc)
        return None


def int8_available() -> bool:
    return (any(e in torch.backends.quantized.supported_engines for e in ("x86", "fbgemm"))
            and hasattr(torch.ops.quantized, "linear_with_input_q_dq_qweight_dq_output_fp32"))


class _Int8Linear:
    """``x @ W^T + b`` for x in [-1, 1], with W stored as per-row symmetric int8 (fbgemm).

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
                 script: bool = True, head: nn.Linear | None = None):
        super().__init__()
        if lstm.bidirectional or lstm.proj_size:
            raise ValueError("LSTMStep needs a unidirectional nn.LSTM without projections")
        if int8 and embedding is None:
            raise ValueError("int8 steps take token ids (embedding=): their inputs must lie in [-1, 1]")
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
                self.linears.append((_Int8Linear if int8 else _Linear)(weight, bias))
        # One step function, scripted where TorchScript works, else the same Python function.
        kind = "int8" if int8 else "float"
        self._step = (_scripted(kind) if script else None) or _FUNCTIONS[kind]
        self._run = (_scripted("run_" + kind) if script else None) or _FUNCTIONS["run_" + kind]
        self.scripted = self._step is not _FUNCTIONS[kind]
        if head is not None:
            head_bias = head.bias if head.bias is not None else head.weight.new_zeros(head.out_features)
            head = (_Int8Linear if int8 else _Linear)(head.weight.float(), head_bias.float())
        self.head = head
        if int8:
            self._weights = ([lin.packed for lin in self.linears], [] if head is None else [self.head.packed])
        else:
            self._weights = ([lin.weight for lin in self.linears], [lin.bias for lin in self.linears],
                             [] if head is None else [head.weight, head.bias])

    @property
    def weight_bytes(self) -> int:
        """Bytes of weights one step reads, head included (the token table contributes one row:
        negligible)."""
        return sum(lin.nbytes for lin in self.linears) + (self.head.nbytes if self.head else 0)

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

    def read_out(self, hidden: torch.Tensor) -> torch.Tensor:
        """The head over top-layer outputs (B, H) computed elsewhere (the prime's last one), with
        the same arithmetic as the step's."""
        if self.int8:
            return torch.ops.quantized.linear_with_input_q_dq_qweight_dq_output_fp32(
                hidden.float(), 1.0 / 63, 64, self.head.packed)
        return F.linear(hidden.float(), self.head.weight, self.head.bias)

    def forward(self, x: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        """``x``: token ids (B,) when built with an embedding, else inputs (B, in).
        Returns (the head's logits (B, V) when built with ``head=``, else the top layer's output
        (B, H); the new state)."""
        out, hs, cs = self._step(x, [h for h, _ in state], [c for _, c in state], self.table, *self._weights)
        return out, list(zip(hs, cs))

    def sample_run(self, logits: torch.Tensor, noise: torch.Tensor, state: State
                   ) -> tuple[torch.Tensor, torch.Tensor, State]:
        """``len(noise)`` steps of Gumbel-max sampling (needs ``head=`` and token ids): each step
        feeds ``argmax(logits + noise[i])`` and reads out the next logits. One call for the whole
        run, so Python (and its lock, which a busy server thread can hold for milliseconds before
        giving it back) is entered once per run, not per step. Returns (ids (steps, B), the last
        logits, the new state)."""
        ids, logits, hs, cs = self._run(logits, noise, [h for h, _ in state], [c for _, c in state], self.table,
                                        *self._weights)
        return ids, logits, list(zip(hs, cs))


def cached_step(module: nn.Module, lstm: nn.LSTM, embedding: nn.Embedding | None, int8: bool,
                head: nn.Linear | None = None) -> LSTMStep:
    """``module``'s one-step LSTM of this kind, built once from its loaded weights and kept out of
    the module tree (never saved, never double-counted)."""
    steps = module.__dict__.setdefault("_lstm_steps", {})
    if int8 not in steps:
        steps[int8] = LSTMStep(lstm, embedding=embedding, int8=int8, head=head)
    return steps[int8]
