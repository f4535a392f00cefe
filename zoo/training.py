"""Small pieces every plugin's training loop needs: one optimizer step, the cosine schedule, and
the optimizer state saved beside the weights (safetensors, never pickle) so runs resume."""
from __future__ import annotations

import math
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file


def cosine_lr(peak: float, step: int, total: int, warmup: int = 0) -> float:
    """Linear warm-up over ``warmup`` steps, then cosine decay to 0 at ``total``."""
    ramp = min(1.0, (step + 1) / warmup) if warmup else 1.0
    return peak * ramp * 0.5 * (1 + math.cos(math.pi * step / total))


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
