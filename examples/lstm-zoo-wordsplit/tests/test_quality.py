"""Beyond the template's tests: this example's trained checkpoint beats the baseline, measured now."""
import pytest
from lstm_zoo_wordsplit import data, train
from lstm_zoo_wordsplit.task import Task

import zoo


@pytest.mark.skipif(not Task.checkpoints, reason="no bundled checkpoint")
def test_the_lstm_beats_the_unigram_baseline_on_the_test_identifiers():
    train_set, test_set = data.load("train"), data.load("test")
    gold = [s for _, s in test_set]
    pipe = zoo.pipeline(Task(), device="cpu")
    model = train.scores(train.predict(pipe.model, pipe.preprocessor, test_set), gold)
    baseline = train.scores(train.unigram_baseline(train_set, test_set), gold)
    assert model["exact_match"] > baseline["exact_match"] and model["boundary_f1"] > baseline["boundary_f1"]


def test_it_splits_what_it_was_trained_for():
    pipe = zoo.pipeline(Task(), device="cpu")
    assert pipe("getuserbyid")["text"] == "get user by id"
