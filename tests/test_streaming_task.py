"""A third-party streaming task, registered in-process, works end to end with no framework
change: conformance suite, streamed results through the app and gradio_client, and clear errors
for bad input before anything is queued."""
import json

import pytest
import torch
from gradio_client import Client
from helpers import free_port

import zoo
from zoo import Checkpoint, InputError, Param, Tab, Task, hookimpl
from zoo.checkpoint import content_revision, save_checkpoint
from zoo.plugins import manager
from zoo.testing.conformance import CHECKS


class RepeatPreprocessor:
    """Characters to ids and back; the alphabet is saved with the weights."""

    def __init__(self, alphabet: str):
        self.alphabet = alphabet

    def encode(self, text: str) -> list[int]:
        return [self.alphabet.index(c) if c in self.alphabet else len(self.alphabet) for c in text]

    def decode(self, ids: list[int]) -> str:
        return "".join(self.alphabet[i] if i < len(self.alphabet) else "?" for i in ids)

    def save(self, folder):
        (folder / "alphabet.json").write_text(json.dumps(self.alphabet))


class RepeatTask(Task):
    """Streams its input repeated 1..n times; an LSTM scores each repeat (deterministic)."""

    name = "repeat"
    title = "Repeat"
    description = "A streaming test task."
    streaming = True
    params = [Param("n", int, 3, min=1, max=20), Param("seed", int, 0, min=0)]

    def build_model(self, config):
        return torch.nn.LSTM(**config["architecture"])

    def load_preprocessor(self, folder, config):
        return RepeatPreprocessor(json.loads((folder / "alphabet.json").read_text()))

    def validate(self, input):
        if not isinstance(input, str) or not input.strip():
            raise InputError("type some text to repeat")

    def _score(self, pipe, text: str, seed: int) -> float:
        x = torch.tensor(pipe.preprocessor.encode(text), dtype=torch.float32).view(1, -1, 1) / 10 + seed
        return round(float(pipe.model(x)[0][0, -1, 0]), 6)

    def stream(self, pipe, input, n, seed):
        for i in range(1, n + 1):
            yield {"text": input * i, "score": self._score(pipe, input * i, seed)}

    def predict_batch(self, pipe, inputs, n, seed):
        return [list(self.stream(pipe, x, n, seed))[-1] for x in inputs]

    def examples(self):
        return ["ab", "xyz"]

    def bad_inputs(self):
        return ["", "   ", 5]

    def build_tab(self, gr):
        text = gr.Textbox(label="Text")
        n = gr.Slider(1, 20, value=3, step=1, label="n")
        out = gr.Textbox(label="Repeated")
        return Tab(inputs=[text, n], outputs=[out], to_request=lambda t, k: (t, {"n": int(k)}),
                   to_outputs=lambda r: (r["text"],), submit=gr.Button("Go"))


@pytest.fixture(scope="module")
def plugin(tmp_path_factory):
    torch.manual_seed(0)
    task = RepeatTask()
    folder = tmp_path_factory.mktemp("repeat-ckpt")
    config = {"architecture": {"input_size": 1, "hidden_size": 4, "batch_first": True},
              "metrics": {"dummy": 1.0}, "evaluation": {"command": "none: a test fixture"}}
    card = ("---\nlibrary_name: lstm-zoo\npipeline_tag: text-generation\nlicense: mit\n"
            "datasets:\n- none\nmetrics:\n- dummy\n---\n# Repeat\n")
    save_checkpoint(folder, task, task.build_model(config), RepeatPreprocessor("abcxyz "), config, card)
    task.checkpoints = [Checkpoint(id="toy", repo_id="test/repeat", revision=content_revision(folder),
                                   bundled=folder, default=True)]

    class Plugin:
        @hookimpl
        def register_tasks(self, register):
            register(task)

    return Plugin()


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__.removeprefix("check_"))
def test_a_third_party_task_passes_the_conformance_suite(plugin, check, tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_WEIGHTS", "bundled")
    with manager.registered(plugin, name="repeat_plugin"):
        check(zoo.registry().task("repeat"), zoo.pipeline("repeat", device="cpu", cache=False), tmp_path)


def test_streaming_through_the_app(plugin, monkeypatch):
    from zoo.app import build_app

    monkeypatch.setenv("ZOO_WEIGHTS", "bundled")
    with manager.registered(plugin, name="repeat_plugin") as reg:
        demo = build_app(reg)
        port = free_port()
        demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, ssr_mode=False, quiet=True)
        try:
            client = Client(f"http://127.0.0.1:{port}/", verbose=False)
            job = client.submit("ab", 4, api_name="/repeat")
            updates = [u[0] for u in job]
            assert updates == ["ab", "abab", "ababab", "abababab"]
            assert job.outputs()[-1][1]["score"] == zoo.pipeline("repeat", cache=False)("ab", n=4)["score"]
            # A bad request is its own error result and notice, as on every other endpoint.
            *_, result, notice = client.predict("   ", 2, api_name="/repeat")
            assert "type some text to repeat" in result["error"] and notice.startswith("> **Error:**")
            *_, result, _ = client.predict("ab", -5, api_name="/repeat")
            assert result["error"].startswith("'n': Value -5 is less than minimum value")
            assert client.predict("c", 2, api_name="/repeat")[0] == "cc"  # still serving
            # The sentiment endpoint beside it is unaffected.
            assert client.predict("A lovely film.", api_name="/sentiment")[2]["label"] == "positive"
        finally:
            demo.close()
