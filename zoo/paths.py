"""Where the project's own files are: the folder holding app.py, the built-in plugins, the pins
file and the Space template (one definition; a pip-installed zoo has the same layout)."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILTIN_DIR = ROOT / "plugins"
PINS_FILE = ROOT / "checkpoint-pins.json"
SPACES_DIR = ROOT / "spaces"
