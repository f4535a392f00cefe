"""Train a character LSTM on one corpus, with checkpoints and resume; export a run as a checkpoint.

    python -m zoo train chargen --corpus kjv --out runs/chargen-kjv [--minutes 40]
    python -m zoo train chargen --out runs/chargen-kjv --export plugins/chargen/checkpoints/kjv

Every few minutes it writes ``model.safetensors``, ``optimizer.safetensors`` and ``state.json``
(step, position, dev bits per character) to --out; run it again with the same --out to resume.
Truncated BPTT over 32 parallel streams of the training books, state carried between segments.
"""
from __future__ import annotations

import argparse
import collections
import json
import math
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

from zoo.training import cosine_lr, load_optimizer, optimizer_step, save_optimizer

from . import data
from .evaluate import nats_per_char
from .model import CharLSTM
from .preprocess import CharVocab


def streams(ids: torch.Tensor, batch: int) -> torch.Tensor:
    n = len(ids) // batch
    return ids[: n * batch].view(batch, n)


def bits_per_char(model, ids: torch.Tensor) -> float:
    return nats_per_char(model, ids) / math.log(2)


def architecture(args, vocab_size: int) -> dict:
    return {"vocab_size": vocab_size, "embedding_dim": args.embedding, "hidden_size": args.hidden,
            "num_layers": args.layers, "dropout": args.dropout}


def save(out: Path, model, optimizer, meta: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(out / "model.safetensors"))
    save_optimizer(optimizer, out / "optimizer.safetensors")
    (out / "state.json").write_text(json.dumps(meta, indent=1))


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m zoo train chargen --", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", default="kjv", choices=sorted(data.CORPORA))
    p.add_argument("--out", default=None, help="run folder (default runs/chargen-CORPUS)")
    p.add_argument("--embedding", type=int, default=64)
    p.add_argument("--hidden", type=int, default=512)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--dropout", type=float, default=0.1)
    p.add_argument("--min-count", type=int, default=1, help="characters rarer in the training text read as unknown")
    p.add_argument("--minutes", type=float, default=40)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--seq", type=int, default=256)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--epochs", type=float, default=6)
    p.add_argument("--save-every", type=float, default=5, help="minutes")
    p.add_argument("--init", default=None, help="start from the weights of this finished run (a new schedule: a second stage)")
    p.add_argument("--export", default=None, help="write the run in --out as a checkpoint repo to this folder, and stop")
    args = p.parse_args(argv)
    out = Path(args.out or f"runs/chargen-{args.corpus}")
    if args.export:
        print(json.dumps(export(out, Path(args.export)), indent=2))
        return
    if (out / "state.json").is_file():  # a resumed run keeps its corpus and architecture
        saved_args = json.loads((out / "state.json").read_text())["args"]
        for key in ("corpus", "embedding", "hidden", "layers", "dropout", "min_count"):
            setattr(args, key, saved_args.get(key, getattr(args, key)))
    splits = data.load_splits(args.corpus)
    counts = collections.Counter(splits["train"])
    chars = "".join(sorted(c for c, n in counts.items() if n >= args.min_count))
    vocab = CharVocab(chars)  # id 0: a character the training text never (or rarely) uses
    train_ids = streams(torch.tensor(vocab.encode(splits["train"])), args.batch)
    dev_ids = torch.tensor(vocab.encode(splits["dev"]))
    torch.manual_seed(0)
    model = CharLSTM(**architecture(args, len(vocab)))
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    steps_per_epoch = (train_ids.shape[1] - 1) // args.seq
    total_steps = int(steps_per_epoch * args.epochs)
    meta = {"step": 0, "vocab": chars, "args": vars(args), "history": []}
    if (out / "state.json").is_file():  # resume
        meta = json.loads((out / "state.json").read_text())
        model.load_state_dict(load_file(str(out / "model.safetensors")))
        load_optimizer(optimizer, model, out / "optimizer.safetensors")
        print(f"resumed at step {meta['step']}", file=sys.stderr)
    elif args.init:  # a second stage: the weights of a finished run, a fresh optimizer and schedule
        first = json.loads((Path(args.init) / "state.json").read_text())
        if first["vocab"] != chars:
            raise SystemExit(f"{args.init} was trained with another vocabulary")
        model.load_state_dict(load_file(str(Path(args.init) / "model.safetensors")))
        meta["init"] = {"run": args.init, "steps": first["step"], "args": first["args"], "history": first["history"]}
    started = last_save = time.time()
    state = None
    model.train()
    while meta["step"] < total_steps and time.time() - started < args.minutes * 60:
        step = meta["step"]
        pos = (step % steps_per_epoch) * args.seq
        if pos == 0:
            state = None
        lr = cosine_lr(args.lr, step, total_steps)
        x = train_ids[:, pos:pos + args.seq]
        y = train_ids[:, pos + 1:pos + args.seq + 1]
        logits, state = model(x, state)
        state = tuple(s.detach() for s in state)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        optimizer_step(model, optimizer, loss, lr)
        meta["step"] = step + 1
        if step % 50 == 0:
            print(json.dumps({"step": step, "epoch": round(step / steps_per_epoch, 3),
                              "train_bpc": round(loss.item() / math.log(2), 4), "lr": round(lr, 6),
                              "elapsed_s": round(time.time() - started)}), file=sys.stderr, flush=True)
        if time.time() - last_save > args.save_every * 60:
            meta["history"].append({"step": meta["step"], "dev_bpc": round(bits_per_char(model, dev_ids), 4)})
            print(json.dumps(meta["history"][-1]), file=sys.stderr, flush=True)
            save(out, model, optimizer, meta)
            last_save = time.time()
    meta["history"].append({"step": meta["step"], "dev_bpc": round(bits_per_char(model, dev_ids), 4)})
    save(out, model, optimizer, meta)
    print(json.dumps(meta["history"][-1]))



CARDS = {
    "kjv": dict(
        title="Character LSTM, King James Bible", example="In the beginning",
        data="King James Bible, public domain, from Debian's bible-kjv packages (`python -m zoo data chargen`). "
             "The 66 books are shuffled with a fixed seed and whole books held out (see `config.json` "
             "`training.corpus_summary`): test 2 Samuel, Daniel, Nahum, Haggai, Ephesians, Philippians.",
        limitations="Trained on one 17th-century translation: it writes Bible-like English and nothing else.",
        datasets=["kjv-bible"], language="en"),
    "python": dict(
        title="Character LSTM, Python standard library", example="def ",
        data="The Python standard library's source (`*.py` of the interpreter it was trained with, PSF licence; "
             "`python -m zoo data chargen --corpus python`), test suites and generated tables left out; whole "
             "files held out by a seeded hash of their path (see `config.json` `training.corpus_summary`).",
        limitations="It writes code that looks like Python, not code that runs; it knows one Python version's "
                    "library and nothing of third-party code.",
        datasets=["python-stdlib"], language=None),
}


def export(run: Path, out: Path) -> dict:
    """Turn a training run into a checkpoint repo: fp16 safetensors weights, vocab.json,
    config.json with the test metrics measured on the stored weights, and a model card."""
    import datetime

    from zoo import card as cards
    from zoo.checkpoint import content_revision, save_checkpoint
    from zoo.pipelines import load_folder

    from .evaluate import evaluate
    from .task import ChargenTask

    meta = json.loads((run / "state.json").read_text())
    corpus = meta["args"].get("corpus", "kjv")
    vocab = CharVocab(meta["vocab"])
    arch = architecture(argparse.Namespace(**{"embedding": 64, "hidden": 512, "layers": 2, "dropout": 0.1,
                                              **meta["args"]}), len(vocab))
    model = CharLSTM(**arch)
    model.load_state_dict(load_file(str(run / "model.safetensors")))
    task = ChargenTask()
    stages = [meta.get("init"), {"steps": meta["step"], "args": meta["args"], "history": meta["history"]}]
    summary = data.corpus(corpus).summary()
    config = {"architecture": arch, "preprocessor": vocab.config(),
              "training": {"corpus": corpus, "corpus_summary": summary,
                           "stages": [st for st in stages if st]}}
    save_checkpoint(out, task, model, vocab, config, "# placeholder\n", weights_dtype=torch.float16)
    pipe = load_folder(task, out, torch.device("cpu"))
    ev = evaluate(pipe, "test")
    found = next((c for c in task.checkpoints if c.bundled and Path(c.bundled).resolve() == out.resolve()), None)
    command = f"python -m zoo eval chargen --checkpoint {found.id if found else out} --split test"
    evaluation = {"command": command, "split": "test", "n": ev["n"],
                  "metrics": {k: v for k, v in ev["metrics"].items() if k != "seconds"},
                  "baselines": ev["baselines"], "generation_step": ev["generation_step"],
                  "date": datetime.date.today().isoformat()}
    config["metrics"], config["evaluation"] = evaluation["metrics"], evaluation
    text = CARDS[corpus]
    def command(stage: dict) -> str:
        a = stage["args"]
        flags = [f"--corpus {a.get('corpus', 'kjv')}", f"--out {a['out']}", f"--lr {a['lr']}", f"--epochs {a['epochs']}"]
        flags += [f"--{k.replace('_', '-')} {a[k]}" for k in ("embedding", "hidden", "layers", "min_count", "init")
                  if a.get(k) is not None and k in a]
        return f"`python -m zoo train chargen -- {' '.join(flags)}` ({stage['steps']} steps)"

    steps = "; then ".join(command(st) for st in config["training"]["stages"])
    repo = found.repo_id if found else f"lstm-zoo/chargen-{corpus}-lstm"
    card = cards.render(
        task="chargen", repo_id=repo, title=text["title"],
        summary=f"A {arch['num_layers']}-layer, {arch['hidden_size']}-unit character-level LSTM language model.",
        model=f"Character embeddings ({arch['embedding_dim']}), a {arch['num_layers']}x{arch['hidden_size']} LSTM and "
              "a linear head over the characters of the training text plus an unknown-character entry. Generation "
              "steps one character at a time with the state kept, with int8 weights on the CPU: "
              f"{ev['generation_step']['bits_per_char']} bits per character on the same test text "
              f"({ev['generation_step']['increase']:+.4f}).",
        data=text["data"],
        training=f"Adam, cosine decay, gradient clipping 1.0, truncated BPTT over {meta['args']['batch']} streams of "
                 f"{meta['args']['seq']} characters: {steps}. A later stage starts from the weights of the one before "
                 "with a fresh optimizer and schedule.",
        evaluation=evaluation, limitations=text["limitations"],
        preprocessor_files="`vocab.json` (the character vocabulary)", example=text["example"],
        license="mit", pipeline_tag="text-generation", datasets=text["datasets"], language=text["language"],
        tags=["text-generation", "char-rnn"])
    save_checkpoint(out, task, pipe.model, vocab, config, card, weights_dtype=torch.float16)
    return {"out": str(out), "revision": content_revision(out), "test": evaluation["metrics"],
            "baselines": ev["baselines"]}


if __name__ == "__main__":
    main()
