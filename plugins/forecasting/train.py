"""Train the global quantile LSTM on one M3 subset's training parts, with checkpoints and resume.

    python -m zoo train forecasting --out runs/forecasting-dev --holdout dev   # model selection
    python -m zoo train forecasting --out runs/forecasting                     # the final model
    python -m zoo train forecasting --period quarterly --out runs/fc-quarterly # another subset

Every cut point of every series' history (at least ``--min-context`` values before it) gives a
training window: its context encoded by the preprocessor, and the next ``model_horizon`` values
(24 monthly, 8 quarterly, 6 yearly, 8 other; masked where the series ends) as scaled targets.
The loss is the pinball loss averaged over all quantiles and steps. Each ensemble member gets its
own seed and batch order; a run saves after every epoch of every member (``model.safetensors``,
``optimizer.safetensors``, ``state.json``) and resumes where it stopped. ``--holdout dev`` trains
without each series' last ``--origins`` horizons of training values and reports the rolling-origin
dev sMAPE / coverage (each of those origins forecast from the history before it) after each member.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from zoo import ZooError
from zoo.training import Budget, RunFolder, add_lstm_options, add_run_options, cosine_lr, log, optimizer_step

from . import data
from .model import QuantileLSTM, model_inputs
from .preprocess import ForecastPreprocessor


def windows(pre: ForecastPreprocessor, histories: list[list[float]], min_context: int, m: int = data.SEASON):
    """(inputs, partners, targets, mask) tensors for every cut point of every history (partners:
    the scaled forecasts the network reads, (windows, reads, horizon); reads may be 0)."""
    cuts = [(h, cut) for h in histories for cut in range(min_context, len(h))]
    encs = pre.encode_batch([h[:cut] for h, cut in cuts], m)
    ys, masks = [], []
    for (h, cut), enc in zip(cuts, encs):
        t = pre.targets(enc, h[cut:cut + pre.horizon])
        ys.append(t + [0.0] * (pre.horizon - len(t)))
        masks.append([1.0] * len(t) + [0.0] * (pre.horizon - len(t)))
    return (*model_inputs(encs, pre.horizon), torch.tensor(ys, dtype=torch.float32), torch.tensor(masks, dtype=torch.float32))


def pinball(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor, quantiles: torch.Tensor) -> torch.Tensor:
    """pred (B, H, Q), target and mask (B, H)."""
    err = target[..., None] - pred
    loss = torch.maximum(quantiles * err, (quantiles - 1) * err)
    return (loss.mean(-1) * mask).sum() / mask.sum()


@torch.no_grad()
def predict(model: QuantileLSTM, pre: ForecastPreprocessor, histories, m: int = data.SEASON, member=None,
            members=None, horizon: int | None = None):
    """Quantile forecasts (series x steps x quantiles) in each series' units: of the ensemble (its
    first ``members``), or of one ``member``."""
    model.eval()
    encs = pre.encode_batch(histories, m)
    x, p = model_inputs(encs, pre.horizon)
    z = model(x, p, members) if member is None else model.member_forward(member, x, p).sort(-1).values
    return [pre.forecast(e, q.numpy())[:horizon] for e, q in zip(encs, z)]


def dev_rows(period: data.Period, origins: int) -> list:
    """The rolling-origin dev set: every series at each of ``origins`` cut points."""
    return [row for k in range(origins) for row in data.split("dev", period.name, origin=k)]


def score(model, pre, period: data.Period, origins: int = 1, member=None, members=None) -> dict:
    from .metrics import coverage, smape

    rows = dev_rows(period, origins)
    fc = predict(model, pre, [h for _, h, _ in rows], m=period.season, member=member, members=members,
                 horizon=period.horizon)
    mid, lo, hi = pre.quantiles.index(0.5), pre.quantiles.index(0.1), pre.quantiles.index(0.9)
    return {"smape": round(float(np.mean([smape(f, q[:, mid]) for (_, _, f), q in zip(rows, fc)])), 3),
            "coverage80": round(float(np.mean([coverage(f, q[:, lo], q[:, hi]) for (_, _, f), q in zip(rows, fc)])), 4),
            "forecasts": len(rows)}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.description, p.formatter_class = __doc__, argparse.RawDescriptionHelpFormatter
    add_run_options(p, out="runs/forecasting", epochs=8, lr=2e-3, batch_size=256, minutes=600)
    p.add_argument("--period", choices=list(data.PERIODS), default="monthly", help="the M3 subset (default monthly)")
    p.add_argument("--holdout", choices=["none", "dev"], default="none",
                   help="dev: leave out each series' last --origins horizons of training values and score on them")
    p.add_argument("--origins", type=int, default=1, help="with --holdout dev: dev cut points (rolling origin; "
                   "default 1: the last horizon only)")
    p.add_argument("--members", type=int, default=5, help="ensemble members, each trained with its own seed")
    add_lstm_options(p, hidden_size=64, num_layers=2)
    p.add_argument("--window", type=int, default=36, help="values the preprocessor scales by (default 36)")
    p.add_argument("--context", type=int, default=120, help="values of history the model reads (default 120)")
    p.add_argument("--min-context", type=int, default=None,
                   help="fewest values before a training cut point (default: 12, or the period's horizon if shorter)")
    p.add_argument("--dropout", type=float, default=0.1, help="dropout between LSTM layers (default 0.1)")
    p.add_argument("--log", action="store_true", help="scale positive series in log space")
    p.add_argument("--reads", type=lambda s: [m.strip() for m in s.split(",") if m.strip()], default=[],
                   help="partners whose forecasts the network reads, comma-separated (the zoo's own: SES-Theta, "
                        "Holt-Winters, Dynamic-Theta); its quantiles are then residuals around their mean")
    p.add_argument("--limit-series", type=int, default=None,
                   help="train on the first N series only (a quick check; not for a checkpoint)")
    p.add_argument("--export", type=Path, default=None, help="write the run in --out as a checkpoint repo here")
    p.add_argument("--calibrate", type=Path, default=None,
                   help="with --export: a --holdout dev run whose dev forecasts set the interval width")
    p.add_argument("--limit", type=int, default=None, help="with --export: evaluate on the first N test series only")
    p.add_argument("--combine-weight", type=float, default=None,
                   help="with --export: serve the weighted mean of the LSTM's median (this weight) and the "
                        "partners' mean (the rest); choose it on dev (benchmarks/forecasting/combine_dev.py)")
    p.add_argument("--combine-models", type=lambda s: [m.strip() for m in s.split(",") if m.strip()], default=None,
                   help="with --combine-weight: the partners, comma-separated, averaged: the zoo's own SES-Theta, "
                        "Holt-Winters and Dynamic-Theta, statsforecast's DynamicOptimizedTheta and AutoETS "
                        "(default DynamicOptimizedTheta)")
    p.add_argument("--serves", choices=list(data.PERIODS), default=None,
                   help="with --export and --calibrate (this run): a checkpoint for another M3 subset's series, the "
                        "run's network calibrated on that subset's dev split and scored on its test part")


def run(args: argparse.Namespace) -> dict:
    """``zoo train forecasting``: train (or resume) every member of the run in --out, or export it."""
    if args.export:
        from .export import export

        return export(Path(args.out), args.export, args.calibrate, args.limit, getattr(args, "combine_weight", None),
                      getattr(args, "serves", None), getattr(args, "combine_models", None))
    return train(args)


def new_meta(args: argparse.Namespace) -> dict:
    # Saved under the names the run's code reads back (architecture: QuantileLSTM's arguments).
    return {"args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
            "architecture": {"horizon": data.period(args.period).model_horizon, "quantiles": 15, "members": args.members,
                             "hidden": args.hidden_size, "layers": args.num_layers, "features": 2,
                             "dropout": args.dropout, **({"reads": len(args.reads)} if args.reads else {})},
            "preprocessor": ForecastPreprocessor(args.window, data.period(args.period).model_horizon, context=args.context,
                                                 log=args.log, reads=args.reads).config(),
            "member": 0, "epoch": 0, "history": []}


def train(args: argparse.Namespace) -> dict:
    run = RunFolder(args.out)
    meta = run.meta() if run.exists() else new_meta(args)
    a = {"batch_size": meta["args"].get("batch", 256), **meta["args"]}  # runs saved before the renaming: "batch"
    pre = ForecastPreprocessor.from_config(meta["preprocessor"])
    # Seeded: the initial weights once depended on whatever had drawn from torch's generator first.
    torch.manual_seed(a["seed"])
    model = QuantileLSTM(**meta["architecture"])
    if (run.path / "model.safetensors").is_file():
        model.load_state_dict(run.weights())
    period = data.period(a.get("period", "monthly"))  # runs saved before --period: monthly
    origins = a.get("origins", 1)
    series = data.m3(period.name)[: a.get("limit_series")]
    held = origins * period.horizon if a["holdout"] == "dev" else 0
    histories = [s["x"][:len(s["x"]) - held] for s in series]
    min_context = a.get("min_context") or min(12, period.horizon)
    windows_ = windows(pre, histories, min_context, period.season)
    log({"windows": len(windows_[0]), "series": len(histories), **({"reads": list(pre.reads)} if pre.reads else {})})
    budget = Budget(args.minutes)  # this command's budget, checked after each epoch
    while meta["member"] < a["members"]:
        i = meta["member"]
        optimizer = torch.optim.Adam(model.members[i].parameters(), lr=a["lr"])
        if meta["epoch"]:
            run.resume(model, optimizer, params_of=model.members[i])
        while meta["epoch"] < a["epochs"]:
            train_epoch(model, i, optimizer, windows_, pre, a, meta)
            if collapsed(model, i, windows_[0], windows_[1]):
                # Now and then a member's LSTM saturates into one output for every input (its loss
                # flat at that of constant quantiles): start that member again from a new seed.
                attempt = meta.setdefault("attempts", {}).get(str(i), 0) + 1
                meta["attempts"][str(i)] = attempt
                if attempt > 5:
                    raise ZooError(f"member {i} collapsed {attempt} times: train with a lower --lr")
                log({"member": i, "collapsed_at_epoch": meta["epoch"], "restart": attempt})
                torch.manual_seed(a["seed"] * 1000 + i * 100 + 50 + attempt)
                model.members[i] = model.new_member()
                optimizer = torch.optim.Adam(model.members[i].parameters(), lr=a["lr"])
                meta["epoch"] = 0
            run.save(model, optimizer, meta)
            if budget.over():
                return {"out": str(run.path), "stopped": {"member": i, "epoch": meta["epoch"]},
                        "history": meta["history"][-3:]}
        if a["holdout"] == "dev":
            meta["history"].append({"member": i, "dev": score(model, pre, period, origins, member=i),
                                    "dev_ensemble_so_far": score(model, pre, period, origins, members=i + 1)})
            log(meta["history"][-1])
        meta["member"], meta["epoch"] = i + 1, 0
        run.save(model, optimizer, meta)
    return {"out": str(run.path), "history": meta["history"][-3:]}


@torch.no_grad()
def collapsed(model: QuantileLSTM, i: int, x: torch.Tensor, partners: torch.Tensor | None = None,
              probe: int = 1024) -> bool:
    """Member ``i`` gives (nearly) the same output whatever its input; or, where it reads partners,
    its LSTM's state no longer depends on the values (its output still would, through them)."""
    member = model.members[i].eval()
    rows = torch.linspace(0, len(x) - 1, min(probe, len(x))).long()
    p = partners[rows] if model.reads else None
    if member(x[rows], p).std(0).mean() < 1e-4:
        return True
    return bool(model.reads and member.lstm(x[rows])[0][:, -1].std(0).mean() < 1e-4)


def train_epoch(model: QuantileLSTM, i: int, optimizer, windows_, pre: ForecastPreprocessor, a: dict,
                meta: dict) -> None:
    """One epoch of member ``i``, in its own seeded order; appends the epoch's loss to the history."""
    x, partners, y, mask = windows_
    e, batch = meta["epoch"], a["batch_size"]
    steps_per_epoch = (len(x) + batch - 1) // batch
    total = steps_per_epoch * int(a["epochs"])
    attempt = meta.get("attempts", {}).get(str(i), 0)
    seed = a["seed"] * 1000 + i * 100 + e + 7919 * attempt  # a restarted member: a new order
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    model.members[i].train()
    torch.manual_seed(seed)
    t0, losses, q = time.time(), [], torch.tensor(pre.quantiles)
    for s in range(steps_per_epoch):
        idx = order[s * batch:(s + 1) * batch]
        loss = pinball(model.member_forward(i, x[idx], partners[idx]), y[idx], mask[idx], q)
        optimizer_step(model.members[i], optimizer, loss, cosine_lr(a["lr"], e * steps_per_epoch + s, total, 100))
        losses.append(loss.item())
    meta["epoch"] += 1
    meta["history"].append({"member": i, "epoch": e + 1, "loss": round(float(np.mean(losses)), 4),
                            "seconds": round(time.time() - t0, 1), **({"restart": attempt} if attempt else {})})
    log(meta["history"][-1])
