"""``python -m zoo eval sentiment``: accuracy and macro-F1 of the model, VADER and the majority
class, all on the same split in the same run."""
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


def evaluate(pipe, split: str, path=None) -> dict:
    splits = data.load_splits(path)
    examples = splits[split]
    texts = [ex.text for ex in examples]
    gold = [ex.label for ex in examples]
    labels = pipe.config["labels"]
    started = time.perf_counter()
    results = pipe.batch(texts)
    seconds = time.perf_counter() - started
    pred = [labels.index(r["label"]) for r in results]
    train_gold = [ex.label for ex in splits["train"]]
    majority = int(sum(train_gold) * 2 > len(train_gold))  # the train split's majority label
    metrics = scores(pred, gold)
    metrics["seconds"] = round(seconds, 3)
    return {
        "n": len(examples),
        "metrics": metrics,
        "baselines": {
            "vader": scores(vader_predictions(texts), gold),
            f"majority ({labels[majority]})": scores([majority] * len(gold), gold),
        },
    }
