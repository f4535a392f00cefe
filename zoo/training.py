"""What every plugin's training recipe shares: the common run options, the run folder (saved
and resumed, safetensors and JSON only), the time budget, one optimizer step, the cosine
schedule and progress lines on stderr."""
from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from .errors import InputError

# The part of this module that plugins use (docs/plugins.md, "The plugin API").
__all__ = ["Budget", "RunFolder", "add_lstm_options", "add_run_options", "cosine_lr", "linear_lr", "load_optimizer", "log",
           "optimizer_step", "save_optimizer", "training_device"]


def training_device() -> torch.device:
    """Where a recipe trains: ``ZOO_DEVICE`` (auto: CUDA where present; asking for CUDA where there
    is none is an error). TF32 matrix products on CUDA: an LSTM's steps need no more precision."""
    from .devices import resolve_device

    device = resolve_device()
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
    return device


def cosine_lr(peak: float, step: int, total: int, warmup: int = 0) -> float:
    """Linear warm-up over ``warmup`` steps, then cosine decay to 0 at ``total``."""
    ramp = min(1.0, (step + 1) / warmup) if warmup else 1.0
    return peak * ramp * 0.5 * (1 + math.cos(math.pi * step / total))


def linear_lr(peak: float, step: int, total: int, warmup: float = 0.05, floor: float = 0.05) -> float:
    """Linear warm-up over the first ``warmup`` share of the steps, then linear decay to ``floor``
    times the peak."""
    return peak * min(1.0, (step + 1) / (warmup * total)) * max(floor, 1 - step / total)


def optimizer_step(model: torch.nn.Module, optimizer: torch.optim.Optimizer, loss: torch.Tensor, lr: float,
                   clip: float = 1.0) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
    optimizer.step()


def save_optimizer(optimizer: torch.optim.Optimizer, path: Path) -> None:
    """Per-parameter state tensors as ``"<parameter index>.<name>"``."""
    state = optimizer.state_dict()["state"]
    tensors = {f"{pid}.{name}": t.contiguous() for pid, st in state.items() for name, t in st.items()
               if torch.is_tensor(t)}
    save_file(tensors, str(path))


def load_optimizer(optimizer: torch.optim.Optimizer, model: torch.nn.Module, path: Path) -> None:
    params = list(model.parameters())
    for key, tensor in load_file(str(path)).items():
        pid, name = key.split(".", 1)
        optimizer.state[params[int(pid)]][name] = tensor


def add_run_options(p, *, out: str, epochs: float | None, lr: float, batch_size: int | None = None,
                    minutes: float | None = None, seed: int = 0, epochs_help: str | None = None) -> None:
    """The options every training recipe shares, with one spelling across plugins (a task adds its
    own model and data options beside these). ``batch_size`` None: the recipe batches otherwise;
    ``minutes`` None: the recipe has no time budget."""
    p.add_argument("--out", default=out, help=f"run folder (default {out}); run the same command again to resume")
    p.add_argument("--epochs", type=float, default=epochs,
                   help=epochs_help or f"passes over the training data (default {epochs:g})")
    p.add_argument("--lr", type=float, default=lr,
                   help="peak learning rate (default " + ("from the recipe" if lr is None else f"{lr:g}") + ")")
    if batch_size is not None:
        p.add_argument("--batch-size", "--batch", dest="batch_size", type=int, default=batch_size,
                       help=f"examples per step (default {batch_size})")
    p.add_argument("--seed", type=int, default=seed, help=f"random seed (default {seed})")
    if minutes is not None:
        p.add_argument("--minutes", type=float, default=minutes,
                       help=f"stop (saved, resumable) after this many minutes (default {minutes:g})")
        p.add_argument("--save-every", type=float, default=5, help="minutes between saves (default 5)")


def add_lstm_options(p, *, hidden_size: int | None, num_layers: int) -> None:
    """The LSTM's size, spelt the same in every recipe (the older ``--hidden`` and ``--layers`` too).
    ``hidden_size`` None: the recipe's preset decides."""
    default = "from the recipe" if hidden_size is None else hidden_size
    p.add_argument("--hidden-size", "--hidden", dest="hidden_size", type=int, default=hidden_size,
                   help=f"LSTM units per layer (and direction) (default {default})")
    p.add_argument("--num-layers", "--layers", dest="num_layers", type=int, default=num_layers,
                   help=f"stacked LSTM layers (default {num_layers})")


class RunFolder:
    """A training run's folder: ``model.safetensors``, ``optimizer.safetensors`` and ``state.json``
    (safetensors and JSON only, never pickle), written every few minutes and at the end, so the
    same command run again resumes where it stopped; ``snapshots/epoch-N.safetensors`` on request
    (checkpoint averaging)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def exists(self) -> bool:
        return (self.path / "state.json").is_file()

    def meta(self) -> dict:
        """The run's ``state.json``: its step, options and history."""
        return json.loads((self.path / "state.json").read_text())

    def weights(self) -> dict[str, torch.Tensor]:
        return load_file(str(self.path / "model.safetensors"))

    def save(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer | None, meta: dict,
             preprocessor=None) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(self.path / "model.safetensors"))
        if optimizer is not None:
            save_optimizer(optimizer, self.path / "optimizer.safetensors")
        if preprocessor is not None:
            preprocessor.save(self.path)
        (self.path / "state.json").write_text(json.dumps(meta, indent=1))

    def resume(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer | None = None,
               params_of: torch.nn.Module | None = None) -> dict:
        """Load the saved weights into ``model`` (and the optimizer state, whose parameters are
        those of ``params_of``, default ``model``); return the run's meta."""
        model.load_state_dict(self.weights())
        if optimizer is not None and (self.path / "optimizer.safetensors").is_file():
            load_optimizer(optimizer, params_of or model, self.path / "optimizer.safetensors")
        return self.meta()

    def snapshot(self, model: torch.nn.Module, epoch: int) -> None:
        (self.path / "snapshots").mkdir(parents=True, exist_ok=True)
        save_file({k: v.contiguous() for k, v in model.state_dict().items()},
                  str(self.path / "snapshots" / f"epoch-{epoch}.safetensors"))

    def averaged(self, last: int) -> tuple[dict[str, torch.Tensor], list[str]]:
        """The element-wise mean of the last ``last`` epoch snapshots (checkpoint averaging, as
        fairseq's average_checkpoints) and their file names."""
        files = sorted((self.path / "snapshots").glob("epoch-*.safetensors"), key=lambda f: int(f.stem.split("-")[1]))
        files = files[-last:]
        if len(files) < last:
            raise InputError(f"--average {last}: {self.path / 'snapshots'} holds {len(files)} epoch snapshots "
                             "(train with --snapshots)")
        total: dict[str, torch.Tensor] = {}
        for f in files:
            for k, v in load_file(str(f)).items():
                total[k] = total[k] + v if k in total else v
        return {k: v / len(files) for k, v in total.items()}, [f.name for f in files]


class Budget:
    """Wall-clock limits of a run: ``over()`` once ``minutes`` have passed, ``save_due()`` every
    ``save_every`` minutes."""

    def __init__(self, minutes: float, save_every: float = 5.0):
        self.started = self.last_save = time.time()
        self.minutes, self.save_every = minutes, save_every

    def elapsed(self) -> float:
        return time.time() - self.started

    def over(self) -> bool:
        return self.elapsed() >= self.minutes * 60

    def save_due(self) -> bool:
        if time.time() - self.last_save >= self.save_every * 60:
            self.last_save = time.time()
            return True
        return False


def log(row: dict) -> None:
    """One progress line (JSON) on stderr: stdout carries only the command's result."""
    print(json.dumps(row), file=sys.stderr, flush=True)
