"""Sampling from the character LSTM.

The prime runs once through the full ``nn.LSTM``; then one character per step through the fast
step (``zoo.lstm_step``) with the state kept: the prefix is never re-run. Sampling is Gumbel-max
(the argmax of ``logits + temperature * noise``: the same distribution as softmax sampling, one op
per step), with the noise drawn in blocks from the seeded generator, so a seed gives one text.
Characters stay on the device and are read back every ``SYNC_EVERY`` steps (on a GPU, the only
host syncs), where stop strings are checked and the text is yielded at most every 50 ms.
"""
from __future__ import annotations

import time
from typing import Iterator

import torch

from zoo.lstm_step import LSTMStep

SYNC_EVERY = 16
NOISE_BLOCK = 256


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


@torch.inference_mode()
def sample(model, vocab, prime_ids: list[int], *, max_new_chars: int, temperature: float, top_k: int,
           top_p: float, seed: int, num_samples: int, stop: str, every_s: float = 0.05,
           step=None) -> Iterator[list[str]]:
    """Yield the generated continuations (one string per sample) as they grow, at most every
    ``every_s`` seconds, and once more at the end. ``step`` overrides the model's default step."""
    device = model.head.weight.device
    step = (step or model.stepper()).forward  # skip nn.Module.__call__'s hooks: microseconds a step
    on_host = device.type == "cpu"  # read each id at once (free on the CPU); on a GPU only every SYNC_EVERY
    generator = torch.Generator(device=device).manual_seed(seed)
    ids = torch.tensor(prime_ids, device=device).repeat(num_samples, 1)
    out, lstm_state = model.lstm(model.embedding(ids))
    state = LSTMStep.from_lstm_state(lstm_state)
    hidden = out[:, -1].float()
    head_weight_t = model.head.weight.float().t()
    head_bias = model.head.bias.float().clone()
    head_bias[0] = float("-inf")  # never emit the unknown-character id
    filtering = temperature > 0 and (0 < top_k < head_bias.numel() or top_p < 1.0)
    pending: list = []  # ids not yet decoded into ``texts``
    texts = [""] * num_samples
    done = [False] * num_samples
    last = time.perf_counter()
    noise = None
    for t in range(max_new_chars):
        if temperature == 0:
            nxt = torch.addmm(head_bias, hidden, head_weight_t).argmax(-1)
        elif filtering:
            if t % NOISE_BLOCK == 0:
                noise = gumbel_block(generator, hidden.shape[0], head_bias.numel(), device)
            # Temperature first, then the filters (as transformers does), so top_p sees what is sampled.
            logits = filter_logits(torch.addmm(head_bias, hidden, head_weight_t) / temperature, top_k, top_p)
            nxt = torch.add(logits, noise[t % NOISE_BLOCK]).argmax(-1)
        else:  # the common case in one op: the noise block already holds bias + temperature * noise
            if t % NOISE_BLOCK == 0:
                noise = gumbel_block(generator, hidden.shape[0], head_bias.numel(), device).mul_(temperature)
                noise.add_(head_bias)
            nxt = torch.addmm(noise[t % NOISE_BLOCK], hidden, head_weight_t).argmax(-1)
        pending.append(nxt.tolist() if on_host else nxt)
        if len(pending) == SYNC_EVERY or t + 1 == max_new_chars:
            new = list(zip(*pending)) if on_host else torch.stack(pending, dim=1).tolist()
            pending.clear()
            for i, row in enumerate(new):
                if not done[i]:
                    texts[i] += vocab.decode(row)
                    if stop and stop in texts[i]:
                        texts[i] = texts[i][: texts[i].index(stop)]
                        done[i] = True
            if all(done):
                break
            if time.perf_counter() - last >= every_s:
                last = time.perf_counter()
                yield list(texts)
        if t + 1 < max_new_chars:
            hidden, state = step(nxt, state)
    yield list(texts)
