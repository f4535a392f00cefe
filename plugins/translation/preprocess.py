"""Translation preprocessing: one BPE tokenizer per language from
the ``tokenizers`` library, saved as ``source_tokenizer.json`` and ``target_tokenizer.json``.

Metaspace pre-tokenization keeps the spaces in the pieces, so decoding gives back the text with
its spacing, punctuation and accents; byte-level fallback is not needed: an unseen character
becomes ``[UNK]`` and never crashes.
"""
from __future__ import annotations

import re
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

PAD, UNK, BOS, EOS = "[PAD]", "[UNK]", "[BOS]", "[EOS]"
SPECIALS = [PAD, UNK, BOS, EOS]
FILES = {"source": "source_tokenizer.json", "target": "target_tokenizer.json"}
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=\S)")


def new_tokenizer() -> Tokenizer:
    tok = Tokenizer(models.BPE(unk_token=UNK))
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Metaspace(), pre_tokenizers.Punctuation()])
    tok.decoder = decoders.Metaspace()
    return tok


def train_tokenizer(texts: list[str], vocab_size: int) -> Tokenizer:
    tok = new_tokenizer()
    tok.train_from_iterator(texts, trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIALS,
                                                       min_frequency=2))
    return tok


def split_sentences(text: str) -> list[str]:
    """Sentences (or verse-like clauses ending in . ! ? ;), each stripped; empty ones dropped."""
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]


class TranslationPreprocessor:
    def __init__(self, source: Tokenizer, target: Tokenizer, max_source_tokens: int = 200):
        self.source, self.target = source, target
        self.max_source_tokens = max_source_tokens
        self.pad_id, self.unk_id, self.bos_id, self.eos_id = (target.token_to_id(t) for t in SPECIALS)
        assert [source.token_to_id(t) for t in SPECIALS] == [0, 1, 2, 3], "specials must come first"

    @classmethod
    def train(cls, sources: list[str], targets: list[str], vocab_size: int = 8000) -> TranslationPreprocessor:
        return cls(train_tokenizer(sources, vocab_size), train_tokenizer(targets, vocab_size))

    def config(self) -> dict:
        return {"files": FILES, "max_source_tokens": self.max_source_tokens,
                "source_vocab_size": self.source.get_vocab_size(), "target_vocab_size": self.target.get_vocab_size()}

    def save(self, folder: Path) -> None:
        self.source.save(str(Path(folder) / FILES["source"]))
        self.target.save(str(Path(folder) / FILES["target"]))

    @classmethod
    def load(cls, folder: Path, config: dict) -> TranslationPreprocessor:
        folder = Path(folder)
        return cls(Tokenizer.from_file(str(folder / FILES["source"])), Tokenizer.from_file(str(folder / FILES["target"])),
                   max_source_tokens=config.get("max_source_tokens", 200))

    def encode_source(self, text: str) -> list[int]:
        return self.source.encode(text).ids[: self.max_source_tokens - 1] + [self.eos_id]

    # The zoo's preprocessor contract reads the task's input: English in, source ids out.
    def encode(self, text: str) -> list[int]:
        return self.encode_source(text)

    def decode(self, ids: list[int]) -> str:
        return self.source.decode([i for i in ids if i > 3])

    def encode_target(self, text: str) -> list[int]:
        return [self.bos_id] + self.target.encode(text).ids + [self.eos_id]

    def decode_target(self, ids: list[int]) -> str:
        return self.target.decode([i for i in ids if i > 3])
