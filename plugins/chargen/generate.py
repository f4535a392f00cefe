"""Sampling from the character LSTM: the prime runs once through the full nn.LSTM, then one
character per step through the fused step with the state kept (the prefix is never re-run)."""
from __future__ import annotations

import time
from typing import Iterator

import torch


def filter_logits(logits: torch.Tensor, temperature: float, top_k: int, top_p: float) -> torch.Tensor:
    """Scaled logits with everything outside top-k / the top-p nucleus set to -inf."""
    logits = logits / temperature
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


def sample(model, vocab, prime_ids: list[int], *, max_new_chars: int, temperature: float, top_k: int,
           top_p: float, seed: int, num_samples: int, stop: str, every_s: float = 0.05) -> Iterator[list[str]]:
    """Yield the generated continuations (one string per sample) as they grow, at most every
    ``every_s`` seconds, and once more at the end."""
    device = next(model.parameters()).device
    step = model.stepper()
    generator = torch.Generator(device=device).manual_seed(seed)
    ids = torch.tensor(prime_ids, device=device).repeat(num_samples, 1)
    logits, state = model(ids)
    logits = logits[:, -1].float()
    logits[:, 0] = float("-inf")  # never emit the unknown-character id
    texts = [""] * num_samples
    done = [False] * num_samples
    last = time.perf_counter()
    for _ in range(max_new_chars):
        if temperature == 0:
            nxt = logits.argmax(-1, keepdim=True)
        else:
            probs = filter_logits(logits, temperature, top_k, top_p).softmax(-1)
            nxt = torch.multinomial(probs, 1, generator=generator)
        chars = vocab.decode(nxt.view(-1).tolist())
        for i, ch in enumerate(chars):
            if not done[i]:
                texts[i] += ch
                if stop and texts[i].endswith(stop):
                    texts[i] = texts[i][: -len(stop)]
                    done[i] = True
        if all(done):
            break
        out, state = step(model.embedding(nxt.view(-1)), state)
        logits = model.head(out).float()
        logits[:, 0] = float("-inf")
        if time.perf_counter() - last >= every_s:
            last = time.perf_counter()
            yield list(texts)
    yield list(texts)
