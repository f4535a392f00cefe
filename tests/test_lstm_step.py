"""The fused decoding step gives what nn.LSTM gives, one step at a time, state carried."""
import pytest
import torch

from zoo.lstm_step import LSTMStep


@pytest.mark.parametrize("layers,batch,bias", [(1, 1, True), (2, 1, True), (3, 4, True), (2, 2, False)])
def test_steps_match_nn_lstm(layers, batch, bias):
    torch.manual_seed(layers * 10 + batch)
    lstm = torch.nn.LSTM(7, 16, num_layers=layers, bias=bias, batch_first=True).eval()
    step = LSTMStep(lstm)
    x = torch.randn(batch, 12, 7)
    with torch.no_grad():
        expected, (h_ref, c_ref) = lstm(x)
        state = step.initial_state(batch, x)
        outs = []
        for t in range(x.shape[1]):
            out, state = step(x[:, t], state)
            outs.append(out)
    torch.testing.assert_close(torch.stack(outs, dim=1), expected, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(state[0], h_ref, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(state[1], c_ref, atol=1e-5, rtol=1e-5)


def test_continues_from_a_prefix_state():
    """A prefix run by the full nn.LSTM, then steps: the same as running everything at once."""
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(5, 8, num_layers=2, batch_first=True).eval()
    step = LSTMStep(lstm)
    x = torch.randn(1, 10, 5)
    with torch.no_grad():
        full, _ = lstm(x)
        _, state = lstm(x[:, :6])
        for t in range(6, 10):
            out, state = step(x[:, t], state)
            torch.testing.assert_close(out, full[:, t], atol=1e-5, rtol=1e-5)


def test_refuses_what_it_cannot_run():
    with pytest.raises(ValueError, match="unidirectional"):
        LSTMStep(torch.nn.LSTM(3, 4, bidirectional=True))
    assert not LSTMStep(torch.nn.LSTM(3, 4)).state_dict()  # derived buffers are never saved
