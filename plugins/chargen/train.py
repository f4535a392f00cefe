"""Work in progress for issue 3: train the KJV character LSTM with checkpoints and resume.

    python -m plugins.chargen.train --out runs/chargen-kjv [--minutes 40]

Every few minutes it writes ``model.safetensors``, ``optimizer.safetensors`` and ``state.json``
(step, position, dev bits per character) to --out; run it again with the same --out to resume.
Truncated BPTT over 32 parallel streams of the training books, state carried between segments.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

from . import data
from .evaluate import nats_per_char
from .model import CharLSTM
from .preprocess import CharVocab


def streams(ids: torch.Tensor, batch: int) -> torch.Tensor:
    n = len(ids) // batch
    return ids[: n * batch].view(batch, n)


def bits_per_char(model, ids: torch.Tensor) -> float:
    return nats_per_char(model, ids) / math.log(2)


def save(out: Path, model, optimizer, meta: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(out / "model.safetensors"))
    opt = optimizer.state_dict()
    tensors = {f"{pid}.{name}": t for pid, st in opt["state"].items() for name, t in st.items() if torch.is_tensor(t)}
    save_file({k: v.contiguous().reshape(v.shape) for k, v in tensors.items()}, str(out / "optimizer.safetensors"))
    (out / "state.json").write_text(json.dumps(meta, indent=1))


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", default="runs/chargen-kjv")
    p.add_argument("--minutes", type=float, default=40)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--seq", type=int, default=256)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--epochs", type=float, default=6)
    p.add_argument("--save-every", type=float, default=5, help="minutes")
    p.add_argument("--export", default=None, help="write the run in --out as a checkpoint repo to this folder, and stop")
    args = p.parse_args(argv)
    out = Path(args.out)
    if args.export:
        print(json.dumps(export(out, Path(args.export)), indent=2))
        return
    splits = data.load_splits()
    chars = "".join(sorted(set(splits["train"])))
    vocab = CharVocab(chars)  # id 0: a character the training books never use
    train_ids = streams(torch.tensor(vocab.encode(splits["train"])), args.batch)
    dev_ids = torch.tensor(vocab.encode(splits["dev"]))
    torch.manual_seed(0)
    model = CharLSTM(len(vocab))
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    steps_per_epoch = (train_ids.shape[1] - 1) // args.seq
    total_steps = int(steps_per_epoch * args.epochs)
    meta = {"step": 0, "vocab": chars, "args": vars(args), "history": []}
    if (out / "state.json").is_file():  # resume
        meta = json.loads((out / "state.json").read_text())
        model.load_state_dict(load_file(str(out / "model.safetensors")))
        saved = load_file(str(out / "optimizer.safetensors"))
        params = list(model.parameters())
        for key, tensor in saved.items():
            pid, name = key.split(".", 1)
            optimizer.state[params[int(pid)]][name] = tensor
        print(f"resumed at step {meta['step']}", file=sys.stderr)
    started = last_save = time.time()
    state = None
    model.train()
    while meta["step"] < total_steps and time.time() - started < args.minutes * 60:
        step = meta["step"]
        pos = (step % steps_per_epoch) * args.seq
        if pos == 0:
            state = None
        lr = args.lr * 0.5 * (1 + math.cos(math.pi * step / total_steps))
        for group in optimizer.param_groups:
            group["lr"] = lr
        x = train_ids[:, pos:pos + args.seq]
        y = train_ids[:, pos + 1:pos + args.seq + 1]
        logits, state = model(x, state)
        state = tuple(s.detach() for s in state)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
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
    vocab = CharVocab(meta["vocab"])
    architecture = {"vocab_size": len(vocab), "embedding_dim": 64, "hidden_size": 512, "num_layers": 2, "dropout": 0.1}
    model = CharLSTM(**architecture)
    model.load_state_dict(load_file(str(run / "model.safetensors")))
    task = ChargenTask()
    config = {"architecture": architecture, "preprocessor": vocab.config(),
              "training": {"data": "King James Bible (Debian bible-kjv 4.38), whole-book split: " + data.__doc__.split("Split")[1].strip(),
                           "steps": meta["step"], "args": meta["args"], "history": meta["history"]}}
    save_checkpoint(out, task, model, vocab, config, "# placeholder\n", weights_dtype=torch.float16)
    pipe = load_folder(task, out, torch.device("cpu"))
    ev = evaluate(pipe, "test")
    evaluation = {"command": "python -m zoo eval chargen --split test", "split": "test", "n": ev["n"],
                  "metrics": {k: v for k, v in ev["metrics"].items() if k != "seconds"},
                  "baselines": ev["baselines"], "date": datetime.date.today().isoformat()}
    config["metrics"], config["evaluation"] = evaluation["metrics"], evaluation
    card = cards.render(
        task="chargen", repo_id=task.checkpoints[0].repo_id, title="Character LSTM, King James Bible",
        summary="A 2-layer, 512-unit character-level LSTM language model of the King James Bible.",
        model="Character embeddings (64), a 2x512 LSTM and a linear head over the characters of the training books "
              "plus an unknown-character entry.",
        data="King James Bible, public domain, from Debian's bible-kjv packages (`python -m zoo data chargen`). "
             "Whole books held out: " + data.__doc__.split("Split (fixed, documented): ")[1].split("Whole books")[0].strip(),
        training=f"`python -m plugins.chargen.train` (work in progress): Adam, cosine decay, truncated BPTT over 32 "
                 f"streams of 256 characters, {meta['step']} steps.",
        evaluation=evaluation,
        limitations="Trained on one 17th-century translation: it writes Bible-like English and nothing else.",
        preprocessor_files="`vocab.json` (the character vocabulary)", example="In the beginning",
        license="mit", pipeline_tag="text-generation", datasets=["kjv-bible"], tags=["text-generation", "char-rnn"])
    save_checkpoint(out, task, pipe.model, vocab, config, card, weights_dtype=torch.float16)
    return {"out": str(out), "revision": content_revision(out), "test": evaluation["metrics"],
            "baselines": ev["baselines"]}


if __name__ == "__main__":
    main()
