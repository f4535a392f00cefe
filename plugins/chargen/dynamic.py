"""Dynamic evaluation (Krause et al. 2018, "Dynamic Evaluation of Neural Sequence Models"): the
model goes on learning from the text it has already coded, as a compressor such as xz adapts to
the file it codes, and its bits per character are those of that adaptive coder.

The text is read as one stream, in segments of ``seq`` characters. Each segment is scored first
(with the weights as they are before it: nothing is learnt from a character before it is coded),
then the weights take one step down that segment's gradient, each parameter's step divided by the
root mean square of its gradient on training text (RMS-normalised SGD), and are pulled back
towards the trained weights by ``decay`` (scaled the same way). ``lr`` and ``decay`` are chosen on
dev. The served checkpoint is not changed: this measures how well the model adapts, as xz does.
"""
from __future__ import annotations

import copy

import torch
import torch.nn.functional as F


def gradient_rms(model, train_ids: torch.Tensor, seq: int = 64, segments: int = 200) -> list[torch.Tensor]:
    """Each parameter's root mean square gradient over ``segments`` training segments spread
    evenly over the training text, at least a tenth of the mean."""
    model.eval()
    sums = [torch.zeros_like(p) for p in model.parameters()]
    stride = max(seq + 1, (len(train_ids) - seq - 1) // segments)
    count = 0
    for start in range(0, len(train_ids) - seq - 1, stride)[:segments]:
        x, y = train_ids[start:start + seq], train_ids[start + 1:start + seq + 1]
        logits, _ = model(x[None])
        model.zero_grad()
        F.cross_entropy(logits[0], y).backward()
        for s, p in zip(sums, model.parameters()):
            s += p.grad ** 2
        count += 1
    rms = [(s / max(count, 1)).sqrt() for s in sums]
    # a floor: a weight whose gradient was (nearly) never seen in training, such as a rare
    # character's embedding, must not take steps thousands of times larger than the rest
    floor = 0.1 * torch.cat([r.flatten() for r in rms]).mean()
    return [torch.clamp(r, min=floor) for r in rms]


def segment_nats(model, ids: torch.Tensor, train_ids: torch.Tensor, lr: float, decay: float = 0.0,
                 seq: int = 64):
    """Yields each segment's summed cross-entropy, coded by a copy of ``model`` that learns as it goes
    (``ids`` read as one stream, the state carried); ``model`` itself is not changed."""
    # a copy that learns; the served model's cached generation steps (compiled code) are not copied
    steps = model.__dict__.get("_lstm_steps")
    model = copy.deepcopy(model, memo={id(steps): {}} if steps is not None else None).float()
    rms = gradient_rms(model, train_ids, seq)
    mean_rms = torch.cat([r.flatten() for r in rms]).mean()
    pull = [torch.clamp(decay * r / mean_rms, max=1.0) for r in rms]
    trained = [p.detach().clone() for p in model.parameters()]
    state = None
    for start in range(0, len(ids) - 1, seq):
        y = ids[start + 1:start + seq + 1]
        logits, state = model(ids[start:start + len(y)][None], state)
        loss = F.cross_entropy(logits[0].float(), y, reduction="sum")
        yield loss.item()  # scored before the weights learn from this segment
        model.zero_grad()
        (loss / len(y)).backward()
        with torch.no_grad():
            for p, r, k, p0 in zip(model.parameters(), rms, pull, trained):
                p -= lr * p.grad / r
                if decay:
                    p += k * (p0 - p)
        state = tuple(s.detach() for s in state)


def nats_per_char(model, ids: torch.Tensor, train_ids: torch.Tensor, lr: float, decay: float = 0.0,
                  seq: int = 64) -> float:
    """Cross-entropy per character of ``ids`` under dynamic evaluation."""
    return sum(segment_nats(model, ids, train_ids, lr, decay, seq)) / max(len(ids) - 1, 1)
