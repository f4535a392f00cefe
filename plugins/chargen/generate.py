"""Sampling from the character LSTM, one stream or many batched together.

A ``Generation`` is one request's stream. Its prime runs through the full ``nn.LSTM`` in chunks
of ``PREFILL_CHUNK`` characters (``prefill``: a long prime never holds up other streams for long),
then ``advance`` moves any number of generations by one character in one batched step through
the fast step (``zoo.lstm_step``), with each stream's state kept: the prefix is never re-run.

Sampling is Gumbel-max (the argmax of ``logits + temperature * noise``: the same distribution as
softmax sampling), with each stream's noise drawn in blocks from its own seeded generator. Every
batched operation is row-independent (the int8 step quantizes over a fixed range, the output
layer is a batched matrix product per row), so a seed gives the same text alone or batched.
"""
from __future__ import annotations

from typing import Iterator

import torch

from zoo.lstm_step import LSTMStep
from zoo.task import StreamSequence, run_alone

NOISE_BLOCK = 256
PREFILL_CHUNK = 512
DECODE_EVERY = 16  # steps between decoding ids into text (and checking stop strings)


def filter_logits(logits: torch.Tensor, top_k: int, top_p: float) -> torch.Tensor:
    """Logits with everything outside top-k / the top-p nucleus set to -inf."""
    if 0 < top_k < logits.shape[-1]:
        kth = torch.topk(logits, top_k, dim=-1).values[..., -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p < 1.0:
        sorted_logits, order = torch.sort(logits, descending=True, dim=-1)
        probs = sorted_logits.softmax(-1)
        # Drop a token when the tokens before it already reach top_p (the first always stays).
        drop = probs.cumsum(-1) - probs >= top_p
        logits = logits.masked_fill(drop.scatter(-1, order, drop), float("-inf"))
    return logits


def gumbel_block(generator: torch.Generator, batch: int, vocab: int, device) -> torch.Tensor:
    """Gumbel(0, 1) noise for the next ``NOISE_BLOCK`` steps, (steps, batch, vocab)."""
    noise = torch.empty(NOISE_BLOCK, batch, vocab, device=device).exponential_(generator=generator)
    return noise.log_().neg_()


class _Head:
    """The output layer as a per-row product (``baddbmm``: row i never depends on row j), with the
    unknown-character id masked; built once per model."""

    def __init__(self, model):
        self.weight_t = model.head.weight.detach().float().t().contiguous()  # (H, V)
        bias = model.head.bias.detach().float().clone()
        bias[0] = float("-inf")  # never emit the unknown-character id
        self.bias = bias.view(1, 1, -1)

    def __call__(self, hidden: torch.Tensor) -> torch.Tensor:
        rows = hidden.shape[0]
        return torch.baddbmm(self.bias.expand(rows, 1, -1), hidden.unsqueeze(1),
                             self.weight_t.expand(rows, -1, -1)).squeeze(1)


class Generation(StreamSequence):
    """One stream: ``num_samples`` continuations of one prime (rows of the batch). ``result()``
    is ``to_result(texts)`` (the task's result dict), or the texts themselves."""

    def __init__(self, model, vocab, prime_ids: list[int], *, max_new_chars: int, temperature: float, top_k: int,
                 top_p: float, seed: int, num_samples: int, stop: str, step: LSTMStep | None = None,
                 to_result=None):
        self.to_result = to_result or (lambda texts: texts)
        self.model, self.vocab, self.stepper = model, vocab, step or model.stepper()
        self.device = model.head.weight.device
        self.max_new_chars, self.temperature, self.top_k, self.top_p = max_new_chars, temperature, top_k, top_p
        self.stop, self.rows = stop, num_samples
        self.generator = torch.Generator(device=self.device).manual_seed(seed)
        self.prime = torch.tensor(prime_ids, device=self.device).repeat(num_samples, 1)
        self.filtering = temperature > 0 and (0 < top_k < model.head.out_features or top_p < 1.0)
        self.plain = temperature > 0 and not self.filtering  # the common case, sampled in one op for all
        self.read = 0  # prime characters read so far
        self.lstm_state = None
        self.hidden: torch.Tensor | None = None  # (rows, H): the top layer's last output
        self.state = None  # per layer (h, c), each (rows, H)
        self.t = 0  # characters generated
        self.noise = None
        self.pending: list[list[int]] = []  # ids not yet decoded, one list per step
        self.texts = [""] * num_samples
        self.finished = [False] * num_samples
        self.ready = self.done = False
        self.batch: _Batch | None = None  # set while its state lives in a batch, at rows offset:offset+rows
        self.offset = 0

    def result(self):
        return self.to_result(list(self.texts))

    def unbatch(self) -> None:
        """Take this stream's rows out of the batch it was last stepped in (views, no copy)."""
        if self.batch is not None:
            a, b = self.offset, self.offset + self.rows
            self.hidden = self.batch.hidden[a:b]
            self.state = [(h[a:b], c[a:b]) for h, c in self.batch.state]
            self.batch = None

    # -- the stream's own work ---------------------------------------------------------------------
    def prefill(self) -> bool:
        """Read the next chunk of the prime; True once the whole prime is read."""
        chunk = self.prime[:, self.read: self.read + PREFILL_CHUNK]
        with torch.inference_mode():
            out, self.lstm_state = self.model.lstm(self.model.embedding(chunk), self.lstm_state)
        self.read += chunk.shape[1]
        if self.read >= self.prime.shape[1]:
            self.hidden = out[:, -1].float()
            self.state = LSTMStep.from_lstm_state(self.lstm_state)
            self.ready, self.lstm_state = True, None
        return self.ready

    def _noise_row(self) -> torch.Tensor:
        """This step's noise, already scaled by the temperature: (rows, V)."""
        if self.t % NOISE_BLOCK == 0:
            self.noise = gumbel_block(self.generator, self.rows, self.model.head.out_features, self.device)
            if not self.filtering:
                self.noise.mul_(self.temperature)
        return self.noise[self.t % NOISE_BLOCK]

    def _take(self, ids: list[int]) -> None:
        self.pending.append(ids)
        self.t += 1
        if len(self.pending) == DECODE_EVERY or self.t == self.max_new_chars:
            self._decode()
            self.done = self.t == self.max_new_chars or all(self.finished)

    def _decode(self) -> None:
        for i, row in enumerate(zip(*self.pending)):
            if not self.finished[i]:
                self.texts[i] += self.vocab.decode(row)
                if self.stop and self.stop in self.texts[i]:
                    self.texts[i] = self.texts[i][: self.texts[i].index(self.stop)]
                    self.finished[i] = True
        self.pending.clear()


def _head(model) -> _Head:
    """The model's ``_Head``, built on first use and kept out of the module tree."""
    if "_zoo_head" not in model.__dict__:
        model.__dict__["_zoo_head"] = _Head(model)
    return model.__dict__["_zoo_head"]


class _Batch:
    """The state of the streams stepped together last time, kept whole: while the same streams go
    on, the next step reads it as is (no splitting and re-joining of rows every character)."""

    def __init__(self, members: list[Generation], hidden: torch.Tensor, state):
        self.members, self.hidden, self.state = members, hidden, state


@torch.inference_mode()
def advance(gens: list[Generation]) -> None:
    """Advance every generation by one character, in one batched step (all share one model and step)."""
    model = gens[0].model
    batch = gens[0].batch
    if batch is not None and batch.members == gens:
        hidden, state = batch.hidden, batch.state
    else:
        for g in gens:
            g.unbatch()
        hidden = torch.cat([g.hidden for g in gens])
        state = [(torch.cat([g.state[layer][0] for g in gens]), torch.cat([g.state[layer][1] for g in gens]))
                 for layer in range(len(gens[0].state))]
    logits = _head(model)(hidden)
    # Each stream picks its characters with its own temperature and filters (row-wise ops only).
    picks, plain, noise, start = [], [], [], 0
    for g in gens:
        if g.plain:
            picks.append(None)
            plain.append((g, start))
            noise.append(g._noise_row())
        elif g.temperature == 0:
            picks.append(logits[start: start + g.rows].argmax(-1))
        else:
            part = filter_logits(logits[start: start + g.rows] / g.temperature, g.top_k, g.top_p)
            picks.append((part + g._noise_row()).argmax(-1))
        start += g.rows
    if plain:  # the common case: all such streams in one add and one argmax
        base = logits if len(plain) == len(gens) else torch.cat([logits[s: s + g.rows] for g, s in plain])
        chosen = torch.add(base, torch.cat(noise) if len(noise) > 1 else noise[0]).argmax(-1)
        if len(plain) == len(gens):
            nxt = chosen
        else:
            parts = iter(chosen.split([g.rows for g, _ in plain]))
            nxt = torch.cat([next(parts) if p is None else p for p in picks])
    else:
        nxt = torch.cat(picks)
    ids = nxt.tolist()
    start, keep = 0, []
    for g in gens:
        g._take(ids[start: start + g.rows])
        if not g.done:
            keep.extend(range(start, start + g.rows))
        start += g.rows
    going = [g for g in gens if not g.done]
    for g in gens:
        g.batch = None
    if not going:
        return
    if len(going) < len(gens):  # some finished: step only the rows of the others
        rows = torch.tensor(keep, device=nxt.device)
        nxt = nxt.index_select(0, rows)
        state = [(h.index_select(0, rows), c.index_select(0, rows)) for h, c in state]
    hidden, state = going[0].stepper.forward(nxt, state)
    batch = _Batch(going, hidden, state)
    start = 0
    for g in going:
        g.batch, g.offset = batch, start
        start += g.rows


def sample(model, vocab, prime_ids: list[int], *, every_s: float = 0.05, step: LSTMStep | None = None,
           **params) -> Iterator[list[str]]:
    """One generation alone (benchmarks; ``step`` picks the LSTM step): the texts as they grow, at
    most every ``every_s`` seconds, and once more at the end. The app runs the same prefill and
    steps, batched with other streams (``zoo.scheduler.StreamEngine``)."""
    gen = Generation(model, vocab, prime_ids, step=step, **params)
    yield from run_alone(gen, lambda g: advance([g]), every_s)
