"""The character vocabulary, saved as ``vocab.json`` beside the weights. Index 0 stands for any
character the model never saw (shown as U+FFFD when decoded)."""
from __future__ import annotations

import json
from pathlib import Path

from zoo.errors import CheckpointError, InputError

VOCAB_FILE = "vocab.json"
UNKNOWN = "\ufffd"


class CharVocab:
    def __init__(self, chars: str):
        self.chars = chars
        self.index = {c: i + 1 for i, c in enumerate(chars)}

    def __len__(self) -> int:
        return len(self.chars) + 1

    def encode(self, text: str) -> list[int]:
        if not isinstance(text, str):
            raise InputError(f"the prime must be text (str), got {type(text).__name__}")
        return [self.index.get(c, 0) for c in text]

    def decode(self, ids) -> str:
        return "".join(self.chars[i - 1] if 0 < i <= len(self.chars) else UNKNOWN for i in ids)

    def unknown(self, text: str) -> list[str]:
        """The distinct characters of ``text`` outside the vocabulary, in the order they first appear."""
        return list(dict.fromkeys(c for c in text if c not in self.index))

    def config(self) -> dict:
        return {"type": "character vocabulary", "file": VOCAB_FILE, "size": len(self), "unknown_id": 0}

    def save(self, folder: Path) -> None:
        (Path(folder) / VOCAB_FILE).write_text(json.dumps({"chars": self.chars}, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> CharVocab:
        path = Path(folder) / VOCAB_FILE
        if not path.is_file():
            raise CheckpointError(f"{folder}: no {VOCAB_FILE}")
        return cls(json.loads(path.read_text(encoding="utf-8"))["chars"])
