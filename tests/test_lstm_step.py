"""The fast decoding step gives what nn.LSTM gives, one step at a time, state carried."""
import pytest
import torch

from zoo.lstm_step import LSTMStep, int8_available


def run_steps(step, xs, state):
    outs = []
    for t in range(xs.shape[1]):
        out, state = step(xs[:, t], state)
        outs.append(out)
    return torch.stack(outs, dim=1), state


@pytest.mark.parametrize("script", [True, False], ids=["scripted", "eager"])
@pytest.mark.parametrize("layers,batch,bias", [(1, 1, True), (2, 1, True), (3, 4, True), (2, 2, False)])
def test_steps_match_nn_lstm(layers, batch, bias, script):
    torch.manual_seed(layers * 10 + batch)
    lstm = torch.nn.LSTM(7, 16, num_layers=layers, bias=bias, batch_first=True).eval()
    step = LSTMStep(lstm, script=script)
    assert step.scripted == script
    x = torch.randn(batch, 12, 7)
    with torch.no_grad():
        expected, (h_ref, c_ref) = lstm(x)
        outs, state = run_steps(step, x, step.initial_state(batch, x))
    torch.testing.assert_close(outs, expected, atol=1e-5, rtol=1e-5)
    h, c = LSTMStep.to_lstm_state(state)
    torch.testing.assert_close(h, h_ref, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(c, c_ref, atol=1e-5, rtol=1e-5)


def test_continues_from_a_prefix_state():
    """A prefix run by the full nn.LSTM, then steps: the same as running everything at once."""
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(5, 8, num_layers=2, batch_first=True).eval()
    step = LSTMStep(lstm)
    x = torch.randn(1, 10, 5)
    with torch.no_grad():
        full, _ = lstm(x)
        _, prefix_state = lstm(x[:, :6])
        outs, _ = run_steps(step, x[:, 6:], LSTMStep.from_lstm_state(prefix_state))
    torch.testing.assert_close(outs, full[:, 6:], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("script", [True, False], ids=["scripted", "eager"])
def test_folded_embedding_takes_token_ids(script):
    torch.manual_seed(1)
    emb = torch.nn.Embedding(11, 6)
    lstm = torch.nn.LSTM(6, 12, num_layers=2, batch_first=True).eval()
    ids = torch.randint(0, 11, (3, 9))
    step = LSTMStep(lstm, embedding=emb, script=script)
    with torch.no_grad():
        expected, _ = lstm(emb(ids))
        outs, _ = run_steps(step, ids, step.initial_state(3, ids))
    torch.testing.assert_close(outs, expected, atol=1e-5, rtol=1e-5)


@pytest.mark.skipif(not int8_available(), reason="no x86/fbgemm quantized engine")
def test_int8_step_stays_close_and_reads_a_quarter_of_the_bytes():
    torch.manual_seed(2)
    emb = torch.nn.Embedding(20, 16)
    lstm = torch.nn.LSTM(16, 64, num_layers=2, batch_first=True).eval()
    ids = torch.randint(0, 20, (2, 30))
    fp32, int8 = LSTMStep(lstm, embedding=emb), LSTMStep(lstm, embedding=emb, int8=True)
    eager = LSTMStep(lstm, embedding=emb, int8=True, script=False)
    with torch.no_grad():
        expected, _ = lstm(emb(ids))
        outs, _ = run_steps(int8, ids, int8.initial_state(2, ids))
        torch.testing.assert_close(run_steps(eager, ids, eager.initial_state(2, ids))[0], outs, atol=1e-5, rtol=1e-5)
    assert (outs - expected).abs().max() < 0.05  # hidden values lie in (-1, 1)
    assert not torch.equal(outs, expected)  # it really is the quantized path
    assert int8.weight_bytes < 0.3 * fp32.weight_bytes


def test_refuses_what_it_cannot_run():
    with pytest.raises(ValueError, match="unidirectional"):
        LSTMStep(torch.nn.LSTM(3, 4, bidirectional=True))
    assert not LSTMStep(torch.nn.LSTM(3, 4)).state_dict()  # derived weights are never saved


def _lm(seed: int = 3):
    torch.manual_seed(seed)
    emb = torch.nn.Embedding(20, 16)
    lstm = torch.nn.LSTM(16, 32, num_layers=2, batch_first=True).eval()
    return emb, lstm, torch.nn.Linear(32, 20)


@pytest.mark.parametrize("script", [True, False], ids=["scripted", "eager"])
def test_a_step_built_with_a_head_returns_its_logits(script):
    emb, lstm, head = _lm()
    ids = torch.randint(0, 20, (3, 8))
    step = LSTMStep(lstm, embedding=emb, head=head, script=script)
    with torch.no_grad():
        hidden, _ = lstm(emb(ids))
        outs, _ = run_steps(step, ids, step.initial_state(3, ids))
        torch.testing.assert_close(outs, head(hidden), atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(step.read_out(hidden[:, -1]), head(hidden[:, -1]), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("int8", [False, pytest.param(True, marks=pytest.mark.skipif(
    not int8_available(), reason="no x86/fbgemm quantized engine"))], ids=["float", "int8"])
@pytest.mark.parametrize("script", [True, False], ids=["scripted", "eager"])
def test_a_sampling_run_is_the_same_as_its_steps_one_by_one(int8, script):
    """``sample_run`` feeds argmax(logits + noise[i]) back, step after step, in one call."""
    emb, lstm, head = _lm()
    step = LSTMStep(lstm, embedding=emb, head=head, int8=int8, script=script)
    logits, noise = torch.randn(4, 20), torch.randn(12, 4, 20)
    state = step.initial_state(4, logits)
    with torch.no_grad():
        ids, last, end = step.sample_run(logits, noise, state)
        expected = []
        for i in range(len(noise)):
            x = (logits + noise[i]).argmax(-1)
            expected.append(x)
            logits, state = step(x, state)
    assert torch.equal(ids, torch.stack(expected))
    assert torch.equal(last, logits)
    assert all(torch.equal(a, b) for layer, ref in zip(end, state) for a, b in zip(layer, ref))


@pytest.mark.skipif(not int8_available(), reason="no x86/fbgemm quantized engine")
def test_an_int8_row_gives_the_same_numbers_alone_or_in_any_batch():
    """Continuous batching must not change a stream: each row's logits and state are exactly
    those it gets alone (inputs quantized over a fixed range, integer products exact)."""
    emb, lstm, head = _lm()
    step = LSTMStep(lstm, embedding=emb, head=head, int8=True)
    x = torch.randint(0, 20, (8,))
    state = [(torch.rand(8, 32) * 2 - 1, torch.randn(8, 32)) for _ in range(2)]
    with torch.no_grad():
        batched, batched_state = step(x, state)
        for r in range(8):
            alone, alone_state = step(x[r:r + 1], [(h[r:r + 1], c[r:r + 1]) for h, c in state])
            assert torch.equal(alone[0], batched[r])
            assert all(torch.equal(a[0], b[r]) for la, lb in zip(alone_state, batched_state) for a, b in zip(la, lb))


def test_int8_needs_token_ids_whose_inputs_lie_in_the_fixed_range():
    with pytest.raises(ValueError, match="embedding"):
        LSTMStep(torch.nn.LSTM(3, 4), int8=True)
