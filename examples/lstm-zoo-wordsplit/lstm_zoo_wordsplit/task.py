"""The wordsplit task: what the zoo needs from this plugin (see the zoo's docs/plugins.md)."""
from __future__ import annotations

import json
from pathlib import Path

import torch

from zoo import Checkpoint, InputError, Param, Tab
from zoo import Task as BaseTask
from zoo.sequences import pad

from .model import Splitter
from .preprocess import Vocab

HERE = Path(__file__).resolve().parent
MAX_CHARS = 5_000
MAX_TOKEN = 100


def bundled_checkpoints() -> list[Checkpoint]:
    """The pins ``train.py`` wrote for the checkpoints bundled in ``checkpoints/``."""
    path = HERE / "checkpoints.json"
    if not path.is_file():
        return []
    return [Checkpoint(id=c["id"], repo_id=c["repo_id"], revision=c["revision"], bundled=HERE / "checkpoints" / c["id"],
                       bundle_digest=c.get("bundle_digest"), default=c.get("default", False),
                       description=c.get("description", ""))
            for c in json.loads(path.read_text(encoding="utf-8"))]


class Task(BaseTask):
    name = "wordsplit"
    title = "Wordsplit"
    description = "Split run-together words (getuserbyid -> get user by id) with a character BiLSTM."
    params = [Param("threshold", float, 0.5, "a word starts where the model's probability is above this",
                    min=0.05, max=0.95)]
    checkpoints = bundled_checkpoints()

    def build_model(self, config: dict) -> Splitter:
        return Splitter(**config["architecture"])

    def load_preprocessor(self, folder: Path, config: dict) -> Vocab:
        return Vocab.load(folder)

    def validate(self, input) -> None:
        if not isinstance(input, str):
            raise InputError(f"input must be text (str), got {type(input).__name__}")
        if not input.strip():
            raise InputError("input is empty: give one or more run-together words, e.g. 'getuserbyid'")
        if len(input) > MAX_CHARS:
            raise InputError(f"input has {len(input):,} characters; the limit is {MAX_CHARS:,}")
        long = [t for t in input.split() if len(t) > MAX_TOKEN]
        if long:
            raise InputError(f"a word of {len(long[0])} characters is over the {MAX_TOKEN}-character limit")

    def predict_batch(self, pipe, inputs: list, threshold: float) -> list[dict]:
        tokens = [t for text in inputs for t in text.split()]
        ids = [pipe.preprocessor.encode(t) for t in tokens]
        batch, lengths = pad(ids, device=pipe.device)
        probs = torch.sigmoid(pipe.model(batch, lengths)).float().cpu()
        split = iter(self._split(t, probs[i, : len(t)].tolist(), threshold) for i, t in enumerate(tokens))
        results = []
        for text in inputs:
            parts = [next(split) for _ in text.split()]
            results.append({"text": " ".join(" ".join(p["words"]) for p in parts), "tokens": parts})
        return results

    @staticmethod
    def _split(token: str, probs: list[float], threshold: float) -> dict:
        starts = [0] + [i for i in range(1, len(token)) if probs[i] > threshold]
        words = [token[a:b] for a, b in zip(starts, starts[1:] + [len(token)])]
        return {"input": token, "words": words, "start_probabilities": [round(p, 4) for p in probs]}

    def examples(self) -> list:
        return ["getuserbyid", "thequickbrownfox jumpsover", "parse_args already split"]

    def bad_inputs(self) -> list:
        return ["", "   ", 42, None, "x" * (MAX_CHARS + 1), "y" * (MAX_TOKEN + 1)]

    def build_tab(self, gr) -> Tab:
        text = gr.Textbox(label="Run-together words", lines=2, elem_id="wordsplit-input")
        threshold = gr.Slider(0.05, 0.95, value=0.5, step=0.05, label="threshold")
        button = gr.Button("Split", variant="primary")
        out = gr.Textbox(label="Split", elem_id="wordsplit-output")
        return Tab(inputs=[text, threshold], outputs=[out], submit=button,
                   to_request=lambda t, th: (t, {"threshold": th}),
                   to_outputs=lambda result: (result["text"],),
                   examples=[["getuserbyid thequickbrownfox", 0.5]])
