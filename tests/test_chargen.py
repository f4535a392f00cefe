"""The chargen plugin: generation semantics, determinism and streaming through the app."""
import re

import pytest
from gradio_client import Client

import zoo
from zoo import InputError
from zoo.lstm_step import int8_available


@pytest.fixture(scope="module")
def chargen():
    return zoo.pipeline("chargen", device="cpu")


def test_same_seed_same_text_and_other_seeds_differ(chargen):
    a = chargen("In the beginning", max_new_chars=80, seed=11)
    assert a == chargen("In the beginning", max_new_chars=80, seed=11)
    assert a["text"] != chargen("In the beginning", max_new_chars=80, seed=12)["text"]
    assert a["text"].startswith("In the beginning") and len(a["text"]) == len("In the beginning") + 80


def test_greedy_ignores_the_seed_and_samples_come_in_a_list(chargen):
    g1 = chargen("And", max_new_chars=40, temperature=0, seed=1)
    assert g1["text"] == chargen("And", max_new_chars=40, temperature=0, seed=2)["text"]
    # no seed is returned where none could matter; a sampled text names the one drawn for it
    assert g1["seed"] is None and chargen("And", max_new_chars=5, temperature=1.5, top_k=1)["seed"] is None
    drawn = chargen("And", max_new_chars=40, seed=-1)
    assert isinstance(drawn["seed"], int) and chargen("And", max_new_chars=40, seed=drawn["seed"])["text"] == drawn["text"]
    many = chargen("And", max_new_chars=30, seed=5, num_samples=3)
    assert len(many["texts"]) == 3 and many["text"] == many["texts"][0]


def test_top_k_1_and_a_tiny_top_p_leave_only_the_likeliest_character(chargen):
    greedy = chargen("And", max_new_chars=60, temperature=0)["text"]
    assert chargen("And", max_new_chars=60, temperature=1.5, top_k=1, seed=4)["text"] == greedy
    assert chargen("And", max_new_chars=60, temperature=1.5, top_p=0.01, seed=5)["text"] == greedy
    assert chargen("And", max_new_chars=60, temperature=1.5, top_k=5, seed=6)["text"] != greedy


def test_stop_string_ends_generation(chargen):
    out = chargen("And God said", max_new_chars=2000, seed=3, stop="\n")
    assert "\n" not in out["text"][len("And God said"):] and len(out["text"]) < 2000


def test_unknown_characters_and_empty_prime(chargen):
    out = chargen("Héllo ☃", max_new_chars=5, seed=1)
    assert any("never saw" in n for n in out["notices"])
    assert chargen("", max_new_chars=5, seed=1)["prime"] == ""


def test_characters_the_kjv_never_saw_are_skipped_and_a_prime_of_them_is_cautioned(chargen):
    """The KJV's vocabulary is every character of its training text, so its unknown id was never
    trained: such characters are skipped (the prime is kept as typed), and a prime made of them
    writes what an empty prime writes."""
    alien = chargen("起初神创造天地", max_new_chars=40, seed=1)
    assert alien["text"].startswith("起初神创造天地") and alien["prime"] == "起初神创造天地"
    assert alien["text"][len("起初神创造天地"):] == chargen("", max_new_chars=40, seed=1)["text"]
    assert "7 distinct characters the model never saw were skipped: '起初神创造天地'" in alien["notices"]  # as typed
    assert "1 character the model never saw was skipped: '🙂'" in chargen("🙂🙂🙂 And", max_new_chars=5)["notices"]
    assert any(n.startswith("most of the prime is characters the model never saw") for n in alien["notices"])
    mixed = chargen("🙏 In the beginning 😀", max_new_chars=40, seed=1)
    assert not any(n.startswith("most of the prime") for n in mixed["notices"])
    # The Python checkpoint was trained with rare characters read as unknown: it reads them so.
    python = zoo.pipeline("chargen", checkpoint="python")
    assert any("read as unknown" in n for n in python("def f(x):  # ☃", max_new_chars=5, seed=1)["notices"])


@pytest.mark.parametrize("params", [dict(temperature=1e6), dict(max_new_chars=10**9), dict(top_k=-1),
                                    dict(top_p=0), dict(num_samples=100)])
def test_absurd_parameters_get_clear_errors(chargen, params):
    with pytest.raises(InputError, match="parameter"):
        chargen("x", **params)


@pytest.mark.parametrize("params, message", [
    (dict(max_new_chars=10.5), "'max_new_chars' must be a whole number from 1 to 10000, got 10.5"),
    (dict(max_new_chars="20.7"), "'max_new_chars' must be a whole number from 1 to 10000, got '20.7'"),  # the CLI's
    (dict(max_new_chars=True), "'max_new_chars' must be a whole number from 1 to 10000, got True"),
    (dict(temperature=float("nan")), "'temperature' must be a finite number from"),
    (dict(stop=["\n", "."]), "'stop' must be text, got"),
])
def test_parameters_take_one_rule_from_python_the_cli_and_the_api(chargen, params, message):
    with pytest.raises(InputError, match=re.escape(message)):
        chargen("x", **params)
    assert chargen("x", max_new_chars="5.0", seed="3") == chargen("x", max_new_chars=5, seed=3)  # the CLI's strings


def test_streams_through_the_app(app_url):
    client = Client(app_url, verbose=False)
    job = client.submit("In the beginning", 300, 0.8, 0, 1.0, 7, "", api_name="/chargen")
    texts = [update[0] for update in job]
    assert len(texts) >= 2 and all(b.startswith(a) for a, b in zip(texts, texts[1:]))  # each update grows the last
    assert len(texts[-1]) == len("In the beginning") + 300
    # A bad request is its own error result and notice, as on every other endpoint.
    for args, message in [((None, 20), "the prime must be text"), (("In", 20.5), "must be a whole number from 1 to"),
                          (("In", None), "'max_new_chars' must be a whole number from 1 to 10000, got nothing"),
                          (("In", 20, 0.8, 0, 1.0, 2.5), "'seed' must be a whole number")]:  # its API name, not its label
        *_, result, notice = client.predict(*args, api_name="/chargen")
        assert message in result["error"] and notice.startswith("> **Error:**")


def test_cancelling_a_stream_ends_the_work_on_the_server(app_url):
    """The app runs in this process, so its CPU time shows whether generation goes on."""
    import time

    def cpu_over(seconds):
        start = time.process_time()
        time.sleep(seconds)
        return time.process_time() - start

    client = Client(app_url, verbose=False)
    job = client.submit("In the beginning", 10_000, 0.8, 0, 1.0, 7, "", api_name="/chargen")
    while not job.outputs():
        time.sleep(0.01)
    busy = cpu_over(0.5)  # generating: the server keeps a core busy (less on a loaded machine)
    job.cancel()
    time.sleep(0.3)
    idle = cpu_over(0.5)
    assert busy > 0.1, busy
    assert idle < busy / 3, (busy, idle)
    assert len(job.outputs()[-1][0]) < len("In the beginning") + 10_000


def test_cancelling_while_a_long_prime_is_read_ends_the_work_on_the_server(app_url):
    """A long prime is read in chunks, each shown as progress ("reading the prime: ..."): a point
    where a cancel is seen, before any text is generated."""
    import time

    def cpu_over(seconds):
        start = time.process_time()
        time.sleep(seconds)
        return time.process_time() - start

    client = Client(app_url, verbose=False)
    prime = "And the LORD spake unto Moses, saying, " * 500  # 19,500 characters
    job = client.submit(prime, 200, 0.8, 0, 1.0, 7, "", api_name="/chargen")
    while not job.outputs():
        time.sleep(0.01)
    text, *rest = job.outputs()[-1]
    assert text == prime and "reading the prime:" in str(rest)  # progress, before any new character
    busy = cpu_over(0.5)
    job.cancel()
    time.sleep(1.0)  # the chunk being read when the cancel came is finished first
    idle = cpu_over(0.5)
    assert busy > 0.1, busy
    assert idle < busy / 3, (busy, idle)


def test_a_long_prime_shows_progress_and_the_last_result_is_the_plain_one(chargen):
    prime = "And God said, Let there be light: and there was light. " * 40  # 2,200 characters
    results = list(chargen.stream(prime, max_new_chars=20, seed=3))
    reading = [r for r in results if r.get("progress", "").startswith("reading the prime:")]
    assert reading and all(r["text"] == prime for r in reading)
    assert results[-1] == chargen(prime, max_new_chars=20, seed=3) and "progress" not in results[-1]


@pytest.mark.skipif(not int8_available(), reason="no x86/fbgemm quantized engine")
def test_the_int8_generation_step_costs_at_most_0_02_bits_per_character(chargen):
    """Generation runs int8 weights on the CPU; it must model text as well as the float weights."""
    import math

    import torch

    from plugins.chargen.evaluate import nats_per_char, step_nats_per_char

    text = ("In the beginning was the Word, and the Word was with God, and the Word was God.\n"
            "The same was in the beginning with God.\nAll things were made by him; and without him was not "
            "any thing made that was made.\nIn him was life; and the life was the light of men.\n") * 4
    ids = torch.tensor(chargen.preprocessor.encode(text))
    model, step = chargen.model, chargen.model.stepper()
    assert step.int8
    full = nats_per_char(model, ids, streams=1) / math.log(2)
    stepped = step_nats_per_char(model, step, ids, streams=1) / math.log(2)
    assert abs(stepped - full) <= 0.02, (full, stepped)
    float_step = step_nats_per_char(model, model.stepper(int8=False), ids, streams=1) / math.log(2)
    assert abs(float_step - full) < 1e-3  # the float step is the same function as nn.LSTM


def test_generation_never_reruns_the_prefix(chargen, monkeypatch):
    """After the prime, the full nn.LSTM is never called again: one step per character."""
    calls = []
    lstm = chargen.model.lstm
    original = lstm.forward
    monkeypatch.setattr(lstm, "forward", lambda *a, **k: calls.append(a[0].shape) or original(*a, **k))
    chargen("In the beginning", max_new_chars=300, seed=1)
    assert len(calls) == 1 and calls[0][1] == len("In the beginning")
