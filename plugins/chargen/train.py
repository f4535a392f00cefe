"""Train a character LSTM on one corpus, with checkpoints and resume; export a run as a checkpoint.

    python -m zoo train chargen --corpus kjv --out runs/chargen-kjv [--minutes 40]
    python -m zoo train chargen --out runs/chargen-kjv --export plugins/chargen/checkpoints/kjv

Every few minutes it writes ``model.safetensors``, ``optimizer.safetensors`` and ``state.json``
(step, position, dev bits per character) to --out; run it again with the same --out to resume.
Truncated BPTT over parallel streams of the training books, state carried between segments.
It trains on ``ZOO_DEVICE`` (auto: CUDA where present). Each save also scores dev; the weights
with the lowest dev bits so far are kept as ``best.safetensors``, and the export takes those.
"""
from __future__ import annotations

import argparse
import collections
import datetime
import math
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch.func import functional_call

from zoo.errors import InputError
from zoo.training import Budget, RunFolder, add_lstm_options, add_run_options, cosine_lr, log, optimizer_step, training_device

from . import data
from .evaluate import nats_per_char
from .model import CharLSTM
from .preprocess import CharVocab

# Option names of runs saved before the options were renamed (a resumed or exported old run).
OLD_NAMES = {"embedding": "embedding_dim", "hidden": "hidden_size", "layers": "num_layers", "batch": "batch_size"}
# What a resumed run keeps from its first command: the corpus, the model and the data layout.
ARCHITECTURE_KEYS = ("corpus", "embedding_dim", "hidden_size", "num_layers", "dropout", "min_count", "batch_size", "seq")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.description, p.formatter_class = __doc__, argparse.RawDescriptionHelpFormatter
    add_run_options(p, out="runs/chargen-CORPUS", epochs=6, lr=2e-3, batch_size=32, minutes=40)
    p.add_argument("--corpus", default="kjv", choices=sorted(data.CORPORA), help="training text (default kjv)")
    p.add_argument("--embedding-dim", "--embedding", dest="embedding_dim", type=int, default=64,
                   help="character embedding size (default 64)")
    add_lstm_options(p, hidden_size=512, num_layers=2)
    p.add_argument("--dropout", type=float, default=0.1, help="dropout between layers and before the head")
    p.add_argument("--weight-drop", type=float, default=0.0,
                   help="DropConnect on the LSTM's hidden-to-hidden weights while training, as AWD-LSTM (default 0)")
    p.add_argument("--fit-schedule", action="store_true",
                   help="end the cosine schedule when --minutes runs out: the step count is set from the speed of "
                        "the first steps (for a machine lent for a fixed time); --epochs stays the cap")
    p.add_argument("--min-count", type=int, default=1, help="characters rarer in the training text read as unknown")
    p.add_argument("--seq", type=int, default=256, help="characters per truncated-BPTT segment (default 256)")
    p.add_argument("--init", default=None,
                   help="start from the weights of this finished run or exported checkpoint folder (a new schedule: "
                        "a later stage, with its architecture)")
    p.add_argument("--export", default=None, help="write the run in --out as a checkpoint repo to this folder, and stop")
    p.add_argument("--limit", type=int, default=None,
                   help="with --export: evaluate on the first N test characters only (a quick check)")


def run(args: argparse.Namespace) -> dict:
    """``zoo train chargen``: train (or resume) the run in --out, or export it; the summary."""
    args.out = args.out.replace("CORPUS", args.corpus)
    if args.export:
        return export(Path(args.out), Path(args.export), args.limit)
    return train(args)


def named(saved: dict) -> dict:
    """A run's saved options under today's names."""
    return {OLD_NAMES.get(k, k): v for k, v in saved.items()}


def streams(ids: torch.Tensor, batch: int) -> torch.Tensor:
    n = len(ids) // batch
    return ids[: n * batch].view(batch, n)


def bits_per_char(model, ids: torch.Tensor) -> float:
    return nats_per_char(model, ids) / math.log(2)


def architecture(args, vocab_size: int) -> dict:
    return {"vocab_size": vocab_size, "embedding_dim": args.embedding_dim, "hidden_size": args.hidden_size,
            "num_layers": args.num_layers, "dropout": args.dropout}


def vocabulary(train_text: str, min_count: int) -> CharVocab:
    """Characters of the training text seen at least ``min_count`` times; id 0 reads the others."""
    counts = collections.Counter(train_text)
    return CharVocab("".join(sorted(c for c, n in counts.items() if n >= min_count)))


def start(args, run: RunFolder, vocab: CharVocab, model, optimizer) -> dict:
    """The run's meta: resumed from --out, started from --init's weights, or new."""
    meta = {"step": 0, "vocab": vocab.chars, "args": vars(args), "history": []}
    if run.exists():
        meta = run.resume(model, optimizer)
        log({"resumed_at_step": meta["step"]})
    elif args.init:  # a later stage: the weights of a finished run or checkpoint, a fresh optimizer and schedule
        meta["init"] = init_from(args.init, vocab, model)
    return meta


def _init_kind(path: str) -> str | None:
    """What --init names: a training ``run`` (state.json), an exported ``checkpoint`` (config.json), or None."""
    if RunFolder(path).exists():
        return "run"
    return "checkpoint" if (Path(path) / "config.json").is_file() else None


def init_from(path: str, vocab: CharVocab, model) -> dict:
    """Load --init's weights into ``model``: a finished run's, or an exported checkpoint's
    (``config.json`` beside the weights, whose stages the new one follows). What it started from."""
    from zoo.checkpoint import content_revision, load_state_dict_strict, read_config

    kind = _init_kind(path)
    if kind == "run":
        first = RunFolder(path)
        before = first.meta()
        if before["vocab"] != vocab.chars:
            raise InputError(f"--init {path}: that run was trained with another vocabulary")
        model.load_state_dict(first.weights())
        return {"run": path, "steps": before["step"], "args": before["args"], "history": before["history"]}
    folder = Path(path)
    if kind is None:
        raise InputError(f"--init {path}: neither a training run (state.json) nor a checkpoint folder (config.json)")
    if CharVocab.load(folder).chars != vocab.chars:
        raise InputError(f"--init {path}: that checkpoint was trained with another vocabulary")
    load_state_dict_strict(model, folder, f"--init {path}")
    # The folder may be overwritten by this stage's export: its revision says which one it was.
    return {"checkpoint": path, "revision": content_revision(folder),
            "stages": read_config(folder, f"--init {path}")["training"]["stages"]}


def init_architecture(args) -> None:
    """A later stage keeps the architecture of what it starts from (--init: a run or a checkpoint)."""
    from zoo.checkpoint import read_config

    kind = _init_kind(args.init)
    if kind is None:
        return  # init_from says what is wrong
    saved = (named(RunFolder(args.init).meta()["args"]) if kind == "run"
             else read_config(Path(args.init), f"--init {args.init}")["architecture"])
    for key in ("embedding_dim", "hidden_size", "num_layers", "dropout"):
        if key in saved:
            setattr(args, key, saved[key])


def train(args: argparse.Namespace) -> dict:
    run = RunFolder(args.out)
    if run.exists():  # a resumed run keeps its corpus and architecture
        saved = named(run.meta()["args"])
        for key in ARCHITECTURE_KEYS:
            setattr(args, key, saved.get(key, getattr(args, key)))
    elif args.init:
        init_architecture(args)
    splits = data.load_splits(args.corpus)
    vocab = vocabulary(splits["train"], args.min_count)
    train_ids = streams(torch.tensor(vocab.encode(splits["train"])), args.batch_size)
    dev_ids = torch.tensor(vocab.encode(splits["dev"]))
    torch.manual_seed(args.seed)
    device = training_device()
    model = CharLSTM(**architecture(args, len(vocab)))
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    meta = start(args, run, vocab, model, optimizer)
    model.to(device)
    for state in optimizer.state.values():  # a resumed optimizer's moments follow the weights
        for k, v in state.items():
            if torch.is_tensor(v) and v.dim():
                state[k] = v.to(device)
    train_ids = train_ids.to(device)
    meta.setdefault("machine", torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU")
    log({"device": str(device), "machine": meta["machine"], "parameters": sum(p.numel() for p in model.parameters())})
    train_steps(args, model, optimizer, train_ids, meta, lambda: checkpoint(run, model, optimizer, meta, dev_ids))
    checkpoint(run, model, optimizer, meta, dev_ids)
    return {"out": str(run.path), "step": meta["step"], **meta["history"][-1]}


def checkpoint(run: RunFolder, model, optimizer, meta: dict, dev_ids: torch.Tensor) -> None:
    """Save the run; score dev, and keep the weights with the lowest dev bits as ``best.safetensors``."""
    meta["history"].append({"step": meta["step"], "dev_bpc": round(bits_per_char(model, dev_ids), 4)})
    log(meta["history"][-1])
    if meta["history"][-1]["dev_bpc"] <= meta.get("best", {}).get("dev_bpc", math.inf):
        meta["best"] = meta["history"][-1]
        run.path.mkdir(parents=True, exist_ok=True)
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(run.path / BEST))
    run.save(model, optimizer, meta)


BEST = "best.safetensors"


def best_weights(run_path: Path) -> dict[str, torch.Tensor]:
    """The weights a run is exported with: those with the lowest dev bits (older runs: the last)."""
    best = run_path / BEST
    return load_file(str(best)) if best.is_file() else RunFolder(run_path).weights()


def forward(model, x: torch.Tensor, state, weight_drop: float):
    """The training forward pass; with ``weight_drop``, through hidden-to-hidden weights with a
    fresh DropConnect mask each call (the same mask at every time step, as AWD-LSTM)."""
    if not weight_drop:
        return model(x, state)
    dropped = {name: F.dropout(w, weight_drop, True) for name, w in model.lstm.named_parameters()
               if name.startswith("weight_hh")}
    out, state = functional_call(model.lstm, dropped, (model.embedding(x), state))
    return model.head(model.dropout(out)), state


def train_steps(args, model, optimizer, train_ids: torch.Tensor, meta: dict, save) -> None:
    """Steps of truncated BPTT (state carried between segments, reset at each epoch) until the
    schedule ends or the time budget is spent; ``save()`` every --save-every minutes."""
    steps_per_epoch = (train_ids.shape[1] - 1) // args.seq
    total_steps = meta.get("total_steps", int(steps_per_epoch * args.epochs))
    budget, state = Budget(args.minutes, args.save_every), None
    fit = ScheduleFit(args, meta, budget, steps_per_epoch)
    model.train()
    while meta["step"] < total_steps and not budget.over():
        step = meta["step"]
        pos = (step % steps_per_epoch) * args.seq
        if pos == 0:
            state = None
        total_steps = fit(step, total_steps, train_ids.is_cuda)
        lr = cosine_lr(args.lr, step, total_steps)
        logits, state = forward(model, train_ids[:, pos:pos + args.seq], state, getattr(args, "weight_drop", 0.0))
        state = tuple(s.detach() for s in state)
        y = train_ids[:, pos + 1:pos + args.seq + 1]
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        optimizer_step(model, optimizer, loss, lr)
        meta["step"] = step + 1
        if step % 50 == 0:
            log({"step": step, "epoch": round(step / steps_per_epoch, 3), "train_bpc": round(loss.item() / math.log(2), 4),
                 "lr": round(lr, 6), "elapsed_s": round(budget.elapsed())})
        if budget.save_due():
            save()


class ScheduleFit:
    """--fit-schedule: time 50 steps after a warm-up of 20, then end the cosine schedule where
    --minutes runs out (10% of the time left kept for the dev scores of the saves). The length is
    saved in the run (``total_steps``), so a resumed run keeps it; --epochs stays the cap."""

    def __init__(self, args, meta: dict, budget: Budget, steps_per_epoch: int):
        self.on = getattr(args, "fit_schedule", False) and "total_steps" not in meta
        self.window = (meta["step"] + 20, meta["step"] + 70)
        self.meta, self.budget, self.minutes, self.steps_per_epoch = meta, budget, args.minutes, steps_per_epoch

    def __call__(self, step: int, total_steps: int, cuda: bool) -> int:
        if not self.on or step not in self.window:
            return total_steps
        if cuda:  # steps are queued ahead of the GPU: time what it has done
            torch.cuda.synchronize()
        if step == self.window[0]:
            self.started = time.time()
            return total_steps
        per_step = (time.time() - self.started) / (self.window[1] - self.window[0])
        fits = step + int(0.9 * (self.minutes * 60 - self.budget.elapsed()) / per_step)
        self.meta["total_steps"], self.on = min(total_steps, fits), False
        log({"schedule_steps": self.meta["total_steps"], "epochs": round(self.meta["total_steps"] / self.steps_per_epoch, 2),
             "seconds_per_step": round(per_step, 4)})
        return self.meta["total_steps"]


CARDS = {
    "kjv": {
        "title": "Character LSTM, King James Bible", "example": "In the beginning",
        "data": "King James Bible, public domain, from Debian's bible-kjv packages (`python -m zoo data chargen`). "
                "The 66 books are shuffled with a fixed seed and whole books held out (see `config.json` "
                "`training.corpus_summary`): test 2 Samuel, Daniel, Nahum, Haggai, Ephesians, Philippians.",
        "limitations": "Trained on one 17th-century translation: it writes Bible-like English and nothing else.",
        "datasets": ["kjv-bible"], "language": "en"},
    "python": {
        "title": "Character LSTM, Python standard library", "example": "def ",
        "data": "The Python standard library's source (`*.py` of the interpreter it was trained with, PSF licence; "
                "`python -m zoo data chargen --corpus python`), test suites and generated tables left out; whole "
                "files held out by a seeded hash of their path (see `config.json` `training.corpus_summary`).",
        "limitations": "It writes code that looks like Python, not code that runs; it knows one Python version's "
                       "library and nothing of third-party code.",
        "datasets": ["python-stdlib"], "language": None},
}


def export(run_path: Path, out: Path, limit: int | None = None) -> dict:
    """Turn a training run into a checkpoint repo: fp16 safetensors weights, vocab.json,
    config.json with the test metrics measured on the stored weights, and a model card."""
    from zoo.checkpoint import content_revision, save_checkpoint
    from zoo.pipelines import load_folder

    from .evaluate import evaluate
    from .task import ChargenTask

    meta = RunFolder(run_path).meta()
    saved = {"corpus": "kjv", "embedding_dim": 64, "hidden_size": 512, "num_layers": 2, "dropout": 0.1,
             **named(meta["args"])}
    vocab = CharVocab(meta["vocab"])
    model = CharLSTM(**architecture(argparse.Namespace(**saved), len(vocab)))
    model.load_state_dict({k: v.float() for k, v in best_weights(run_path).items()})
    task = ChargenTask()
    config = export_config(meta, saved, model, vocab)
    save_checkpoint(out, task, model, vocab, config, "# placeholder\n", weights_dtype=torch.float16)
    pipe = load_folder(task, out, torch.device("cpu"))
    ev = evaluate(pipe, "test", limit)
    found = next((c for c in task.checkpoints if c.bundled and Path(c.bundled).resolve() == out.resolve()), None)
    command = f"python -m zoo eval chargen --checkpoint {found.id if found else out} --split test"
    evaluation = {"command": command, "split": "test", "n": ev["n"],
                  "metrics": {k: v for k, v in ev["metrics"].items() if k != "seconds"},
                  "baselines": ev["baselines"], "generation_step": ev["generation_step"],
                  "date": datetime.date.today().isoformat()}
    config["metrics"], config["evaluation"] = evaluation["metrics"], evaluation
    repo = found.repo_id if found else f"lstm-zoo/chargen-{saved['corpus']}-lstm"
    card = model_card(meta, config, evaluation, ev, repo)
    save_checkpoint(out, task, pipe.model, vocab, config, card, weights_dtype=torch.float16)
    return {"out": str(out), "revision": content_revision(out), "test": evaluation["metrics"],
            "baselines": ev["baselines"]}


def export_config(meta: dict, saved: dict, model, vocab: CharVocab) -> dict:
    init = meta.get("init")
    earlier = init["stages"] if init and "stages" in init else [init] if init else []  # a checkpoint's, or a run's
    this = {"steps": meta["step"], "args": meta["args"], "history": meta["history"]}
    if meta.get("best"):  # the weights exported: those with the lowest dev bits
        this["exported"] = meta["best"]
    if meta.get("machine"):
        this["machine"] = meta["machine"]
    if init and init.get("revision"):
        this["init_revision"] = init["revision"]
    stages = [*earlier, this]
    return {"architecture": architecture(argparse.Namespace(**saved), len(vocab)), "preprocessor": vocab.config(),
            "training": {"corpus": saved["corpus"], "corpus_summary": data.corpus(saved["corpus"]).summary(),
                         "stages": [st for st in stages if st]}}


def stage_command(stage: dict) -> str:
    """The command that trained one stage of a run (options under today's names)."""
    a = named(stage["args"])
    flags = [f"--corpus {a.get('corpus', 'kjv')}", f"--out {a['out']}", f"--lr {a['lr']}", f"--epochs {a['epochs']}"]
    flags += [f"--{k.replace('_', '-')} {a[k]}" for k in ("embedding_dim", "hidden_size", "num_layers", "dropout",
                                                          "weight_drop", "batch_size", "seq", "min_count", "init")
              if a.get(k) is not None]
    if a.get("fit_schedule"):
        flags.append(f"--fit-schedule --minutes {a['minutes']}")
    at = f", from that checkpoint at revision {stage['init_revision'][:12]}" if stage.get("init_revision") else ""
    on = f" on {stage['machine']}" if stage.get("machine") else ""
    kept = (f"; the weights of step {stage['exported']['step']}, the lowest dev bits per character "
            f"({stage['exported']['dev_bpc']}), are the ones kept" if stage.get("exported") else "")
    return f"`python -m zoo train chargen {' '.join(flags)}` ({stage['steps']} steps{on}{at}{kept})"


def model_card(meta: dict, config: dict, evaluation: dict, ev: dict, repo: str) -> str:
    from zoo import card as cards

    from .task import ChargenTask

    arch, text, a = config["architecture"], CARDS[config["training"]["corpus"]], named(meta["args"])
    steps = "; then ".join(stage_command(st) for st in config["training"]["stages"])
    return cards.render(
        task="chargen", repo_id=repo, title=text["title"],
        summary=f"A {arch['num_layers']}-layer, {arch['hidden_size']}-unit character-level LSTM language model.",
        model=f"Character embeddings ({arch['embedding_dim']}), a {arch['num_layers']}x{arch['hidden_size']} LSTM and "
              "a linear head over the characters of the training text plus an unknown-character entry. Generation "
              "steps one character at a time with the state kept, with int8 weights on the CPU: "
              f"{ev['generation_step']['bits_per_char']} bits per character on the same test text "
              f"({ev['generation_step']['increase']:+.4f}).",
        data=text["data"],
        training=f"Adam, cosine decay, gradient clipping 1.0, truncated BPTT over {a['batch_size']} streams of "
                 f"{a['seq']} characters: {steps}."
                 + (" A later stage starts from the weights of the one before with a fresh optimizer and schedule."
                    if len(config["training"]["stages"]) > 1 else "")
                 + " Runs and stages were chosen on the dev split only (its bits per character at each save); "
                   "test was read by the export.",
        evaluation=evaluation, limitations=text["limitations"],
        preprocessor_files="`vocab.json` (the character vocabulary)", example=text["example"],
        license="mit", pipeline_tag=ChargenTask.pipeline_tag, datasets=text["datasets"], language=text["language"],
        tags=["text-generation", "char-rnn"])
