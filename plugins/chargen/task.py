"""Character-level generation: continue a prime text in the style of the training corpus."""
from __future__ import annotations

import random
from pathlib import Path

from zoo import Checkpoint, Param, Tab, Task
from zoo.task import check_text, stream_sequence

from . import generate
from .model import CharLSTM
from .preprocess import CharVocab

HERE = Path(__file__).resolve().parent
KJV_REVISION = "95a410796e78ac4bbc28ab70fa0a8fa28acf6503"
PYTHON_REVISION = "ad9b4b8433bf8330073ff8b2c1e18c3ae603fe3d"

MAX_NEW_CHARS = 10_000
MAX_PRIME_CHARS = 20_000

# Each example with the checkpoint whose corpus it belongs to.
EXAMPLES = [("In the beginning", "kjv"), ("And the LORD said unto Moses,", "kjv"),
            ("def read_config(path):\n    ", "python"), ("class Stack:\n    def push(self, item):\n        ", "python")]


def _unknown_id_trained(config: dict) -> bool:
    """Whether training ever showed the model the unknown id: only when characters rarer than
    ``--min-count`` were read as unknown (the KJV's were not: its vocabulary is all its text)."""
    stages = config.get("training", {}).get("stages") or [{}]
    return any(stage.get("args", {}).get("min_count", 1) > 1 for stage in stages)


def _distinct(chars: list[str]) -> str:
    return "1 character" if len(chars) == 1 else f"{len(chars)} distinct characters"


def _greedy(params: dict) -> bool:
    """Always the likeliest character: the text does not depend on the seed."""
    return params["temperature"] == 0 or params["top_k"] == 1


class ChargenTask(Task):
    name = "chargen"
    title = "Text generation"
    tab_order = 20
    description = ("Character-level generation: an LSTM continues your text one character at a time, in "
                   "the style of its corpus: the King James Bible (3x1024), or Python's standard library (2x256; "
                   "pick the checkpoint). Streams as it writes; Stop ends the work on the server.")
    pipeline_tag = "text-generation"
    streaming = True
    batches_streams = True
    params = [
        Param("max_new_chars", int, 400, "characters to generate", min=1, max=MAX_NEW_CHARS),
        Param("temperature", float, 0.8, "0 = always the likeliest character; higher = more surprising",
              min=0.0, max=5.0),
        Param("top_k", int, 0, "sample among the k likeliest characters (0 = all)", min=0, max=1000),
        Param("top_p", float, 1.0, "sample within this much probability mass (1 = all)", min=0.01, max=1.0),
        Param("seed", int, -1, "-1 = a fresh random seed (returned in the result; none where the text cannot "
              "depend on one: temperature 0 or top_k 1)", min=-1, max=2**31 - 1),
        Param("num_samples", int, 1, "independent continuations", min=1, max=8),
        Param("stop", str, "", "stop when this text is generated (empty: run to max_new_chars)"),
    ]
    checkpoints = [
        Checkpoint(id="kjv", repo_id="lstm-zoo/chargen-kjv-lstm", revision=KJV_REVISION,
                   bundled=HERE / "checkpoints" / "kjv", default=True, description="King James Bible (3x1024)"),
        Checkpoint(id="python", repo_id="lstm-zoo/chargen-python-lstm", revision=PYTHON_REVISION,
                   bundled=HERE / "checkpoints" / "python", description="Python standard library source (2x256)"),
    ]

    def build_model(self, config: dict) -> CharLSTM:
        return CharLSTM(**config["architecture"])

    def load_preprocessor(self, folder: Path, config: dict) -> CharVocab:
        return CharVocab.load(folder)

    def validate(self, input) -> None:
        check_text(input, "the prime")

    def _prepare(self, pipe, prime: str, params: dict) -> tuple[list[int], dict, list[str]]:
        notices = []
        if len(prime) > MAX_PRIME_CHARS:
            notices.append(f"prime truncated to its last {MAX_PRIME_CHARS:,} characters")
            prime = prime[-MAX_PRIME_CHARS:]
        unknown = pipe.preprocessor.unknown(prime)
        read = prime
        if unknown:
            shown = "".join(unknown[:20])
            if _unknown_id_trained(pipe.config):
                notices.append(f"{_distinct(unknown)} the model never saw {'was' if len(unknown) == 1 else 'were'} read "
                               f"as unknown: {shown!r}")
            else:  # its training text held every character: the unknown id is untrained, and reads as noise
                never_seen = set(unknown)
                read = "".join(c for c in prime if c not in never_seen)
                notices.append(f"{_distinct(unknown)} the model never saw {'was' if len(unknown) == 1 else 'were'} "
                               f"skipped: {shown!r}")
            if len(read.strip()) < len(prime.strip()) / 2:
                notices.append("most of the prime is characters the model never saw: it writes in the style of "
                               "its own training text, whatever the prime")
        params = dict(params)
        if params["seed"] == -1:  # greedy: any seed gives the same text, so none is drawn
            params["seed"] = 0 if _greedy(params) else random.SystemRandom().randrange(2**31)
        ids = pipe.preprocessor.encode(read or "\n")  # an empty prime starts a new line
        return ids, params, notices

    def _result(self, prime: str, texts: list[str], params: dict, notices: list[str]) -> dict:
        out = {"text": prime + texts[0], "prime": prime, "seed": None if _greedy(params) else params["seed"]}
        if params["num_samples"] > 1:
            out["texts"] = [prime + t for t in texts]
            if _greedy(params):
                notices = [*notices, "greedy (temperature 0 or top_k 1): every sample is the same text"]
        if notices:
            out["notices"] = notices
        return out

    def start_sequence(self, pipe, input: str, **params) -> generate.Generation:
        ids, params, notices = self._prepare(pipe, input, params)
        return generate.Generation(pipe.model, pipe.preprocessor, ids,
                                   to_result=lambda texts: self._result(input, texts, params, notices), **params)

    def step_sequences(self, pipe, seqs: list) -> None:
        generate.advance(seqs)

    def stream(self, pipe, input: str, **params):
        return stream_sequence(self, pipe, input, params)

    def predict_batch(self, pipe, inputs: list, **params) -> list[dict]:
        return [list(self.stream(pipe, x, **params))[-1] for x in inputs]

    def examples(self) -> list:
        return ["In the beginning", "And the LORD said unto Moses,"]

    def bad_inputs(self) -> list:
        return [None, 42, b"bytes"]

    # -- CLI: zoo data|train|eval|bench chargen ---------------------------------------------------
    def add_arguments(self, verb: str, parser) -> None:
        if verb == "data":
            from . import data

            parser.add_argument("--corpus", default="kjv", choices=sorted(data.CORPORA), help="which corpus (default kjv)")
        elif verb == "train":
            from . import train

            train.add_arguments(parser)
        elif verb == "eval":
            parser.add_argument("--limit", type=int, default=None, help="only the first N characters of the split")
            parser.add_argument("--samples", type=int, default=40, help="python corpus: generated samples of 800 "
                                "characters after 'def ' whose top-level blocks are parsed (default 40; 0 = none)")
            parser.add_argument("--dynamic", nargs="+", default=[], type=_lr_decay, metavar="LR,DECAY",
                                help="also score dynamic evaluation (the model learning from the text already "
                                "coded, as xz adapts), once per setting: RMS-normalised SGD step size and the pull "
                                "back to the trained weights, e.g. 1e-4,0")
        elif verb == "bench":
            from . import bench

            bench.add_arguments(parser)

    def data(self, args) -> dict:
        from . import data

        return {"corpus": args.corpus, **data.corpus(args.corpus).summary()}

    def train(self, args) -> dict:
        from . import train

        return train.run(args)

    def evaluate(self, pipe, split: str, args) -> dict:
        from .evaluate import evaluate

        return evaluate(pipe, split, args.limit, args.samples, args.dynamic)

    def bench(self, args) -> dict:
        from . import bench

        return bench.run(args)

    def build_tab(self, gr) -> Tab:
        with gr.Row():
            with gr.Column(scale=2):
                prime = gr.Textbox(label="Prime", lines=3, placeholder="Start the text (empty: start a new line)",
                                   elem_id="chargen-input")
                with gr.Row():
                    go = gr.Button("Generate", variant="primary", elem_id="chargen-submit")
                    stop_button = gr.Button("Stop", variant="stop", elem_id="chargen-stop")
                output = gr.Textbox(label="Generated text", lines=12, elem_id="chargen-output")
            with gr.Column(scale=1):
                p = {x.name: x for x in self.params}
                # The sliders span exactly what the API accepts (Param min and max).
                length = gr.Slider(p["max_new_chars"].min, p["max_new_chars"].max, value=p["max_new_chars"].default,
                                   step=1, precision=0, label="max_new_chars")
                temperature = gr.Slider(p["temperature"].min, p["temperature"].max, value=p["temperature"].default,
                                        step=0.05, label="temperature", info=p["temperature"].help)
                top_k = gr.Slider(p["top_k"].min, p["top_k"].max, value=p["top_k"].default, step=1, precision=0,
                                  label="top_k (0: off)")
                top_p = gr.Slider(p["top_p"].min, p["top_p"].max, value=p["top_p"].default, step=0.01, label="top_p")
                seed = gr.Number(value=-1, precision=0, label="seed (-1: random)", minimum=p["seed"].min,
                                 maximum=p["seed"].max)
                stop = gr.Textbox(value="", label="stop at")

        def to_request(text, n, t, k, p_, s, stop_at):
            return text, {"max_new_chars": n, "temperature": t, "top_k": k, "top_p": p_,
                          "seed": -1 if s is None else s, "stop": stop_at or ""}

        return Tab(inputs=[prime, length, temperature, top_k, top_p, seed, stop], outputs=[output],
                   to_request=to_request, to_outputs=lambda r: (r["text"],), submit=go, stop=stop_button,
                   examples=[[e, 300, 0.8, 0, 1.0, 7, "", checkpoint] for e, checkpoint in EXAMPLES])


def _lr_decay(text: str) -> tuple[float, float]:
    import argparse

    try:
        lr, _, decay = text.partition(",")
        out = float(lr), float(decay or 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LR,DECAY (two numbers), got {text!r}") from None
    if not (0 <= out[0] < 1 and 0 <= out[1] <= 1):
        raise argparse.ArgumentTypeError(f"LR must be within 0..1 and DECAY within 0..1, got {text!r}")
    return out
