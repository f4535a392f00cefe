"""What the zoo holds, for the app's overview tab and its ``/overview`` endpoint: every registered
task and checkpoint with its card (description, training data, licence, test figures beside the
baselines of the same run), its pinned repo and where this process loaded it from.

Cards and configs are read from files already on this machine (the folder a loaded model came
from, the HF cache, the bundled copy): building the overview never makes a request.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from . import checkpoint as ckpt_mod
from . import settings
from .plugins import Registry
from .task import Checkpoint, default_of, in_tab_order

NOT_LOADED = "not loaded yet (loads on first use)"


def _local_folder(ckpt: Checkpoint) -> Path | None:
    """A folder of this checkpoint already on disk: the HF cache (no request), else the bundle."""
    if settings.weights_mode() != "bundled":
        try:
            return ckpt_mod._snapshot(ckpt, local_only=True)
        except Exception:  # not in the cache: that is the common case
            pass
    if ckpt.bundled is not None and Path(ckpt.bundled).is_dir():
        return Path(ckpt.bundled)
    return None


@functools.lru_cache(maxsize=256)
def _read_card(folder: Path) -> tuple[dict, dict, str]:
    """(config, card metadata, card text without its front matter) of a checkpoint folder."""
    from huggingface_hub import ModelCard

    try:
        config = json.loads((folder / ckpt_mod.CONFIG).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        config = {}
    try:
        card = ModelCard((folder / ckpt_mod.CARD).read_text(encoding="utf-8"), ignore_metadata_errors=True)
        meta, text = card.data.to_dict(), card.text
    except (OSError, ValueError):
        meta, text = {}, ""
    return (config if isinstance(config, dict) else {}), meta, text


def loaded_from(task_name: str, ckpt: Checkpoint) -> str:
    """Where this process's copy of the checkpoint came from (Hub, HF cache, bundle), if loaded."""
    from .pipelines import loaded

    pipes = [p for p in loaded() if p.task.name == task_name and p.source is not None
             and p.source.checkpoint is not None and (p.source.checkpoint.repo_id, p.source.checkpoint.revision)
             == (ckpt.repo_id, ckpt.revision)]
    if not pipes:
        return NOT_LOADED
    where = sorted({f"{p.source.source} ({p.device})" for p in pipes})
    fell_back = any(p.notices for p in pipes)
    return ", ".join(where) + (" after the Hub copy failed to load" if fell_back else "")


def entry(task_name: str, ckpt: Checkpoint, is_default: bool) -> dict[str, Any]:
    """One checkpoint as the overview shows it (and ``/overview`` returns it)."""
    folder = _local_folder(ckpt)
    config, meta, _ = _read_card(folder) if folder is not None else ({}, {}, "")
    evaluation = config.get("evaluation") or {}
    return {
        "task": task_name, "id": ckpt.id, "default": is_default, "description": ckpt.description,
        "repo_id": ckpt.repo_id, "revision": ckpt.revision,
        "license": meta.get("license"), "datasets": list(meta.get("datasets") or []),
        "metrics": evaluation.get("metrics") or config.get("metrics") or {},
        "baselines": evaluation.get("baselines") or {},
        "split": evaluation.get("split"), "n": evaluation.get("n"), "eval_command": evaluation.get("command"),
        "eval_date": evaluation.get("date"),
        "loaded_from": loaded_from(task_name, ckpt),
        "card": folder is not None and (folder / ckpt_mod.CARD).is_file(),
    }


def entries(reg: Registry) -> list[dict[str, Any]]:
    """Every registered checkpoint of every task, in tab order, the default first."""
    rows = []
    for task in in_tab_order(reg.tasks.values()):
        checkpoints = reg.checkpoints.get(task.name, [])
        default = default_of(checkpoints)
        ordered = sorted(checkpoints, key=lambda c: c is not default)
        rows += [entry(task.name, c, c is default) for c in ordered]
    return rows


def card_text(reg: Registry, task_name: str, checkpoint_id: str | None) -> str:
    """A checkpoint's full model card (markdown, without the YAML front matter), or why there is none."""
    checkpoints = reg.checkpoints.get(task_name, [])
    ckpt = next((c for c in checkpoints if c.id == checkpoint_id), None) or default_of(checkpoints)
    if ckpt is None:
        return "No checkpoint is registered for this task."
    folder = _local_folder(ckpt)
    text = _read_card(folder)[2] if folder is not None else ""
    if not text.strip():
        return (f"The card of `{ckpt.repo_id}` is not on this machine yet: it comes with the weights "
                "(run the task once, or see the repo on the Hub).")
    return demote_headings(text.strip())


def demote_headings(text: str, by: int = 2) -> str:
    """A card's headings made smaller (its title is an H1 inside a page that has its own), code
    blocks left as they are."""
    out, in_code = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
        elif not in_code and line.startswith("#"):
            line = "#" * by + line
        out.append(line)
    return "\n".join(out)


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def figures(row: dict) -> str:
    """The test figures, then each same-run baseline's figures on the same measures."""
    if not row["metrics"]:
        return "no test figures recorded"
    names = list(row["metrics"])
    own = ", ".join(f"{n} **{_number(row['metrics'][n])}**" for n in names)
    others = [f"{b}: " + ", ".join(f"{n} {_number(v[n])}" for n in names if n in v)
              for b, v in row["baselines"].items() if any(n in v for n in names)]
    where = f" ({row['split']}, n = {row['n']:,})" if isinstance(row["n"], int) and row["split"] else ""
    return own + where + ("<br>vs " + "<br>vs ".join(others) if others else "")


def _name(row: dict) -> str:
    name = f"**{row['id']}**" + (" (default)" if row["default"] else "")
    return name + (f"<br>{row['description']}" if row["description"] else "")


def markdown(reg: Registry, rows: list[dict]) -> str:
    """The overview as markdown: a short summary, then one table per task."""
    n_ckpt = len(rows)
    lines = [f"**{len(reg.tasks)} {'task' if len(reg.tasks) == 1 else 'tasks'}, {n_ckpt} "
             f"{'checkpoint' if n_ckpt == 1 else 'checkpoints'}.** Each checkpoint is a Hugging Face model repo "
             "pinned to a revision. " + READING + " Open a card below, or beside the checkpoint selector in each tab."]
    for task in in_tab_order(reg.tasks.values()):
        lines += ["", f"### {task.title} (`{task.name}`)", "", task.description, "",
                  "| checkpoint | test figures (same-run baselines) | trained on | licence | repo @ revision | loaded from |",
                  "|---|---|---|---|---|---|"]
        for row in (r for r in rows if r["task"] == task.name):
            lines.append(f"| {_name(row)} | {figures(row)} | {', '.join(row['datasets']) or 'see the card'} | "
                         f"{row['license'] or 'see the card'} | `{row['repo_id']}`<br>`@{row['revision'][:12]}` | "
                         f"{row['loaded_from']} |")
        if not any(r["task"] == task.name for r in rows):
            lines.append("| (none registered) | | | | | |")
    return "\n".join(lines)


READING = ("Test figures come from the command on its card, beside baselines measured in the same run "
           "(higher is better for accuracy, F1, BLEU and chrF; lower for bits per character, sMAPE and MASE; "
           "coverage should be near the interval's level).")


def builtin_table(reg: Registry) -> str:
    """The README's table: the built-in plugins' checkpoints, from the same cards and configs."""
    builtin = [p for p in reg.plugins if p.source == "builtin" and not p.error]
    names = {t for p in builtin for t in p.tasks}
    ids = {c for p in builtin for c in p.checkpoints} | {  # added to any task, and the tasks' own
        f"{t.name}:{c.id}" for t in reg.tasks.values() if t.name in names for c in t.checkpoints}
    rows = [r for r in entries(reg) if r["task"] in names and f"{r['task']}:{r['id']}" in ids]
    lines = [READING, "", "| task | checkpoint | test figures (same-run baselines) | trained on | licence |",
             "|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| `{row['task']}` | {_name(row)} | {figures(row)} | {', '.join(row['datasets']) or 'see the card'}"
                     f" | {row['license'] or 'see the card'} |")
    return "\n".join(lines) + "\n"
