"""The chargen plugin: generation semantics, determinism and streaming through the app."""
import pytest
from gradio_client import Client

import zoo
from zoo import InputError


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
    many = chargen("And", max_new_chars=30, seed=5, num_samples=3)
    assert len(many["texts"]) == 3 and many["text"] == many["texts"][0]


def test_stop_string_ends_generation(chargen):
    out = chargen("And God said", max_new_chars=2000, seed=3, stop="\n")
    assert "\n" not in out["text"][len("And God said"):] and len(out["text"]) < 2000


def test_unknown_characters_and_empty_prime(chargen):
    out = chargen("Héllo ☃", max_new_chars=5, seed=1)
    assert any("never saw" in n for n in out["notices"])
    assert chargen("", max_new_chars=5, seed=1)["prime"] == ""


@pytest.mark.parametrize("params", [dict(temperature=1e6), dict(max_new_chars=10**9), dict(top_k=-1),
                                    dict(top_p=0), dict(num_samples=100)])
def test_absurd_parameters_get_clear_errors(chargen, params):
    with pytest.raises(InputError, match="parameter"):
        chargen("x", **params)


def test_streams_through_the_app(app_url):
    client = Client(app_url, verbose=False)
    job = client.submit("In the beginning", 300, 0.8, 0, 1.0, 7, "", api_name="/chargen")
    texts = [update[0] for update in job]
    assert len(texts) >= 2 and all(b.startswith(a) for a, b in zip(texts, texts[1:]))  # each update grows the last
    assert len(texts[-1]) == len("In the beginning") + 300
