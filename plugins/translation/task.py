"""English -> Spanish translation with an attentional LSTM encoder-decoder.

A text of several sentences is split into sentences, translated as one batch (greedy or beam
search), and joined; per sentence the result carries the source and target subwords and the
attention matrix (target x source) that the tab draws as a heatmap.
"""
from __future__ import annotations

import collections
import functools
import re
import unicodedata
from pathlib import Path

from zoo import Checkpoint, InputError, Param, Tab, Task, View
from zoo.language import NOT_ENGLISH, looks_english
from zoo.task import check_text

from .decode import beam_search
from .model import Seq2Seq
from .preprocess import TranslationPreprocessor, split_sentences
from .register import Register

HERE = Path(__file__).resolve().parent
MAX_SENTENCES = 64
MAX_CHARS = 20_000
PIECE_WORDS = 60  # a longer sentence is translated in pieces: training verses are at most 120 subwords
_WORD = re.compile(r"[^\W\d_]")  # a letter: text without one (digits, punctuation) is not translated
EXAMPLES = [
    "In the beginning God created the heaven and the earth.",
    "And the king said unto his servants, Go and bring me bread and wine. Then they went out.",
    "The fear of the LORD is the beginning of knowledge: but fools despise wisdom and instruction.",  # Prv 1:7, held out
]
REVISION = "ba72136e630850367426e3afb26972ea49856a4c"
ABLATION_REVISION = "f84a4e00e16036d7161511ec2724f6c8222167b4"
MIXED_REVISION = "3422a0fcc10474d862d939a1f31ccaf6efe73f40"
BIBLE, MODERN = "en-es", "en-es-mixed"  # the checkpoints ``route`` chooses between, by register


@functools.cache
def register_model() -> Register:
    return Register()


def reads_as_bible(text: str) -> bool | None:
    """Whether the register model reads ``text`` as the Bible's English (routing's one rule);
    None when it has no words to go by."""
    score = register_model().score(text[:MAX_CHARS])
    return None if score is None else score >= register_model().threshold


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def numbers_lost(source: str, translation: str) -> list[str]:
    """The numbers of ``source`` that ``translation`` does not hold (as often as the source does;
    ``2.5`` and ``2,5`` are one number, as Spanish writes it): a subword model can drop or change them."""
    def digits(text: str) -> list[tuple[str, str]]:  # (as written, its digits alone)
        return [(n, re.sub(r"[.,]", "", n)) for n in _NUMBER.findall(text)]

    numbers = digits(source)
    missing = collections.Counter(d for _, d in numbers) - collections.Counter(d for _, d in digits(translation))
    out = []
    for n, d in numbers:
        if missing[d] > 0:  # each as often as it is missing
            missing[d] -= 1
            out.append(n)
    return out


def _case_as_source(source: str, translation: str) -> str:
    """A clause that starts in lower case (the part after a ';' or ':', translated on its own)
    starts its translation in lower case too: the model capitalises every start it sees."""
    if source[:1].islower() and translation[:1].isupper():
        return translation[0].lower() + translation[1:]
    return translation


class TranslationTask(Task):
    name = "translation"
    title = "Translation"
    tab_order = 30
    description = ("English -> Spanish with an attentional LSTM encoder-decoder. `en-es` was trained on the King "
                   "James and Reina-Valera 1909 Bibles and translates Bible-like English best; `en-es-mixed` was "
                   "trained on the Bibles and on the messages of Debian's programs, and is the one for modern English "
                   "(menus, dialogs, errors). `auto` (the default) sends text whose words are more like the Bible's to "
                   "`en-es` and text more like software messages to `en-es-mixed`, and says which it used. Everyday "
                   "conversation is in neither training set and is translated poorly by both. The heatmap shows "
                   "which source subwords each Spanish subword attended to.")
    pipeline_tag = "translation"
    params = [
        Param("beam_size", int, 5, "hypotheses kept per sentence (1 = greedy)", min=1, max=8),
        Param("length_penalty", float, 1.0, "alpha of the GNMT length normalization (0 = none)", min=0.0, max=2.0),
        Param("max_length", int, 200, "most subwords per translated sentence", min=1, max=400),
    ]
    checkpoints = [
        Checkpoint(id="en-es", repo_id="lstm-zoo/translation-en-es-bible-lstm", revision=REVISION,
                   bundled=HERE / "checkpoints" / "en-es", default=True,
                   description="English -> Spanish, KJV -> Reina-Valera 1909"),
        Checkpoint(id="en-es-mixed", repo_id="lstm-zoo/translation-en-es-mixed-lstm", revision=MIXED_REVISION,
                   bundled=HERE / "checkpoints" / "en-es-mixed",
                   description="English -> Spanish, software messages (Debian) and the Bible: for modern English"),
        Checkpoint(id="en-es-noattn", repo_id="lstm-zoo/translation-en-es-bible-lstm-noattn",
                   revision=ABLATION_REVISION, bundled=HERE / "checkpoints" / "en-es-noattn",
                   description="ablation: the same model without attention (for comparison; no heatmap)"),
    ]

    def route(self, input, params: dict, checkpoints) -> tuple[str, str] | None:
        """Text whose words are more like the Bible's English to ``en-es``, text more like software
        messages to ``en-es-mixed`` (``register.py``), where both are registered; the whole text
        goes to one of them. Everyday English is in neither training set and may go either way."""
        if not isinstance(input, str) or not {BIBLE, MODERN} <= set(checkpoints):
            return None
        bible = reads_as_bible(input)
        if bible is None:  # no words: the pipeline says what is wrong with the text
            return None
        if bible:
            return BIBLE, ("its words are more like the King James Bible's English (what en-es was trained on) "
                           "than like software messages")
        return MODERN, ("its words are more like software messages (what en-es-mixed was trained on, beside the Bible) "
                        "than like the King James Bible's English")

    def build_model(self, config: dict) -> Seq2Seq:
        return Seq2Seq(**config["architecture"])

    def load_preprocessor(self, folder: Path, config: dict) -> TranslationPreprocessor:
        return TranslationPreprocessor.load(folder, config.get("preprocessor", {}))

    def validate(self, input) -> None:
        check_text(input, "the text")
        if not input.strip():
            raise InputError("the text is empty: type an English sentence to translate")
        if not _WORD.search(input[:MAX_CHARS]):
            raise InputError("there is nothing to translate: the text has no letters (numbers and "
                             "punctuation are left as they are)")

    def _plan(self, text: str) -> tuple[list[str], list[str]]:
        """The pieces to translate, and notices about what was cut or split."""
        notices = []
        # Invisible format characters (a byte-order mark, a zero-width space, a soft hyphen) mean
        # nothing to translate, but the model read them as unknown and translated differently.
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
        if len(text) > MAX_CHARS:
            notices.append(f"the text was cut to its first {MAX_CHARS:,} characters")
            text = text[:MAX_CHARS]
        pieces = []
        for sentence in split_sentences(text):
            words = sentence.split()
            if len(words) > PIECE_WORDS:
                notices.append(f"a sentence of {len(words):,} words was translated in pieces of {PIECE_WORDS}")
                pieces += [" ".join(words[i:i + PIECE_WORDS]) for i in range(0, len(words), PIECE_WORDS)]
            else:
                pieces.append(sentence)
        if len(pieces) > MAX_SENTENCES:
            notices.append(f"translated the first {MAX_SENTENCES} of {len(pieces)} sentences")
            pieces = pieces[:MAX_SENTENCES]
        if looks_english(text) is False:
            notices.insert(0, f"this does not look like English ({NOT_ENGLISH}); the model translates English "
                              "into Spanish, so expect a poor translation")
        return pieces, notices

    def predict_batch(self, pipe, inputs: list, **params) -> list[dict]:
        pre: TranslationPreprocessor = pipe.preprocessor
        plans = [self._plan(text) for text in inputs]
        if pipe.config.get("training", {}).get("corpus", "bible") == "bible":  # a Bible-only checkpoint
            for text, (_, notices) in zip(inputs, plans):
                if reads_as_bible(text) is False:
                    notices.append("this does not read like the King James Bible's English, the only English this "
                                   f"checkpoint learned: expect a Bible-flavoured translation; {MODERN} learned modern "
                                   "software messages too (the app, zoo.predict and zoo predict pick by the text when "
                                   "no checkpoint is named)")
        # Pieces without a letter ("...", "!?", "42") and pieces mostly in characters the model
        # never saw (another script) are copied with a notice: a made-up translation helps no one.
        encoded, unknown = {}, {}
        for pieces, _ in plans:
            for s in pieces:
                if _WORD.search(s) and s not in encoded:
                    enc = pre.source.encode(s)
                    unknown[s] = [s[a:b] for (a, b), i in zip(enc.offsets, enc.ids) if i == pre.unk_id]
                    encoded[s] = pre.encode_source(s)
        unique = [s for s in encoded if len(unknown[s]) < max(1, (len(encoded[s]) - 1) / 2)]
        hyps = dict(zip(unique, beam_search(
            pipe.model, [encoded[s] for s in unique], beam_size=params["beam_size"],
            length_penalty=params["length_penalty"], max_length=params["max_length"],
            bos=pre.bos_id, eos=pre.eos_id))) if unique else {}
        attends = getattr(pipe.model, "attention", True)
        results = []
        for pieces, notices in plans:
            notices, items = list(notices), []
            for sentence in pieces:
                if sentence not in hyps:
                    if sentence in encoded:
                        notices.append(f"left as is: {sentence[:40]!r} is mostly in characters the model never saw "
                                       "(it reads English)")
                    items.append({"source": sentence, "translation": sentence, "source_tokens": [],
                                  "target_tokens": [], "attention": [], "score": 0.0})
                    continue
                ids, hyp = encoded[sentence], hyps[sentence]
                if unknown[sentence]:
                    shown = list(dict.fromkeys(unknown[sentence]))
                    notices.append("characters the model never saw were read as unknown: " + ", ".join(
                        repr(u[:20]) for u in shown[:10]) + (f" and {len(shown) - 10} more" if len(shown) > 10 else ""))
                if hyp.attention.shape[0] == len(hyp.ids):  # no [EOS]: the decoder ran out of length
                    notices.append(f"the translation of {sentence[:40]!r} stopped after {len(hyp.ids)} subword(s) "
                                   f"(max_length {params['max_length']}, or twice the source's length): "
                                   "it may be cut short")
                translation = _case_as_source(sentence, pre.decode_target(hyp.ids))
                lost = numbers_lost(sentence, translation)
                if lost:
                    notices.append(f"the translation of {sentence[:40]!r} does not keep every number in it "
                                   f"({', '.join(dict.fromkeys(lost))} not found): check the numbers against the English")
                items.append({
                    "source": sentence, "translation": translation,
                    "source_tokens": [pre.source.id_to_token(i) for i in ids],
                    "target_tokens": [pre.target.id_to_token(i) for i in hyp.ids] + ["[EOS]"] * (
                        hyp.attention.shape[0] - len(hyp.ids)),
                    "attention": [[round(float(w), 4) for w in row] for row in hyp.attention] if attends else None,
                    "score": round(hyp.score, 4),
                })
            out = {"translation": " ".join(item["translation"] for item in items), "sentences": items}
            if notices:  # a sentence repeated 64 times is said once, with the count
                counts = collections.Counter(notices)
                out["notices"] = [n if counts[n] == 1 else f"{n} ({counts[n]} times)" for n in counts]
            results.append(out)
        return results

    def examples(self) -> list:
        return EXAMPLES[:2]

    def bad_inputs(self) -> list:
        return [None, 42, b"bytes", "", "   ", "?!... ;"]

    # -- app ---------------------------------------------------------------------------------------
    def build_tab(self, gr) -> Tab:
        from .heatmap import figure

        p = {x.name: x for x in self.params}
        with gr.Row():
            with gr.Column(scale=2):
                text = gr.Textbox(label="English text", lines=4, elem_id="translation-input",
                                  placeholder="One or more sentences (Shift+Enter translates)")
                go = gr.Button("Translate", variant="primary", elem_id="translation-submit")
                output = gr.Textbox(label="Spanish", lines=4, elem_id="translation-output")
            with gr.Column(scale=1):
                beam = gr.Slider(p["beam_size"].min, p["beam_size"].max, value=p["beam_size"].default, step=1,
                                 precision=0, label="beam_size")
                penalty = gr.Slider(0, 2, value=p["length_penalty"].default, step=0.1, label="length_penalty")
                length = gr.Slider(p["max_length"].min, p["max_length"].max, value=p["max_length"].default, step=1,
                                   precision=0, label="max_length")
        chooser = gr.Dropdown(choices=[], label="Attention map of sentence", interactive=True,
                              elem_id="translation-sentence")
        plot = gr.Plot(label="Attention: which English subwords each Spanish subword looked at",
                       elem_id="translation-attention")

        def choices(result: dict):
            return [(f"{i + 1}. {s['source'][:70]}", i) for i, s in enumerate(result["sentences"])]

        def draw(result: dict, index) -> object:
            sentences = result.get("sentences") or []
            index = index if isinstance(index, int) and 0 <= index < len(sentences) else 0
            return figure(sentences[index]) if sentences else None

        def to_outputs(result: dict) -> tuple:
            return (result["translation"], gr.update(choices=choices(result), value=0 if result["sentences"] else None),
                    draw(result, 0))

        return Tab(inputs=[text, beam, penalty, length], outputs=[output, chooser, plot],
                   to_request=lambda t, b, lp, ml: (t, {"beam_size": b, "length_penalty": lp, "max_length": ml}),
                   to_outputs=to_outputs, submit=go,
                   examples=[[e, p["beam_size"].default, p["length_penalty"].default, p["max_length"].default]
                             for e in EXAMPLES],
                   views=[View(controls=[chooser], outputs=[plot], render=lambda r, i: (draw(r, i),))])

    # -- CLI: zoo data|train|eval|bench translation -----------------------------------------------
    def add_arguments(self, verb: str, parser) -> None:
        if verb == "train":
            from . import train

            train.add_arguments(parser)
        elif verb == "eval":
            parser.add_argument("--corpus", default="bible", choices=["bible", "modern", "both"],
                                help="the held-out Bible books (default), the held-out Debian packages' "
                                     "messages (modern.py; fetch with `zoo data translation --corpus modern`), "
                                     "or both, each scored on its own in one run")
            parser.add_argument("--limit", type=int, default=None, help="only the first N pairs of the split")
            parser.add_argument("--beam-size", type=int, default=5, help="beam width of the served decoder (default 5)")
            parser.add_argument("--ablation", default="en-es-noattn",
                                help="checkpoint of the attention-free model to run beside it ('' = none)")
            parser.add_argument("--beside", nargs="*", default=[], metavar="CHECKPOINT",
                                help="other checkpoints decoded the same way in the same run (e.g. en-es-bible)")
            parser.add_argument("--routed", action="store_true",
                                help=f"also decode each source with the checkpoint a request naming none gets "
                                     f"({BIBLE} for text more like the Bible's English, {MODERN} for text more like "
                                     "software messages; register.py)")
        elif verb == "bench":
            from . import bench

            bench.add_arguments(parser)
        elif verb == "data":
            parser.add_argument("--corpus", default="bible", choices=["bible", "modern"],
                                help="bible: KJV + Reina-Valera 1909 (default); modern: Debian's Spanish message "
                                     "catalogs (about 1 GB to download; modern.py)")

    def data(self, args) -> dict:
        from . import apertium, data

        if getattr(args, "corpus", "bible") == "modern":
            from . import modern

            modern.fetch()
            splits = modern.load_splits()
            return {"pairs": {k: len(v) for k, v in splits.items()},
                    "sources": {k: len({p["source"] for p in v}) for k, v in splits.items()},
                    "apertium": str(apertium.install())}
        splits = data.load_splits()
        return {"pairs": {k: len(v) for k, v in splits.items()},
                "books": {k: sorted({x["book"] for x in v}) for k, v in splits.items() if k != "train"},
                "apertium": str(apertium.install())}  # the eval's rule-based baseline

    def train(self, args) -> dict:
        from . import train

        return train.run(args)

    def evaluate(self, pipe, split: str, args) -> dict:
        from zoo.pipelines import pipeline

        from .evaluate import evaluate

        ablation = None
        if args.ablation and getattr(pipe.model, "attention", True):  # the ablation itself has none to ablate
            other = pipeline(self, checkpoint=args.ablation, device=str(pipe.device))
            ablation = (other.model, other.preprocessor)
        beside = {}
        for checkpoint in getattr(args, "beside", None) or []:
            other = pipeline(self, checkpoint=checkpoint, device=str(pipe.device))
            beside[f"checkpoint {checkpoint}, beam {args.beam_size}"] = (other.model, other.preprocessor)
        routed = None
        if getattr(args, "routed", False):
            models = {c: pipeline(self, checkpoint=c, device=str(pipe.device)) for c in (BIBLE, MODERN)}
            routed = ((lambda s: (self.route(s, {}, list(models)) or (BIBLE,))[0]),
                      {c: (p.model, p.preprocessor) for c, p in models.items()})
        return evaluate(pipe.model, pipe.preprocessor, split, args.limit, args.beam_size, ablation,
                        corpus=getattr(args, "corpus", "bible"), beside=beside, routed=routed)

    def bench(self, args) -> dict:
        from . import bench

        return bench.run(args)
