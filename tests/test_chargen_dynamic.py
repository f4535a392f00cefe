"""Dynamic evaluation: the character model coding a text as one stream while it learns from the
part already coded (as xz adapts to its input), never from what is still to come."""
import pytest
import torch

import zoo
from plugins.chargen import dynamic, evaluate
from tests.helpers import run_cli


@pytest.fixture(scope="module")
def python_model():
    pipe = zoo.pipeline("chargen", checkpoint="python")
    encode = pipe.preprocessor.encode
    text = "def scale(values, factor):\n    return [v * factor for v in values]\n\n" * 6
    return pipe.model, torch.tensor(encode(text)), torch.tensor(encode(text[::-1] * 2))


def test_with_no_step_it_scores_what_the_static_model_scores_on_one_stream(python_model):
    model, ids, train = python_model
    static = evaluate.nats_per_char(model, ids, seq=64, streams=1)
    assert dynamic.nats_per_char(model, ids, train, lr=0.0) == pytest.approx(static, abs=1e-5)


def test_each_segment_is_scored_before_the_model_learns_from_it(python_model):
    model, ids, train = python_model
    changed = ids.clone()
    changed[200:] = torch.flip(ids[200:], [0])  # the same first 200 characters, then other text
    first = list(dynamic.segment_nats(model, ids, train, lr=1e-3))
    other = list(dynamic.segment_nats(model, changed, train, lr=1e-3))
    # segments of 64 characters: the first three (characters 1-192) are coded from the same text
    assert first[:3] == other[:3] and first[3:] != other[3:]


def test_it_learns_a_repeated_text_and_leaves_the_served_weights_alone(python_model):
    model, ids, train = python_model
    before = {k: v.clone() for k, v in model.state_dict().items()}
    static = evaluate.nats_per_char(model, ids, seq=64, streams=1)
    adaptive = dynamic.nats_per_char(model, ids, train, lr=1e-3)
    assert adaptive < 0.7 * static  # the six repeats: later ones cost far less once learnt
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_the_eval_refuses_a_setting_that_is_not_two_numbers():
    bad = run_cli("eval", "chargen", "--checkpoint", "python", "--split", "dev", "--dynamic", "fast")
    assert bad.returncode != 0 and "LR,DECAY" in bad.stderr
