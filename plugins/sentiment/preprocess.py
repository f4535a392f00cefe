"""The sentiment preprocessor: a word-level tokenizer from the ``tokenizers`` library (saved as
``tokenizer.json``) plus the input limits, with offsets so contributions map back to the text."""
from __future__ import annotations

import dataclasses
import unicodedata
from pathlib import Path

from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

from zoo.errors import InputError
from zoo.language import NOT_ENGLISH, looks_english
from zoo.task import check_text

PAD, UNK = "[PAD]", "[UNK]"
# Nearly every English sentence of four or more words holds one of these; other languages rarely do.
TOKENIZER_FILE = "tokenizer.json"


@dataclasses.dataclass(eq=False)
class Encoded:
    ids: list[int]
    tokens: list[str]
    offsets: list[tuple[int, int]]  # character spans in ``source``
    text: str  # the text after cleaning and truncation
    notices: list[str]
    source: str = ""  # the text as given (truncated, not cleaned): what a caller's positions point into

    def __eq__(self, other) -> bool:  # equal when the model sees the same ids
        return isinstance(other, Encoded) and self.ids == other.ids


def _kept(ch: str) -> bool:
    return ch in "\t\r\n" or unicodedata.category(ch)[0] != "C"


def clean_text(text: str) -> str:
    """Drop control and format characters (keep tabs and newlines as spaces): they carry no
    sentiment and would otherwise become unknown tokens."""
    return "".join(" " if ch in "\t\r\n" else ch for ch in text if _kept(ch))


def _in_source(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans in ``clean_text(text)`` as spans in ``text`` itself: each dropped character (a byte-order
    mark, a zero-width space, a soft hyphen) moves every later position by one."""
    kept = [i for i, ch in enumerate(text) if _kept(ch)]
    if len(kept) == len(text):
        return spans
    return [(kept[s], kept[e - 1] + 1) if e > s else (kept[s] if s < len(kept) else len(text),) * 2 for s, e in spans]


class SentimentPreprocessor:
    def __init__(self, tokenizer: Tokenizer, max_chars: int = 20_000, max_tokens: int = 400):
        self.tokenizer = tokenizer
        self.max_chars = max_chars
        self.max_tokens = max_tokens
        self.pad_id = tokenizer.token_to_id(PAD)
        self.unk_id = tokenizer.token_to_id(UNK)

    @staticmethod
    def new_tokenizer() -> Tokenizer:
        tok = Tokenizer(models.WordLevel(unk_token=UNK))
        tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
        tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        return tok

    @classmethod
    def train(cls, texts: list[str], vocab_size: int, min_frequency: int = 1, **limits) -> SentimentPreprocessor:
        tok = cls.new_tokenizer()
        trainer = trainers.WordLevelTrainer(vocab_size=vocab_size, min_frequency=min_frequency,
                                            special_tokens=[PAD, UNK])
        tok.train_from_iterator([clean_text(t) for t in texts], trainer=trainer)
        return cls(tok, **limits)

    @property
    def vocab_size(self) -> int:
        return self.tokenizer.get_vocab_size()

    def config(self) -> dict:
        kind = type(self.tokenizer.model).__name__
        return {"type": f"{kind} tokenizer (tokenizers)", "file": TOKENIZER_FILE,
                "max_chars": self.max_chars, "max_tokens": self.max_tokens,
                "vocab_size": self.vocab_size, "pad_id": self.pad_id, "unk_id": self.unk_id}

    def save(self, folder: Path) -> None:
        self.tokenizer.save(str(Path(folder) / TOKENIZER_FILE))

    @classmethod
    def load(cls, folder: Path, config: dict) -> SentimentPreprocessor:
        path = Path(folder) / TOKENIZER_FILE
        if not path.is_file():
            from zoo.errors import CheckpointError

            raise CheckpointError(f"{folder}: no {TOKENIZER_FILE}")
        pre = config.get("preprocessor", {})
        return cls(Tokenizer.from_file(str(path)), max_chars=pre.get("max_chars", 20_000),
                   max_tokens=pre.get("max_tokens", 400))

    @staticmethod
    def validate(text) -> None:
        check_text(text, "sentiment input")
        if not text.strip():
            raise InputError("the text is empty: type a sentence, e.g. 'A moving, beautifully acted film.'")
        if not clean_text(text).strip():
            raise InputError("the text has only control characters, nothing to read: type a sentence")

    def encode(self, text: str) -> Encoded:
        self.validate(text)
        notices = []
        if len(text) > self.max_chars:
            notices.append(f"input truncated from {len(text):,} to {self.max_chars:,} characters")
            text = text[: self.max_chars]
        source, text = text, clean_text(text)
        enc = self.tokenizer.encode(text)
        ids, tokens, offsets = enc.ids, enc.tokens, enc.offsets
        if len(ids) > self.max_tokens:
            notices.append(f"only the first {self.max_tokens} of {len(ids)} tokens were read")
            ids, tokens, offsets = ids[: self.max_tokens], tokens[: self.max_tokens], offsets[: self.max_tokens]
        # "[PAD]" typed by a user must not become padding (it would be masked out).
        ids = [self.unk_id if i == self.pad_id else i for i in ids]
        if not ids:
            raise InputError("the text has no words or symbols the model can read")
        caution = self.caution(text, ids, tokens, enc.word_ids[: len(ids)])
        if caution:
            notices.append(caution)
        return Encoded(list(ids), list(tokens), _in_source(source, [tuple(o) for o in offsets]), text, notices, source)

    def caution(self, text: str, ids: list[int], tokens: list[str], word_ids: list) -> str | None:
        """Why the answer deserves little trust, if it does: most words unknown to the model (a word
        it reads as [UNK] or in three or more pieces), or several words and not one common English one. The
        model was trained on English movie reviews and answers anything with confidence."""
        pieces: dict[int, list[int]] = {}
        for token_id, token, word in zip(ids, tokens, word_ids):
            if word is not None and any(ch.isalpha() for ch in token):
                pieces.setdefault(word, []).append(token_id)
        words = list(pieces.values())
        if not words:
            return None
        # Three or more word pieces: rare in English reviews (0.1% of dev sentences end up flagged),
        # the rule for gibberish and other languages.
        unknown = sum(len(w) >= 3 or self.unk_id in w for w in words)
        if unknown == len(words) or (len(words) >= 2 and unknown * 2 > len(words)):
            return (f"{unknown} of {len(words)} words are unknown to the model, which was trained on English "
                    "movie reviews: treat the answer with caution (it answers anything with confidence)")
        if looks_english(text) is False:
            return (f"this does not look like English ({NOT_ENGLISH}); the model was trained on English movie "
                    "reviews: treat the answer with caution")
        return None

    def decode(self, encoded: Encoded | list[int]) -> str:
        """Text for ids (the tokenizer's own decoder; [UNK] kept, so decoding then encoding gives
        the same ids)."""
        ids = encoded.ids if isinstance(encoded, Encoded) else encoded
        return self.tokenizer.decode(ids, skip_special_tokens=False)
