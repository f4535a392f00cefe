"""Greedy and beam-search decoding.

The encoder runs once per batch; the decoder steps one token at a time through ``zoo.lstm_step``
with its state kept, over all sentences x beams at once: beam search is tensor ops over
(batch, beam), never a Python loop per hypothesis. A beam that has produced [EOS] stays in the
beam, frozen (its only continuation is [EOS] at no cost), so every row keeps one shape.
Candidates are ranked by the GNMT length-normalized score ``log p / ((5 + len) / 6) ** alpha``;
with one beam that is exactly greedy decoding. Besides ``max_length``, a batch stops after
``2 * longest source + 10`` steps: a translation twice as long as its source is a runaway.
"""
from __future__ import annotations

import dataclasses

import torch
import torch.nn.functional as F

from zoo.lstm_step import LSTMStep
from zoo.sequences import pad


@dataclasses.dataclass
class Hypothesis:
    ids: list[int]  # target ids, without [BOS] and [EOS]
    score: float  # length-normalized log-probability
    attention: torch.Tensor  # (target tokens incl. [EOS] if it came, source length)


def _penalty(lengths: torch.Tensor, alpha: float) -> torch.Tensor:
    return ((5.0 + lengths.float()) / 6.0) ** alpha


@torch.inference_mode()
def beam_search(model, sources: list[list[int]], *, beam_size: int = 5, length_penalty: float = 1.0,
                max_length: int = 200, bos: int = 2, eos: int = 3, step: LSTMStep | None = None) -> list[Hypothesis]:
    device = model.out.weight.device
    step = step or model.decoder_step()
    B, K = len(sources), beam_size
    source, lengths = pad(sources, device=device)
    memory, mask, lstm_state = model.encode(source, lengths)
    keys = model.keys(memory)
    # Every sentence's tensors repeated once per beam: row b * K + k.
    memory, keys, mask = (x.repeat_interleave(K, dim=0) for x in (memory, keys, mask))
    state = [(h.repeat_interleave(K, dim=0), c.repeat_interleave(K, dim=0)) for h, c in LSTMStep.from_lstm_state(lstm_state)]
    scores = torch.full((B, K), float("-inf"), device=device)
    scores[:, 0] = 0.0  # one live beam at the start: the others would only duplicate it
    out_len = torch.zeros(B * K, dtype=torch.long, device=device)
    finished = torch.zeros(B * K, dtype=torch.bool, device=device)
    # Per step: the chosen tokens, the row each extends and the attention of the rows before the
    # reorder. Hypotheses are read back at the end by following the back-pointers, so no step
    # copies the history (copying it made decoding quadratic in the output length).
    history: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = []
    x = torch.full((B * K,), bos, dtype=torch.long, device=device)
    V = model.out.out_features
    frozen = torch.full((V,), float("-inf"), device=device)
    frozen[eos] = 0.0
    rows = torch.arange(B, device=device)[:, None] * K
    for _ in range(min(max_length, 2 * int(lengths.max()) + 10)):
        hidden, state = step(x, state)
        logits, weights = model.read_out(hidden[:, None], memory, keys, mask)
        logp = F.log_softmax(logits[:, 0].float(), dim=-1)
        logp = torch.where(finished[:, None], frozen, logp)
        cand_len = out_len + (~finished).long()
        raw = scores.view(-1, 1) + logp  # (B*K, V)
        ranked = (raw / _penalty(cand_len, length_penalty)[:, None]).view(B, K * V)
        _, best = ranked.topk(K, dim=-1)  # (B, K)
        origin = (rows + best // V).view(-1)  # the beam each survivor extends
        x = (best % V).view(-1)
        scores = raw.view(B, K * V).gather(1, best)
        out_len = cand_len[origin]
        was_finished = finished[origin]
        finished = was_finished | (x == eos)
        state = [tuple(t[origin] for t in layer) for layer in state]  # whatever the step keeps per row
        history.append((x, origin, weights[:, 0] if weights is not None else None))
        if bool(finished.all()):
            break
    final = (scores.view(-1) / _penalty(out_len, length_penalty)).view(B, K)
    best = final.argmax(-1)
    row = rows[:, 0] + best  # (B,): each sentence's best final row, then its ancestors
    picked_tokens, picked_weights = [], []
    for x, origin, weights in reversed(history):
        picked_tokens.append(x[row])
        row = origin[row]
        picked_weights.append(weights[row] if weights is not None else memory.new_zeros(B, memory.shape[1]))
    tokens = torch.stack(picked_tokens[::-1], dim=1).tolist() if history else [[] for _ in range(B)]
    attention = torch.stack(picked_weights[::-1], dim=1).float().cpu() if history else memory.new_zeros(B, 0, 1)
    lengths_out = out_len.view(B, K).gather(1, best[:, None])[:, 0].tolist()
    results = []
    for b in range(B):
        n = lengths_out[b]
        ids = [t for t in tokens[b][:n] if t != eos]
        results.append(Hypothesis(ids=ids, score=float(final[b, best[b]]), attention=attention[b, :n, : len(sources[b])]))
    return results
