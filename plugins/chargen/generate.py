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

from collections.abc import Iterator

import torch

from zoo.lstm_step import LSTMStep
from zoo.task import StreamSequence, run_alone

NOISE_BLOCK = 256
# A chunk of the prime holds up the other streams of its lane while it is read: 64 characters of the
# 3x1024 take about 75 ms on one core (512 took 510 ms), for 0.88x the speed over a long prime
# (benchmarks/chargen/prefill_chunks.py).
PREFILL_CHUNK = 64
# Steps between decoding ids into text (and checking stop strings); divides NOISE_BLOCK. A batch
# runs up to the first stream's next decode in one call: longer runs enter Python less often.
DECODE_EVERY = 64
UNKNOWN_ID = 0  # the vocabulary's id for characters it does not know: never generated


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


class Generation(StreamSequence):
    """One stream: ``num_samples`` continuations of one prime (rows of the batch). ``result()``
    is ``to_result(texts)`` (the task's result dict), or the texts themselves."""

    def __init__(self, model, vocab, prime_ids: list[int], *, max_new_chars: int, temperature: float, top_k: int,
                 top_p: float, seed: int, num_samples: int, stop: str, step: LSTMStep | None = None,
                 to_result=None):
        self.to_result = to_result or (lambda texts: texts)
        self.model, self.vocab, self.stepper = model, vocab, step or model.stepper()
        self.device = model.head.weight.device
        self.vocab_size = model.head.out_features
        self.max_new_chars, self.temperature, self.top_k, self.top_p = max_new_chars, temperature, top_k, top_p
        self.stop, self.rows = stop, num_samples
        self.generator = torch.Generator(device=self.device).manual_seed(seed)
        self.prime = torch.tensor(prime_ids, device=self.device).repeat(num_samples, 1)
        self.filtering = temperature > 0 and (0 < top_k < self.vocab_size or top_p < 1.0)
        self.plain = not self.filtering  # sampled (or greedy) as argmax(logits + noise): one op for all
        self.read = 0  # prime characters read so far
        self.lstm_state = None
        self.logits: torch.Tensor | None = None  # (rows, V): the next character's logits
        self.state = None  # per layer (h, c), each (rows, H)
        self.t = 0  # characters generated and taken (its batch may hold a few more: _Batch.ids)
        self.noise, self.block = None, -1  # the current noise block and its number
        self.pending: list[list[int]] = [[] for _ in range(num_samples)]  # ids not yet decoded, per row
        self.texts = [""] * num_samples
        self.finished = [False] * num_samples
        self.ready = self.done = False
        self.batch: _Batch | None = None  # set while its state lives in a batch, at rows offset:offset+rows
        self.offset = 0

    def result(self):
        return self.to_result(list(self.texts))

    # -- the stream's own work ---------------------------------------------------------------------
    def prefill(self) -> bool:
        """Read the next chunk of the prime; True once the whole prime is read."""
        chunk = self.prime[:, self.read: self.read + PREFILL_CHUNK]
        with torch.inference_mode():
            out, self.lstm_state = self.model.lstm(self.model.embedding(chunk), self.lstm_state)
            self.read += chunk.shape[1]
            if self.read >= self.prime.shape[1]:
                self.logits = self.stepper.read_out(out[:, -1])
                self.state = LSTMStep.from_lstm_state(self.lstm_state)
                self.ready, self.lstm_state = True, None
        return self.ready

    def progress(self):
        """While a long prime is read: the prime alone, with how much of it is read."""
        if self.prime.shape[1] <= 8 * PREFILL_CHUNK:
            return None  # read in a moment: nothing to show before the text
        out = self.to_result(list(self.texts))
        note = f"reading the prime: {self.read:,} of {self.prime.shape[1]:,} characters"
        return {**out, "progress": note} if isinstance(out, dict) else out

    def steps_to_event(self) -> int:
        """Steps before this stream must decode its ids or stop (a noise block ends on such a step)."""
        return min(DECODE_EVERY - self.t % DECODE_EVERY, self.max_new_chars - self.t)

    def noise_rows(self, steps: int) -> torch.Tensor:
        """Noise for the next ``steps`` steps (never past a block's end): (steps, rows, V), scaled
        by the temperature for plain sampling (none when greedy), -inf on the unknown-character id
        (never emitted)."""
        if self.t // NOISE_BLOCK != self.block:
            self.block = self.t // NOISE_BLOCK
            if self.temperature == 0:
                self.noise = torch.zeros(NOISE_BLOCK, self.rows, self.vocab_size, device=self.device)
            else:
                self.noise = gumbel_block(self.generator, self.rows, self.vocab_size, self.device)
                if not self.filtering:
                    self.noise.mul_(self.temperature)
            self.noise[..., UNKNOWN_ID] = float("-inf")
        at = self.t % NOISE_BLOCK
        return self.noise[at: at + steps]

    def pick(self, logits: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """This stream's next ids from its logits and noise rows, (rows,)."""
        if self.plain:
            return torch.add(logits, noise).argmax(-1)
        return (filter_logits(logits / self.temperature, self.top_k, self.top_p) + noise).argmax(-1)

    def take(self, rows: list[list[int]]) -> None:
        """The ids chosen for each row over the last steps; decoded every ``DECODE_EVERY`` steps."""
        for pending, ids in zip(self.pending, rows):
            pending.extend(ids)
        self.t += len(rows[0])
        if self.t % DECODE_EVERY == 0 or self.t >= self.max_new_chars:
            self._decode()
            self.done = self.t >= self.max_new_chars or all(self.finished)

    def _decode(self) -> None:
        for i, row in enumerate(self.pending):
            if not self.finished[i]:
                self.texts[i] += self.vocab.decode(row)
                if self.stop and self.stop in self.texts[i]:
                    self.texts[i] = self.texts[i][: self.texts[i].index(self.stop)]
                    self.finished[i] = True
            row.clear()


class _Batch:
    """Streams stepped together, their state kept whole, for a run of steps up to the first
    member's next event (``Generation.steps_to_event``). The noise is gathered once per run and
    the chosen ids reach the streams at its end, so per-stream Python work is paid once per run,
    not once per character."""

    def __init__(self, members: list[Generation], logits: torch.Tensor, state):
        self.members, self.logits, self.state = members, logits, state
        self.stepper = members[0].stepper
        self.steps = min(g.steps_to_event() for g in members)  # >= 1: done streams are never stepped
        self.i = 0  # steps taken in this run
        self.ids: list[torch.Tensor] = []  # ids of the steps so far, each (steps, B), not yet handed over
        noise = [g.noise_rows(self.steps) for g in members]
        self.plain = all(g.plain for g in members)
        if self.plain:  # the common case: one add and one argmax per step for all streams
            self.noise = noise[0] if len(noise) == 1 else torch.cat(noise, dim=1)
        else:
            self.noise_of = noise
        start = 0
        for g in members:
            g.batch, g.offset = self, start
            start += g.rows

    @classmethod
    def of(cls, gens: list[Generation]) -> _Batch:
        """The batch to step ``gens`` in: the current one while it holds exactly them and its run
        goes on, else a new one (streams joining or leaving: each one's rows taken out, joined)."""
        batch = gens[0].batch
        if batch is not None and batch.members == gens:
            return batch if batch.i < batch.steps else cls(gens, batch.logits, batch.state)
        for g in gens:
            if g.batch is not None:
                g.batch.hand_over()
        for g in gens:
            if g.batch is not None:  # its rows out of the old batch (views, no copy)
                a, b, old = g.offset, g.offset + g.rows, g.batch
                g.logits, g.state, g.batch = old.logits[a:b], [(h[a:b], c[a:b]) for h, c in old.state], None
        logits = torch.cat([g.logits for g in gens])
        state = [(torch.cat([g.state[layer][0] for g in gens]), torch.cat([g.state[layer][1] for g in gens]))
                 for layer in range(len(gens[0].state))]
        return cls(gens, logits, state)

    def choose(self) -> torch.Tensor:
        """This step's ids, (B,), for a batch that is not all plain."""
        picks, start = [], 0
        for g, noise in zip(self.members, self.noise_of):
            part = self.logits[start: start + g.rows]
            picks.append(g.pick(part, noise[self.i]))
            start += g.rows
        return torch.cat(picks)

    def hand_over(self) -> None:
        """Give each stream the ids chosen so far in this run (it decodes them when due); the run
        ends here."""
        if self.ids:
            ids, self.ids = torch.cat(self.ids).t().tolist(), []  # (B, steps)
            start = 0
            for g in self.members:
                g.take(ids[start: start + g.rows])
                start += g.rows
        self.steps = self.i


@torch.inference_mode()
def advance(gens: list[Generation]) -> None:
    """Advance every generation by batched steps (all share one model and step): when all sample
    plainly, a whole run up to the first one's next event in one call (``LSTMStep.sample_run``),
    else one step. Each stream picks with its own temperature, filters and noise (row-wise ops
    only), so its text is the same alone or batched; on an exception no stream has changed."""
    batch = _Batch.of(gens)
    if batch.plain:
        ids, batch.logits, batch.state = batch.stepper.sample_run(batch.logits, batch.noise[batch.i:], batch.state)
        batch.i = batch.steps
    else:
        ids = batch.choose()
        batch.logits, batch.state = batch.stepper.forward(ids, batch.state)
        ids = ids[None]
        batch.i += 1
    batch.ids.append(ids)  # (steps, B)
    if batch.i == batch.steps:
        batch.hand_over()


def sample(model, vocab, prime_ids: list[int], *, every_s: float = 0.05, step: LSTMStep | None = None,
           **params) -> Iterator[list[str]]:
    """One generation alone (benchmarks; ``step`` picks the LSTM step): the texts as they grow, at
    most every ``every_s`` seconds, and once more at the end. The app runs the same prefill and
    steps, batched with other streams (``zoo.scheduler.StreamEngine``)."""
    gen = Generation(model, vocab, prime_ids, step=step, **params)
    yield from run_alone(gen, lambda g: advance([g]), every_s)
