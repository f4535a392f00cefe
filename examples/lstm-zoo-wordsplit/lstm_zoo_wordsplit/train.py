"""Train, evaluate beside a baseline, and export a checkpoint repo into ``checkpoints/ID``:

    python -m lstm_zoo_wordsplit.train [--seconds 60] [--id stdlib] [--repo-id ORG/NAME]

The test split is scored once, after training, for the model card; nothing is chosen on it.
"""
from __future__ import annotations

import argparse
import collections
import datetime
import json
import math
import random
import sys
import time
from pathlib import Path

import torch
from torch import nn

from zoo.card import render
from zoo.checkpoint import content_revision, save_checkpoint
from zoo.sequences import by_length, pad

from . import data
from .model import Splitter
from .preprocess import Vocab
from .task import HERE, Task


def batches(examples, vocab: Vocab, size: int, shuffle: bool):
    chunks = list(by_length([len(text) for text, _ in examples], size))  # similar lengths together
    if shuffle:
        random.shuffle(chunks)
    for chunk in chunks:
        ids, lengths = pad([vocab.encode(examples[i][0]) for i in chunk])
        labels, _ = pad([examples[i][1] for i in chunk], dtype=torch.float)
        yield ids, lengths, labels


def scores(predicted: list[list[int]], gold: list[list[int]]) -> dict:
    """Exact match (the whole split right) and F1 of the word starts after the first character."""
    exact = sum(p == g for p, g in zip(predicted, gold)) / len(gold)
    tp = sum(a and b for p, g in zip(predicted, gold) for a, b in zip(p[1:], g[1:]))
    n_pred = sum(sum(p[1:]) for p in predicted)
    n_gold = sum(sum(g[1:]) for g in gold)
    precision, recall = tp / max(n_pred, 1), tp / max(n_gold, 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-9)
    return {"exact_match": round(exact, 4), "boundary_f1": round(f1, 4)}


def unigram_baseline(train, test) -> list[list[int]]:
    """The classic approach: the most probable split under word frequencies counted on the
    training identifiers (Viterbi); unseen stretches cost a penalty per character."""
    counts = collections.Counter(w for text, starts in train for w in _words(text, starts))
    total = sum(counts.values())
    cost = {w: -math.log(c / total) for w, c in counts.items()}
    longest = max(map(len, cost))
    unknown = -math.log(1 / total) + 5

    out = []
    for text, _ in test:
        best = [0.0] + [math.inf] * len(text)
        back = [0] * (len(text) + 1)
        for end in range(1, len(text) + 1):
            for start in range(max(0, end - longest), end):
                c = best[start] + cost.get(text[start:end], unknown * (end - start))
                if c < best[end]:
                    best[end], back[end] = c, start
        starts, end = [0] * len(text), len(text)
        while end > 0:
            starts[back[end]] = 1
            end = back[end]
        out.append(starts)
    return out


def _words(text, starts):
    cuts = [i for i, s in enumerate(starts) if s] + [len(text)]
    return [text[a:b] for a, b in zip(cuts, cuts[1:])]


@torch.inference_mode()
def predict(model, vocab, examples, threshold=0.5) -> list[list[int]]:
    model.eval()
    out = []
    for ids, lengths, _ in batches(examples, vocab, 512, shuffle=False):
        probs = torch.sigmoid(model(ids, lengths))
        for row, n in enumerate(lengths.tolist()):
            out.append([1] + [int(p > threshold) for p in probs[row, 1:n].tolist()])
    order = sorted(range(len(examples)), key=lambda i: len(examples[i][0]))
    restored = [None] * len(examples)
    for pos, i in enumerate(order):
        restored[i] = out[pos]
    return restored


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(prog="python -m lstm_zoo_wordsplit.train", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--id", default="stdlib", help="checkpoint id (folder under checkpoints/)")
    p.add_argument("--out", default=None,
                   help="export folder (default: the package's checkpoints/ID, pinned in checkpoints.json)")
    p.add_argument("--repo-id", default="lstm-zoo-community/wordsplit-stdlib-lstm", help="the Hub repo it will be published as")
    p.add_argument("--seconds", type=float, default=60, help="training time budget")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--hidden", type=int, default=96)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--limit-files", type=int, default=None, help="read only the first N stdlib files (quick runs)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(min(torch.get_num_threads(), 4))

    train, test = data.load("train", args.limit_files), data.load("test", args.limit_files)
    vocab = Vocab.build(t for t, _ in train)
    arch = {"vocab": len(vocab), "embedding": 32, "hidden": args.hidden, "layers": 2}
    model = Splitter(**arch)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = nn.BCEWithLogitsLoss(reduction="none")
    started, steps, epoch = time.perf_counter(), 0, 0
    while epoch < args.epochs and time.perf_counter() - started < args.seconds:
        model.train()
        for ids, lengths, labels in batches(train, vocab, args.batch, shuffle=True):
            mask = torch.arange(ids.shape[1])[None, :] < lengths[:, None]
            loss = (loss_fn(model(ids, lengths), labels) * mask).sum() / mask.sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
            steps += 1
            if time.perf_counter() - started > args.seconds:
                break
        epoch += 1
        print(f"epoch {epoch}: loss {loss.item():.4f}, {steps} steps, {time.perf_counter() - started:.0f}s", file=sys.stderr)

    gold = [s for _, s in test]
    metrics = scores(predict(model, vocab, test), gold)
    baseline = scores(unigram_baseline(train, test), gold)
    evaluation = {"command": "python -m lstm_zoo_wordsplit.train", "split": "test", "n": len(test),
                  "limit_files": args.limit_files,
                  "date": datetime.date.today().isoformat(), "metrics": metrics,
                  "baselines": {"unigram word frequencies (Viterbi)": baseline}}
    config = {"architecture": arch, "preprocessor": {"file": "vocab.json", "size": len(vocab)},
              "metrics": metrics, "evaluation": evaluation,
              "training": {"args": vars(args), "steps": steps, "epochs": epoch, "train_examples": len(train)}}
    card = render(
        task="wordsplit", repo_id=args.repo_id, title="Wordsplit: character BiLSTM word splitter",
        summary="Splits run-together words (getuserbyid -> get user by id).",
        model=f"Character embedding 32, bidirectional LSTM 2x{args.hidden}, a start-of-word logit per character.",
        data=f"snake_case identifiers from the Python {sys.version_info.major}.{sys.version_info.minor} standard "
             "library, underscores removed; split by a hash of the identifier (80/10/10).",
        training=f"{steps} Adam steps (lr 3e-3, batch {args.batch}), {epoch} epoch(s), at most {args.seconds:.0f} s.",
        evaluation=evaluation, limitations="Learned from code identifiers: English prose words it never saw split less well.",
        preprocessor_files="`vocab.json` (the characters)", example="getuserbyid", license="mit",
        pipeline_tag="token-classification", datasets=["python-stdlib-identifiers"], tags=["word-segmentation"],
    )
    out = Path(args.out) if args.out else HERE / "checkpoints" / args.id
    save_checkpoint(out, Task(), model, vocab, config, card)
    digest = content_revision(out)
    if args.out is None:  # pin the bundled copy
        pins_path = HERE / "checkpoints.json"
        pins = json.loads(pins_path.read_text()) if pins_path.is_file() else []
        pins = [c for c in pins if c["id"] != args.id]
        pins.append({"id": args.id, "repo_id": args.repo_id, "revision": digest, "bundle_digest": digest,
                     "default": not any(c["default"] for c in pins),
                     "description": "character BiLSTM trained on stdlib identifiers"})
        pins_path.write_text(json.dumps(pins, indent=2) + "\n")
    result = {"out": str(out), "revision": digest, "test": metrics, "baseline": baseline, "steps": steps}
    if metrics["exact_match"] <= baseline["exact_match"]:
        print(f"note: the model ({metrics['exact_match']}) does not beat the baseline ({baseline['exact_match']}) "
              "yet: train longer (--seconds) or larger (--hidden)", file=sys.stderr)
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
