"""``python -m zoo new-plugin NAME [--out DIR]``: write an installable plugin package from the
template in ``template/`` (``__NAME__``, ``__PKG__``, ``__DIST__`` and ``__TITLE__`` filled in,
``.tmpl`` dropped)."""
from __future__ import annotations

import keyword
import shutil
from pathlib import Path
from typing import Any

from ..errors import InputError

TEMPLATE = Path(__file__).resolve().parent / "template"


def names(name: str) -> dict[str, str]:
    return {"__NAME__": name, "__PKG__": f"lstm_zoo_{name}", "__DIST__": f"lstm-zoo-{name.replace('_', '-')}",
            "__TITLE__": name.replace("_", " ").capitalize()}


def new_plugin(name: str, out: Path, force: bool = False) -> dict[str, Any]:
    if keyword.iskeyword(name):
        raise InputError(f"plugin name {name!r} is a Python keyword; choose another")
    if not (name.isidentifier() and name.islower() and not name.startswith("_")):
        raise InputError(f"plugin name {name!r}: use a lower-case Python identifier (it names the task, the "
                         "API endpoint and the package), e.g. wordsplit")
    from ..plugins import registry

    if name in registry().tasks:
        raise InputError(f"a task named {name!r} is already registered here; choose another name")
    subs = names(name)
    folder = Path(out) / subs["__DIST__"]
    if folder.exists():
        if not force:
            raise InputError(f"{folder} exists; use --force to overwrite it")
        shutil.rmtree(folder)
    written = []
    for src in sorted(TEMPLATE.rglob("*")):
        if src.is_dir() or "__pycache__" in src.parts:
            continue
        rel = src.relative_to(TEMPLATE).as_posix()
        for key, value in subs.items():
            rel = rel.replace(key, value)
        dest = folder / rel.removesuffix(".tmpl")
        dest.parent.mkdir(parents=True, exist_ok=True)
        text = src.read_text(encoding="utf-8")
        for key, value in subs.items():
            text = text.replace(key, value)
        dest.write_text(text, encoding="utf-8")
        written.append(dest.relative_to(folder).as_posix())
    return {"folder": str(folder), "package": subs["__PKG__"], "task": name, "files": written,
            "next": [f"cd {folder}", "pip install -e .", f"python -m {subs['__PKG__']}.train",
                     "python -m zoo plugins", f"python -m zoo predict {name} getuserbyid", "pytest"]}
