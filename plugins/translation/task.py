"""English -> Spanish translation (work in progress for issue 4; not registered yet).

A text of several sentences is split into sentences, translated as one batch (greedy or beam
search), and joined; per sentence the result carries the source and target subwords and the
attention matrix (target x source) for the heatmap.
"""
from __future__ import annotations

from pathlib import Path

from zoo import InputError, Param, Task

from .decode import beam_search
from .model import Seq2Seq
from .preprocess import TranslationPreprocessor, split_sentences

MAX_SENTENCES = 64
MAX_CHARS = 20_000


class TranslationTask(Task):
    name = "translation"
    title = "Translation"
    description = ("English -> Spanish with an attentional LSTM encoder-decoder trained on the King James and "
                   "Reina-Valera 1909 Bibles: it translates Bible-like English best. The heatmap shows which "
                   "source subwords each Spanish subword attended to.")
    pipeline_tag = "translation"
    params = [
        Param("beam_size", int, 5, "hypotheses kept per sentence (1 = greedy)", min=1, max=8),
        Param("length_penalty", float, 1.0, "alpha of the GNMT length normalization (0 = none)", min=0.0, max=2.0),
        Param("max_length", int, 200, "most subwords per translated sentence", min=1, max=400),
    ]
    checkpoints = []

    def build_model(self, config: dict) -> Seq2Seq:
        return Seq2Seq(**config["architecture"])

    def load_preprocessor(self, folder: Path, config: dict) -> TranslationPreprocessor:
        return TranslationPreprocessor.load(folder, config.get("preprocessor", {}))

    def validate(self, input) -> None:
        if not isinstance(input, str):
            raise InputError(f"the text must be a string, got {type(input).__name__}")
        if not input.strip():
            raise InputError("the text is empty: type an English sentence to translate")

    def predict_batch(self, pipe, inputs: list, **params) -> list[dict]:
        pre: TranslationPreprocessor = pipe.preprocessor
        plans = []
        for text in inputs:
            notices = []
            if len(text) > MAX_CHARS:
                notices.append(f"the text was cut to its first {MAX_CHARS:,} characters")
                text = text[:MAX_CHARS]
            sentences = split_sentences(text)
            if len(sentences) > MAX_SENTENCES:
                notices.append(f"translated the first {MAX_SENTENCES} of {len(sentences)} sentences")
                sentences = sentences[:MAX_SENTENCES]
            plans.append((sentences, notices))
        flat = [s for sentences, _ in plans for s in sentences]
        encoded = [pre.encode_source(s) for s in flat]
        hyps = beam_search(pipe.model, encoded, beam_size=params["beam_size"],
                           length_penalty=params["length_penalty"], max_length=params["max_length"],
                           bos=pre.bos_id, eos=pre.eos_id) if flat else []
        results, k = [], 0
        for sentences, notices in plans:
            items = []
            for sentence in sentences:
                ids, hyp = encoded[k], hyps[k]
                k += 1
                unknown = sum(1 for i in ids if i == pre.unk_id)
                if unknown and unknown >= (len(ids) - 1) / 2:
                    notices.append(f"most of {sentence[:40]!r} is in characters the model never saw")
                items.append({
                    "source": sentence, "translation": pre.decode_target(hyp.ids),
                    "source_tokens": [pre.source.id_to_token(i) for i in ids],
                    "target_tokens": [pre.target.id_to_token(i) for i in hyp.ids] + ["[EOS]"] * (
                        hyp.attention.shape[0] - len(hyp.ids)),
                    "attention": [[round(float(w), 4) for w in row] for row in hyp.attention],
                    "score": round(hyp.score, 4),
                })
            out = {"translation": " ".join(item["translation"] for item in items), "sentences": items}
            if notices:
                out["notices"] = notices
            results.append(out)
        return results
