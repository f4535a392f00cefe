"""The generated parts of the docs, so they cannot drift from the code: in ``docs/plugins.md`` the
hook reference (from ``zoo.hookspecs``) and the task contract (from ``zoo.task.Task``); in the
README the table of built-in checkpoints and their test figures (from their cards and configs).

    python -m zoo.docs          # rewrite the generated blocks
    python -m zoo.docs --check  # exit 1 if any is stale (the test suite runs this check)
"""
from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path

from . import hookspecs
from .task import REQUIRED_METHODS, STAGES, Task

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "plugins.md"
README = Path(__file__).resolve().parent.parent / "README.md"


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
    for name in ("name", "title", "description", "pipeline_tag", "tab_order", "streaming", "batches_streams",
                 "params", "checkpoints"):
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


def checkpoints_table() -> str:
    from .overview import builtin_table
    from .plugins import registry

    return builtin_table(registry())


BLOCKS = {GUIDE: {"hooks": hook_reference, "task-contract": task_contract},
          README: {"checkpoints": checkpoints_table}}


def render(text: str, blocks: dict | None = None) -> str:
    for key, make in (blocks or BLOCKS[GUIDE]).items():
        pattern = re.compile(rf"(<!-- generated:{key} -->\n).*?(<!-- /generated:{key} -->)", re.S)
        if not pattern.search(text):
            raise ValueError(f"the text lacks the <!-- generated:{key} --> block")
        text = pattern.sub(lambda m: m.group(1) + make() + m.group(2), text)
    return text


def main(argv: list[str]) -> int:
    stale = []
    for path, blocks in BLOCKS.items():
        current = path.read_text(encoding="utf-8")
        fresh = render(current, blocks)
        if fresh != current:
            stale.append(path)
            if "--check" not in argv:
                path.write_text(fresh, encoding="utf-8")
    if stale and "--check" in argv:
        print(f"stale: {', '.join(map(str, stale))}: run python -m zoo.docs", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
