"""The sentiment plugin: its model, explanations, quality bar and awkward inputs."""

import pytest
import torch

import zoo
from plugins.sentiment.model import LSTMClassifier
from zoo import InputError


@pytest.mark.parametrize("pooling", ["max", "mean", "maxmean", "attention"])
def test_contributions_add_up_to_the_logits(pooling):
    torch.manual_seed(0)
    model = LSTMClassifier(vocab_size=50, embedding_dim=8, hidden_size=6, pooling=pooling).eval()
    ids = torch.randint(2, 50, (3, 7))
    lengths = torch.tensor([7, 4, 1])
    for row, n in enumerate(lengths):
        ids[row, n:] = 0
    logits, contrib = model.explain(ids, lengths)
    torch.testing.assert_close(logits, model(ids, lengths))
    assert contrib[1, 4:].abs().sum() == 0 and contrib[2, 1:].abs().sum() == 0  # padding adds nothing


def test_result_shape_and_meaning(sentiment):
    out = sentiment("An utterly delightful, warm and funny film.")
    assert out["label"] == "positive"
    assert set(out["probabilities"]) == {"negative", "positive"}
    assert sum(out["probabilities"].values()) == pytest.approx(1.0, abs=1e-5)
    words = {t["text"]: t["contribution"] for t in out["tokens"]}
    assert words["delightful"] > 0
    assert sentiment("A dull, tedious and painfully unfunny mess.")["label"] == "negative"


@pytest.mark.parametrize("checkpoint", ["rt-bilstm-minilm", "mixed-imdb-bilstm-minilm"])
def test_token_positions_point_into_the_text_as_given_even_past_invisible_characters(checkpoint):
    """A byte-order mark, a zero-width space or a soft hyphen is dropped before the model reads the
    text; the positions a caller gets still slice the text it sent."""
    pipe = zoo.pipeline("sentiment", checkpoint=checkpoint)
    for text in ("\ufeffGreat movie, really good", "Great\u200b movie, really good", "Great movie, re\u00adally good"):
        tokens = pipe(text)["tokens"]
        assert all(text[t["start"]:t["end"]] == t["text"] for t in tokens)
        assert tokens[0]["text"] == "Great" and tokens[-1]["text"] == "good" and tokens[-1]["end"] == len(text)


def test_contributions_explain_the_log_odds(sentiment):
    out = sentiment("The acting is wooden but the score is gorgeous.")
    p = out["probabilities"]["positive"]
    log_odds = torch.logit(torch.tensor(p, dtype=torch.float64)).item()
    bias = sentiment.model.head.bias.detach()
    total = sum(t["contribution"] for t in out["tokens"]) + float(bias[1] - bias[0])
    assert total == pytest.approx(log_odds, abs=2e-3 * len(out["tokens"]) + 1e-3)


def test_huge_input_is_truncated_with_a_notice(sentiment):
    out = sentiment("great " * 20_000)  # 120,000 characters
    assert any("truncated" in n for n in out["notices"])
    assert len(out["tokens"]) == sentiment.preprocessor.max_tokens


@pytest.mark.parametrize("text", ["I loved it 😍🎬", "Это был прекрасный фильм", "素晴らしい映画でした",
                                  "good\x00\x07 movie\u200b", "[PAD] [UNK] fine"])
def test_unusual_text_gets_an_answer(sentiment, text):
    out = sentiment(text)
    assert out["label"] in ("positive", "negative")


@pytest.mark.parametrize("checkpoint", ["mixed-imdb-bilstm-minilm", "mixed-bilstm-minilm", "rt-bilstm-minilm", "rt-bilstm"])
@pytest.mark.parametrize("text, why", [
    ("ፊልሙ በጣም ጥሩ ነበር", "4 of 4 words are unknown"),  # Amharic: no word of it is known
    ("asdkj qwpeo zmxnc vbwer", "4 of 4 words are unknown"),  # gibberish
    ("Esta película es muy aburrida y demasiado larga.", ""),  # Spanish
    ("Ce film est vraiment ennuyeux et trop long.", ""),  # French
    ("Esta película es muy buena y me gustó mucho.", ""),  # "me" is an English word too
    ("Der Film war sehr gut und ich habe viel gelacht.", ""),  # German
])
def test_every_checkpoint_cautions_when_the_text_is_mostly_unknown_or_not_english(checkpoint, text, why):
    from zoo import pipeline

    notices = pipeline("sentiment", checkpoint)(text).get("notices", [])
    assert any("caution" in n and why in n for n in notices), notices


@pytest.mark.parametrize("checkpoint", ["mixed-imdb-bilstm-minilm", "mixed-bilstm-minilm", "rt-bilstm-minilm", "rt-bilstm"])
def test_english_reviews_with_rare_words_get_no_caution(checkpoint):
    from zoo import pipeline

    pipe = pipeline("sentiment", checkpoint)
    for text in ["Tedious and overlong.", "A mesmerizing, idiosyncratic film about grief.", "Great!",
                 "The plot is thin, the jokes fall flat, and it goes on far too long.",
                 "Al Pacino is great in it.", "La La Land is a joy from start to finish."]:
        assert not pipe(text).get("notices"), text


@pytest.mark.parametrize("bad", ["", "  \n", "\x00\x01", 3.5, ["a list"], b"bytes"])
def test_bad_input_is_a_clear_error(sentiment, bad):
    with pytest.raises(InputError):
        sentiment(bad)


def test_shipped_checkpoint_meets_the_quality_bar(sentiment):
    """The metrics written by training and shown on the model card: test accuracy >= 0.78,
    beating VADER measured on the same split in the same run (the eval test re-measures)."""
    ev = sentiment.config["evaluation"]
    assert ev["split"] == "test" and ev["n"] > 1000
    assert ev["metrics"]["accuracy"] >= 0.78
    assert ev["metrics"]["accuracy"] > ev["baselines"]["vader"]["accuracy"] + 0.1


def test_text_that_is_not_valid_unicode_or_not_text_is_refused_with_a_message(sentiment):
    from zoo import InputError

    with pytest.raises(InputError, match="invalid character at position 3 .U\\+D800"):
        sentiment("Go \ud800 now.")
    with pytest.raises(InputError, match="must be text .a string., got int"):
        sentiment(12345)


def test_expected_calibration_error_is_the_weighted_gap_between_confidence_and_accuracy():
    from plugins.sentiment.evaluate import calibration_error

    assert calibration_error([0.9] * 10, [True] * 9 + [False]) == 0.0  # 90% sure, 90% right
    assert calibration_error([1.0] * 4, [True, True, False, False]) == 0.5
    assert calibration_error([0.55, 0.95], [True, False]) == round((0.45 + 0.95) / 2, 4)


def test_the_other_domains_are_labelled_and_the_held_out_ones_have_only_a_test_split():
    from helpers import require_data

    from plugins.sentiment import data, domains

    require_data("sentiment", data.data_dir() / "domains")
    tweets = domains.load("tweets")
    assert set(tweets) == {"train", "dev", "test"} and len(tweets["train"]) > 8 * len(tweets["test"]) / 2
    texts = {s: {e.text for e in v} for s, v in tweets.items()}
    assert not (texts["train"] & texts["test"]) and not (texts["train"] & texts["dev"])
    for name in domains.HELD_OUT:
        held = domains.load(name)
        assert set(held) == {"test"} and {e.label for e in held["test"]} == {0, 1}
    airline = {e.text for e in domains.load("airline-tweets")["test"]}
    assert not airline & set().union(*texts.values())  # tweets to airlines never reach training
