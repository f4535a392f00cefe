"""A small task for testing the framework without a real plugin: an LSTM that scores a text,
its character vocabulary, and checkpoints saved for real (safetensors, config, card)."""
import json
from pathlib import Path

import torch

from zoo import Checkpoint, InputError, Tab, Task, hookimpl
from zoo.checkpoint import content_revision, save_checkpoint
from zoo.sequences import pad

CARD = ("---\nlibrary_name: lstm-zoo\npipeline_tag: text-classification\nlicense: mit\n"
        "datasets:\n- none\nmetrics:\n- dummy\n---\n# Toy\n")


class ToyVocab:
    def __init__(self, alphabet: str):
        self.alphabet = alphabet

    def encode(self, text: str) -> list[int]:
        return [self.alphabet.index(c) + 1 if c in self.alphabet else 0 for c in text]

    def decode(self, ids: list[int]) -> str:
        return "".join(self.alphabet[i - 1] if i else "?" for i in ids)

    def save(self, folder: Path) -> None:
        (Path(folder) / "alphabet.json").write_text(json.dumps(self.alphabet))


class ToyModel(torch.nn.Module):
    def __init__(self, vocab: int, hidden: int):
        super().__init__()
        self.embed = torch.nn.Embedding(vocab, hidden)
        self.lstm = torch.nn.LSTM(hidden, hidden, batch_first=True)
        self.head = torch.nn.Linear(hidden, 1)

    def forward(self, ids, lengths):
        out, _ = self.lstm(self.embed(ids))
        return self.head(out[torch.arange(len(ids)), lengths - 1]).squeeze(-1)


class ToyTask(Task):
    name, title, description = "toy", "Toy", "Scores a text (a test task)."
    pipeline_tag = "text-classification"

    def build_model(self, config):
        return ToyModel(**config["architecture"])

    def load_preprocessor(self, folder, config):
        return ToyVocab(json.loads((Path(folder) / "alphabet.json").read_text()))

    def validate(self, input):
        if not isinstance(input, str) or not input.strip():
            raise InputError("the text is empty")

    def preprocess(self, pipe, inputs, **params):
        return pad([pipe.preprocessor.encode(x) for x in inputs])

    def forward(self, pipe, batch, **params):
        ids, lengths = batch
        return pipe.model(ids.to(pipe.device), lengths).float().cpu()

    def postprocess(self, pipe, outputs, inputs, **params):
        return [{"score": round(float(s), 4)} for s in outputs]

    def examples(self):
        return ["abc", "a cab"]

    def bad_inputs(self):
        return ["", "  "]

    def build_tab(self, gr):
        text, out = gr.Textbox(label="Text"), gr.Number(label="Score")
        return Tab(inputs=[text], outputs=[out], to_request=lambda t: (t, {}), to_outputs=lambda r: (r["score"],))


def save_toy(folder: Path, seed: int) -> Checkpoint:
    """A toy checkpoint in ``folder``, pinned by its content digest."""
    torch.manual_seed(seed)
    task = ToyTask()
    config = {"architecture": {"vocab": 8, "hidden": 4}, "metrics": {"dummy": 1.0},
              "evaluation": {"command": "none: a test fixture"}}
    save_checkpoint(folder, task, task.build_model(config), ToyVocab("abc "), config, CARD)
    return Checkpoint(id=f"toy-{seed}", repo_id=f"test/toy-{seed}", revision=content_revision(folder),
                      bundled=folder, default=seed == 1, description=f"seed {seed}")


class ToyPlugin:
    """Registers a ToyTask with the given checkpoints."""

    def __init__(self, checkpoints: list[Checkpoint]):
        self.task = ToyTask()
        self.task.checkpoints = checkpoints

    @hookimpl
    def register_tasks(self, register):
        register(self.task)
