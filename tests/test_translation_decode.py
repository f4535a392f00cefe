"""Translation decoding: beam search over an untrained model of the
real architecture, checked against the plainest possible greedy decoder."""
import pytest
import torch

from plugins.translation.decode import beam_search
from plugins.translation.model import Seq2Seq
from zoo.sequences import pad

SOURCES = [[5, 6, 7, 8, 3], [9, 10, 3], [11, 3]]


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return Seq2Seq(40, 50, embedding_dim=16, encoder_hidden=16, decoder_hidden=32).eval()


def rerun_greedy(model, source, max_length):
    """Greedy decoding that re-runs the whole decoder over the prefix at every step."""
    src, lengths = pad([source])
    ys = [2]
    with torch.no_grad():
        for _ in range(max_length):
            nxt = int(model(src, lengths, torch.tensor([ys]))[0, -1].argmax())
            ys.append(nxt)
            if nxt == 3:
                break
    return [t for t in ys[1:] if t != 3]


def test_beam_1_is_greedy_decoding(model):
    hyps = beam_search(model, SOURCES, beam_size=1, max_length=12)
    assert [h.ids for h in hyps] == [rerun_greedy(model, s, 12) for s in SOURCES]


@pytest.mark.parametrize("beam_size", [1, 4])
def test_attention_rows_are_distributions_over_the_source(model, beam_size):
    for source, hyp in zip(SOURCES, beam_search(model, SOURCES, beam_size=beam_size, max_length=10)):
        assert hyp.attention.shape[1] == len(source)
        torch.testing.assert_close(hyp.attention.sum(-1), torch.ones(hyp.attention.shape[0]))


@pytest.mark.parametrize("beam_size", [1, 5])
def test_a_hypothesis_score_is_its_log_probability_under_the_model(model, beam_size):
    """With no length penalty the score is the summed log-probability of the tokens (and of
    [EOS] when it came), as teacher forcing computes it."""
    for source, hyp in zip(SOURCES, beam_search(model, SOURCES, beam_size=beam_size, max_length=10,
                                                length_penalty=0.0)):
        ended = hyp.attention.shape[0] == len(hyp.ids) + 1
        targets = hyp.ids + ([3] if ended else [])
        src, lengths = pad([source])
        with torch.no_grad():
            logp = model(src, lengths, torch.tensor([[2] + targets[:-1]])).log_softmax(-1)[0]
        expected = sum(float(logp[i, t]) for i, t in enumerate(targets))
        assert hyp.score == pytest.approx(expected, abs=1e-4)
