"""The generated parts of ``docs/plugins.md``: the hook reference (from ``zoo.hookspecs``) and the
task contract (from ``zoo.task.Task``), so the guide cannot drift from the code.

    python -m zoo.docs          # rewrite the generated blocks in docs/plugins.md
    python -m zoo.docs --check  # exit 1 if they are stale (the test suite runs this check)
"""
from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path

from . import hookspecs
from .task import REQUIRED_METHODS, STAGES, Task

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "plugins.md"


def _doc(obj) -> str:
    return inspect.cleandoc(obj.__doc__ or "(undocumented)")


def hook_reference() -> str:
    hooks = [(name, fn) for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
             if hasattr(fn, "lstm_zoo_spec")]
    lines = []
    for name, fn in sorted(hooks):
        lines += [f"### `{name}{inspect.signature(fn)}`", "", _doc(fn), ""]
    return "\n".join(lines).rstrip() + "\n"


def task_contract() -> str:
    lines = ["| attribute | default | |", "|---|---|---|"]
    for name in ("name", "title", "description", "pipeline_tag", "streaming", "batches_streams", "params",
                 "checkpoints"):
        default = getattr(Task, name)
        lines.append(f"| `{name}` | `{default!r}` | {'required' if name in ('name', 'title', 'description') else ''} |")
    lines += ["", "| method | | what it does |", "|---|---|---|"]
    for name, fn in Task.__dict__.items():
        if not callable(fn) or name.startswith("_") or name in ("coerce_params", "supports"):  # the framework's
            continue
        first = _doc(fn).split("\n\n")[0].replace("\n", " ").replace("|", "\\|")
        status = ("required, or the three stages" if name == "predict_batch" else "required" if name in REQUIRED_METHODS
                  else "a stage" if name in STAGES else "optional")
        lines.append(f"| `{name}{inspect.signature(fn)}` | {status} | {first} |")
    return "\n".join(lines) + "\n"


BLOCKS = {"hooks": hook_reference, "task-contract": task_contract}


def render(text: str) -> str:
    for key, make in BLOCKS.items():
        pattern = re.compile(rf"(<!-- generated:{key} -->\n).*?(<!-- /generated:{key} -->)", re.S)
        if not pattern.search(text):
            raise ValueError(f"{GUIDE} lacks the <!-- generated:{key} --> block")
        text = pattern.sub(lambda m: m.group(1) + make() + m.group(2), text)
    return text


def main(argv: list[str]) -> int:
    current = GUIDE.read_text(encoding="utf-8")
    fresh = render(current)
    if "--check" in argv:
        if fresh != current:
            print(f"{GUIDE} is stale: run python -m zoo.docs", file=sys.stderr)
            return 1
        return 0
    GUIDE.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
