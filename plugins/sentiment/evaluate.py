"""``python -m zoo eval sentiment``: accuracy, macro-F1 and expected calibration error of the
model, with VADER and the majority class, all on the same split in the same run: the movie
sentences, and each other domain (``domains.py``: the tweets' own split; at ``--split test`` also
the two held-out domains, airline tweets and drug reviews)."""
from __future__ import annotations

import time

from . import data


def scores(pred: list[int], gold: list[int]) -> dict:
    n = len(gold)
    accuracy = sum(p == g for p, g in zip(pred, gold)) / n
    f1s = []
    for c in (0, 1):
        tp = sum(p == c and g == c for p, g in zip(pred, gold))
        fp = sum(p == c and g != c for p, g in zip(pred, gold))
        fn = sum(p != c and g == c for p, g in zip(pred, gold))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    return {"accuracy": round(accuracy, 4), "macro_f1": round(sum(f1s) / 2, 4)}


def vader_predictions(texts: list[str]) -> list[int]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    return [int(analyzer.polarity_scores(t)["compound"] >= 0) for t in texts]


def calibration_error(confidence: list[float], correct: list[bool], bins: int = 10) -> float:
    """Expected calibration error: over equal-width bins of the predicted label's probability, the
    gap between mean confidence and accuracy, weighted by the bin's share of the items."""
    total, n = 0.0, len(confidence)
    for b in range(bins):
        low, high = 0.5 + b * 0.5 / bins, 0.5 + (b + 1) * 0.5 / bins
        members = [i for i, c in enumerate(confidence) if low <= c < high or (b == bins - 1 and c == high)]
        if members:
            gap = sum(confidence[i] for i in members) / len(members) - sum(correct[i] for i in members) / len(members)
            total += abs(gap) * len(members) / n
    return round(total, 4)


def _measure(pipe, examples: list, majority: int) -> dict:
    texts, gold, labels = [ex.text for ex in examples], [ex.label for ex in examples], pipe.config["labels"]
    started = time.perf_counter()
    results = pipe.batch(texts)
    seconds = time.perf_counter() - started
    pred = [labels.index(r["label"]) for r in results]
    metrics = scores(pred, gold)
    metrics["ece"] = calibration_error([max(r["probabilities"].values()) for r in results],
                                       [p == g for p, g in zip(pred, gold)])
    metrics["predicted_positive"] = round(sum(pred) / len(pred), 4)
    metrics["seconds"] = round(seconds, 3)
    return {
        "n": len(examples),
        "positive": round(sum(gold) / len(gold), 4),
        "metrics": metrics,
        "baselines": {
            "vader": scores(vader_predictions(texts), gold),
            f"majority ({labels[majority]})": scores([majority] * len(gold), gold),
        },
    }


def evaluate(pipe, split: str, path=None, with_domains: bool = True) -> dict:
    """The movie sentences' ``split`` (top level, as before), and under ``domains`` every other
    domain's: the tweets at ``split``, the held-out domains at test only. Each with VADER and the
    majority label of the movie training split."""
    from . import domains

    splits = data.load_splits(path)
    train_gold = [ex.label for ex in splits["train"]]
    majority = int(sum(train_gold) * 2 > len(train_gold))  # the train split's majority label
    out = _measure(pipe, splits[split], majority)
    if with_domains:
        names = [d for d in domains.DOMAINS if split == "test" or d not in domains.HELD_OUT]
        # Each domain's majority baseline is that set's own majority label: the stronger one.
        out["domains"] = {name: _measure(pipe, sample, int(sum(e.label for e in sample) * 2 > len(sample)))
                          for name in names for sample in [domains.load(name)[split]]}
    return out
