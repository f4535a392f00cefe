"""Train the global quantile LSTM on the M3 monthly training parts, with checkpoints and resume.

    python -m zoo train forecasting -- --out runs/forecasting-dev --holdout dev   # model selection
    python -m zoo train forecasting -- --out runs/forecasting                     # the final model

Every cut point of every series' history (at least ``--min-context`` values before it) gives a
training window: its context encoded by the preprocessor, and the next 18 values (masked where
the series ends) as scaled targets. The loss is the pinball loss averaged over all quantiles
and steps. Each ensemble member gets its own seed and batch order; a run saves after every
epoch of every member (``model.safetensors``, ``optimizer.safetensors``, ``state.json``) and
resumes where it stopped. ``--holdout dev`` trains without each series' last 18 training values
and reports dev sMAPE / coverage after each member.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from zoo.training import cosine_lr, load_optimizer, optimizer_step, save_optimizer

from . import data
from .model import QuantileLSTM
from .preprocess import ForecastPreprocessor


def windows(pre: ForecastPreprocessor, histories: list[list[float]], min_context: int, m: int = data.SEASON):
    """(inputs, targets, mask) tensors for every cut point of every history."""
    xs, ys, masks = [], [], []
    for h in histories:
        for cut in range(min_context, len(h)):
            enc = pre.encode_values(h[:cut], m)
            future = h[cut:cut + pre.horizon]
            t = pre.targets(enc, future)
            xs.append(enc["inputs"])
            ys.append(t + [0.0] * (pre.horizon - len(t)))
            masks.append([1.0] * len(t) + [0.0] * (pre.horizon - len(t)))
    return (torch.tensor(xs, dtype=torch.float32), torch.tensor(ys, dtype=torch.float32),
            torch.tensor(masks, dtype=torch.float32))


def pinball(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor, quantiles: torch.Tensor) -> torch.Tensor:
    """pred (B, H, Q), target and mask (B, H)."""
    err = target[..., None] - pred
    loss = torch.maximum(quantiles * err, (quantiles - 1) * err)
    return (loss.mean(-1) * mask).sum() / mask.sum()


@torch.no_grad()
def predict(model: QuantileLSTM, pre: ForecastPreprocessor, histories, m: int = data.SEASON, member=None,
            members=None):
    """Quantile forecasts (series x steps x quantiles) in each series' units: of the ensemble (its
    first ``members``), or of one ``member``."""
    model.eval()
    encs = [pre.encode_values(h, m) for h in histories]
    x = torch.tensor([e["inputs"] for e in encs], dtype=torch.float32)
    z = model(x, members) if member is None else model.member_forward(member, x).sort(-1).values
    return [pre.forecast(e, q.numpy()) for e, q in zip(encs, z)]


def score(model, pre, split: str, member=None, members=None) -> dict:
    from .metrics import coverage, smape

    rows = data.split(split)
    fc = predict(model, pre, [h for _, h, _ in rows], member=member, members=members)
    mid, lo, hi = pre.quantiles.index(0.5), pre.quantiles.index(0.1), pre.quantiles.index(0.9)
    return {"smape": round(float(np.mean([smape(f, q[:, mid]) for (_, _, f), q in zip(rows, fc)])), 3),
            "coverage80": round(float(np.mean([coverage(f, q[:, lo], q[:, hi]) for (_, _, f), q in zip(rows, fc)])), 4)}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m zoo train forecasting", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default="runs/forecasting")
    p.add_argument("--holdout", choices=["none", "dev"], default="none",
                   help="dev: leave out each series' last 18 training values and score on them")
    p.add_argument("--members", type=int, default=5)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--window", type=int, default=36)
    p.add_argument("--context", type=int, default=120)
    p.add_argument("--min-context", type=int, default=12)
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--dropout", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--log", action="store_true", help="scale positive series in log space")
    p.add_argument("--export", type=Path, default=None, help="write the run in --out as a checkpoint repo here")
    p.add_argument("--calibrate", type=Path, default=None,
                   help="with --export: a --holdout dev run whose dev forecasts set the interval width")
    args = p.parse_args(argv)
    out = Path(args.out)
    if args.export:
        from .export import export

        print(json.dumps(export(out, args.export, args.calibrate), indent=1))
        return
    state_path = out / "state.json"
    meta = json.loads(state_path.read_text()) if state_path.is_file() else {
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "architecture": {"horizon": data.HORIZON, "quantiles": 15, "members": args.members, "hidden": args.hidden,
                         "layers": args.layers, "features": 2, "dropout": args.dropout},
        "preprocessor": ForecastPreprocessor(args.window, data.HORIZON, context=args.context, log=args.log).config(),
        "member": 0, "epoch": 0, "history": []}
    a = meta["args"]
    pre = ForecastPreprocessor.from_config(meta["preprocessor"])
    model = QuantileLSTM(**meta["architecture"])
    if (out / "model.safetensors").is_file():
        model.load_state_dict(load_file(str(out / "model.safetensors")))
    histories = [s["x"][:-data.HORIZON] if a["holdout"] == "dev" else s["x"] for s in data.m3()]
    started = time.time()
    x, y, mask = windows(pre, histories, a["min_context"])
    print(f"{len(x):,} windows from {len(histories)} series in {time.time() - started:.0f}s", file=sys.stderr)
    q = torch.tensor(pre.quantiles)
    steps_per_epoch = (len(x) + a["batch"] - 1) // a["batch"]
    total = steps_per_epoch * a["epochs"]
    while meta["member"] < a["members"]:
        i = meta["member"]
        member = model.members[i]
        optimizer = torch.optim.Adam(member.parameters(), lr=a["lr"])
        if meta["epoch"] and (out / "optimizer.safetensors").is_file():
            load_optimizer(optimizer, member, out / "optimizer.safetensors")
        while meta["epoch"] < a["epochs"]:
            e = meta["epoch"]
            gen = torch.Generator().manual_seed(a["seed"] * 1000 + i * 100 + e)
            order = torch.randperm(len(x), generator=gen)
            member.train()
            torch.manual_seed(a["seed"] * 1000 + i * 100 + e)
            t0, losses = time.time(), []
            for s in range(steps_per_epoch):
                idx = order[s * a["batch"]:(s + 1) * a["batch"]]
                pred = model.member_forward(i, x[idx])
                loss = pinball(pred, y[idx], mask[idx], q)
                optimizer_step(member, optimizer, loss, cosine_lr(a["lr"], e * steps_per_epoch + s, total, 100))
                losses.append(loss.item())
            meta["epoch"] += 1
            row = {"member": i, "epoch": e + 1, "loss": round(float(np.mean(losses)), 4),
                   "seconds": round(time.time() - t0, 1)}
            meta["history"].append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
            save_run(out, model, optimizer, meta)
        if a["holdout"] == "dev":
            row = {"member": i, "dev": score(model, pre, "dev", member=i),
                   "dev_ensemble_so_far": score(model, pre, "dev", members=i + 1)}
            meta["history"].append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
        meta["member"], meta["epoch"] = i + 1, 0
        save_run(out, model, optimizer, meta)
    print(json.dumps({"out": str(out), "history": meta["history"][-3:]}))


def save_run(out: Path, model, optimizer, meta: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(out / "model.safetensors"))
    save_optimizer(optimizer, out / "optimizer.safetensors")
    (out / "state.json").write_text(json.dumps(meta, indent=1))


if __name__ == "__main__":
    main()
