"""The character vocabulary, saved as ``vocab.json`` beside the weights. Id 0 pads, id 1 stands
for any character the model never saw."""
from __future__ import annotations

import json
from pathlib import Path

from zoo import CheckpointError

VOCAB_FILE = "vocab.json"
UNKNOWN = "\ufffd"


class Vocab:
    def __init__(self, chars: str):
        self.chars = chars
        self.index = {c: i + 2 for i, c in enumerate(chars)}

    def __len__(self) -> int:
        return len(self.chars) + 2

    @classmethod
    def build(cls, texts) -> Vocab:
        return cls("".join(sorted({c for t in texts for c in t})))

    def encode(self, text: str) -> list[int]:
        return [self.index.get(c, 1) for c in text.lower()]

    def decode(self, ids) -> str:
        return "".join(self.chars[i - 2] if 2 <= i < len(self) else UNKNOWN for i in ids)

    def save(self, folder: Path) -> None:
        (Path(folder) / VOCAB_FILE).write_text(json.dumps({"chars": self.chars}, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> Vocab:
        path = Path(folder) / VOCAB_FILE
        if not path.is_file():
            raise CheckpointError(f"{folder}: no {VOCAB_FILE}")
        return cls(json.loads(path.read_text(encoding="utf-8"))["chars"])
