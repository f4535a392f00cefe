"""The sentiment task: is a movie-review sentence positive or negative, and which words say so."""
from __future__ import annotations

from pathlib import Path

import torch

from zoo import Checkpoint, Tab, Task
from zoo.sequences import by_length, pad

from .model import LSTMClassifier
from .preprocess import SentimentPreprocessor

HERE = Path(__file__).resolve().parent
# Pinned revisions = zoo.checkpoint.content_revision() of each bundled repo (a test checks them).
MINILM_REVISION = "69acd2700697790802a60b4c67ab5a8ac4625ab6"
MIXED_REVISION = "019386ec8807a923b91e377306362a784d75e21b"
MIXED_IMDB_REVISION = "18954e2f9d53763cf435660a46f3db020ac35827"
REVISION = "e0fb056f21a5d0d127f10b0910e62cb214a85025"

EXAMPLES = [
    "A moving, beautifully acted film that stays with you long after the credits.",
    "The plot is thin, the jokes fall flat, and two hours have never felt so long.",
    "Not a great movie, but the performances make it worth seeing.",
    "It's the kind of film that makes you wish you had stayed home.",
]


class SentimentTask(Task):
    name = "sentiment"
    title = "Sentiment"
    tab_order = 10
    description = ("Is a sentence positive or negative? A bidirectional LSTM trained on Rotten Tomatoes movie-review "
                   "sentences, the endings of IMDb reviews and tweets about products and brands, with calibrated "
                   "probabilities; the highlighted words show what pushed the decision (green towards positive, red "
                   "towards negative). It reads English only, misreads many long reviews of symptoms (drug reviews) "
                   "as negative, and often misreads negation and sarcasm.")
    pipeline_tag = "text-classification"
    checkpoints = [
        Checkpoint(id="mixed-imdb-bilstm-minilm", repo_id="lstm-zoo/sentiment-mixed-imdb-bilstm-minilm",
                   revision=MIXED_IMDB_REVISION, bundled=HERE / "checkpoints" / "mixed-imdb-bilstm-minilm", default=True,
                   description="movie sentences, IMDb reviews and tweets, frozen MiniLM token embeddings, calibrated"),
        Checkpoint(id="mixed-bilstm-minilm", repo_id="lstm-zoo/sentiment-mixed-bilstm-minilm", revision=MIXED_REVISION,
                   bundled=HERE / "checkpoints" / "mixed-bilstm-minilm",
                   description="movie reviews and tweets, frozen MiniLM token embeddings, calibrated"),
        Checkpoint(id="rt-bilstm-minilm", repo_id="lstm-zoo/sentiment-rt-bilstm-minilm", revision=MINILM_REVISION,
                   bundled=HERE / "checkpoints" / "rt-bilstm-minilm",
                   description="frozen MiniLM token embeddings (Rotten Tomatoes)"),
        Checkpoint(id="rt-bilstm", repo_id="lstm-zoo/sentiment-rt-bilstm", revision=REVISION,
                   bundled=HERE / "checkpoints" / "rt-bilstm", description="embeddings learned from scratch (Rotten Tomatoes)"),
    ]

    # -- model and preprocessor ------------------------------------------------------------------
    def build_model(self, config: dict) -> LSTMClassifier:
        return LSTMClassifier(**config["architecture"])

    def load_preprocessor(self, folder: Path, config: dict) -> SentimentPreprocessor:
        return SentimentPreprocessor.load(folder, config)

    # -- prediction ------------------------------------------------------------------------------
    def validate(self, input) -> None:
        SentimentPreprocessor.validate(input)

    def preprocess(self, pipe, inputs: list, **params):
        """Each text's tokens, and length-sorted chunks of at most 256 of them, padded."""
        pre: SentimentPreprocessor = pipe.preprocessor
        encoded = [pre.encode(text) for text in inputs]
        chunks = [(idx, *pad([encoded[i].ids for i in idx], pre.pad_id))
                  for idx in by_length([len(e.ids) for e in encoded], 256)]
        return encoded, chunks

    def forward(self, pipe, batch, **params):
        """Per chunk: label probabilities, and each token's contribution to the log-odds of the last
        label ("positive") over the first."""
        encoded, chunks = batch
        out = []
        for idx, ids, lengths in chunks:
            logits, contrib = pipe.model.explain(ids.to(pipe.device), lengths)
            out.append((idx, lengths, logits.float().softmax(-1).cpu(), (contrib[..., -1] - contrib[..., 0]).float().cpu()))
        return encoded, out

    def postprocess(self, pipe, outputs, inputs: list, **params) -> list[dict]:
        encoded, chunks = outputs
        results: list[dict | None] = [None] * len(encoded)
        for idx, lengths, probs, toward in chunks:
            for row, i in enumerate(idx):
                results[i] = self._result(encoded[i], probs[row], toward[row, : lengths[row]], pipe.config["labels"])
        return results

    @staticmethod
    def _result(enc, probs: torch.Tensor, toward: torch.Tensor, labels: list[str]) -> dict:
        best = int(probs.argmax())
        out = {
            "label": labels[best],
            "probabilities": {label: round(float(p), 6) for label, p in zip(labels, probs)},
            "tokens": [
                {"token": tok, "text": enc.source[s:e], "start": s, "end": e, "contribution": round(float(c), 4)}
                for tok, (s, e), c in zip(enc.tokens, enc.offsets, toward)
            ],
        }
        if enc.notices:
            out["notices"] = enc.notices
        return out

    def examples(self) -> list:
        return list(EXAMPLES)

    def bad_inputs(self) -> list:
        return ["", "   \n\t ", "\x00\x01\x02", 42, None, b"bytes are not text"]

    # -- app ---------------------------------------------------------------------------------------
    def build_tab(self, gr) -> Tab:
        with gr.Row():
            with gr.Column():
                text = gr.Textbox(label="Sentence", lines=3, max_lines=12, elem_id="sentiment-input",
                                  placeholder="Type a movie-review sentence (Shift+Enter to classify)")
                button = gr.Button("Classify", variant="primary", elem_id="sentiment-submit")
            with gr.Column():
                label = gr.Label(label="Sentiment", num_top_classes=2, elem_id="sentiment-label")
                words = gr.HighlightedText(label="Why: what each word pushed towards", color_map=COLORS,
                                           show_legend=True, combine_adjacent=False, elem_id="sentiment-highlight")

        def to_request(text_value):
            return text_value, {}

        def to_outputs(result: dict):
            return result["probabilities"], highlight(result)

        return Tab(inputs=[text], outputs=[label, words], to_request=to_request, to_outputs=to_outputs,
                   submit=button, examples=[[e] for e in EXAMPLES])

    # -- CLI: zoo data|train|eval|bench sentiment -------------------------------------------------
    def add_arguments(self, verb: str, parser) -> None:
        if verb == "data":
            from . import data

            parser.description = data.__doc__
            parser.add_argument("--file", help="check your own file (tab-separated: id, rating, sentence) instead")
        elif verb == "train":
            from . import train

            train.add_arguments(parser)
        elif verb == "bench":
            from . import bench

            bench.add_arguments(parser)
        elif verb == "eval":
            parser.add_argument("--uncalibrated", action="store_true",
                                help="undo the temperature folded into the head: the figures before calibration")

    def data(self, args) -> dict:
        from . import data

        path = Path(args.file) if args.file else data.fetch()
        splits = data.load_splits(path)
        out = {"path": str(path), "splits": {k: {"n": len(v), "positive": sum(e.label for e in v)}
                                             for k, v in splits.items()}}
        if not args.file:  # the other domains (domains.py): fetched too, so the eval can run offline
            from . import domains

            out["domains"] = {name: {k: {"n": len(v), "positive": sum(e.label for e in v)} for k, v in
                                     domains.load(name).items()} for name in domains.DOMAINS}
        return out

    def train(self, args) -> dict:
        from . import train

        return train.run(args)

    def evaluate(self, pipe, split: str, args) -> dict:
        from zoo.pipelines import load_folder

        from .evaluate import evaluate

        temperature = (pipe.config.get("calibration") or {}).get("temperature")
        if getattr(args, "uncalibrated", False) and temperature:
            pipe = load_folder(self, pipe.source.folder, pipe.device, label="uncalibrated")  # a private copy
            pipe.model.head.weight.data.mul_(temperature)
            pipe.model.head.bias.data.mul_(temperature)
        return {**evaluate(pipe, split), "calibrated": bool(temperature) and not getattr(args, "uncalibrated", False)}

    def bench(self, args) -> dict:
        from . import bench

        return bench.run(args)


# Categories rather than raw scores: Gradio colours numeric scores red for positive, which
# reads backwards here. The exact numbers stay in the JSON result.
COLORS = {"strongly positive": "#15803d", "positive": "#86efac", "negative": "#fca5a5", "strongly negative": "#b91c1c"}


def _category(share: float) -> str | None:
    """share = contribution / largest |contribution| in the sentence."""
    if abs(share) < 0.2:
        return None
    strength = "strongly " if abs(share) >= 0.6 else ""
    return strength + ("positive" if share > 0 else "negative")


def highlight(result: dict) -> list[tuple[str, str | None]]:
    """(text, category) pieces for gr.HighlightedText, keeping the text between tokens."""
    tokens = result["tokens"]
    scale = max((abs(t["contribution"]) for t in tokens), default=0) or 1.0
    pieces, pos = [], 0
    for t in tokens:
        if t["start"] > pos:
            pieces.append((" ", None))
        pieces.append((t["text"], _category(t["contribution"] / scale)))
        pos = t["end"]
    return pieces
