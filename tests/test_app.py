"""The app through gradio_client, as an API user would call it."""
import concurrent.futures

import pytest
from gradio_client import Client

import zoo
from zoo import hookimpl
from zoo.plugins import manager


@pytest.fixture(scope="module")
def client(app_url):
    return Client(app_url, verbose=False)


def test_one_endpoint_per_task_named_after_it(client):
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert set(endpoints) >= {f"/{name}" for name in zoo.registry().tasks}


def test_the_api_page_types_each_parameter_as_the_task_takes_it(client):
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    types = {ep: {p["parameter_name"]: p["python_type"]["type"] for p in endpoints[ep]["parameters"]}
             for ep in ("/chargen", "/translation", "/forecasting")}
    assert types["/chargen"]["max_new_chars"] == types["/chargen"]["top_k"] == types["/chargen"]["seed"] == "int"
    assert types["/chargen"]["temperature"] == "float"
    assert types["/translation"]["beam_size"] == types["/translation"]["max_length"] == "int"
    assert types["/forecasting"]["horizon"] == "int" and types["/forecasting"]["column"] == "str"


def test_the_text_a_task_reads_is_required_and_an_upload_is_optional(client):
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    optional = {ep: {p["parameter_name"]: p["parameter_has_default"] for p in endpoints[ep]["parameters"]}
                for ep in ("/sentiment", "/translation", "/chargen", "/forecasting")}
    assert not optional["/sentiment"]["sentence"] and not optional["/translation"]["english_text"]
    assert not optional["/chargen"]["prime"]
    assert optional["/forecasting"]["csv_file"]  # the series may come from the sample or pasted numbers
    assert all(optional["/forecasting"].values())


def test_sentiment_endpoint_returns_label_highlights_and_json(client):
    label, highlights, result, notice = client.predict("A joyous, beautifully made film.", api_name="/sentiment")
    assert label["label"] == "positive" == result["label"]
    assert {c["label"] for c in label["confidences"]} == {"positive", "negative"}
    # The highlighted pieces spell out the sentence as typed, each word piece with its push.
    assert "".join(h["token"] for h in highlights) == "A joyous, beautifully made film."
    assert {h["class_or_confidence"] for h in highlights} <= {
        None, "strongly positive", "positive", "negative", "strongly negative"}
    assert any(h["token"] == "joy" and "positive" in h["class_or_confidence"] for h in highlights)
    assert result["probabilities"]["positive"] > 0.5
    assert notice == ""


def test_the_overview_endpoint_lists_every_checkpoint_with_its_card_figures_and_source(client):
    rows = client.predict(api_name="/overview")
    registered = {(t, c.id): c for t, cs in zoo.registry().checkpoints.items() for c in cs}
    assert {(r["task"], r["id"]) for r in rows} == set(registered)
    for row in rows:
        ckpt = registered[(row["task"], row["id"])]
        assert (row["repo_id"], row["revision"], row["default"]) == (ckpt.repo_id, ckpt.revision, ckpt.default)
        assert row["metrics"] and row["baselines"] and row["split"] == "test" and row["license"] and row["card"]
    client.predict("A fine film.", "rt-bilstm", api_name="/sentiment")
    after = {(r["task"], r["id"]): r["loaded_from"] for r in client.predict(api_name="/overview")}
    assert after[("sentiment", "rt-bilstm")] == "bundled (cpu)"


def test_an_error_reads_as_a_quote_and_notices_as_a_list(client):
    *_, notice = client.predict("", api_name="/sentiment")
    assert notice.startswith("> **Error:** the text is empty")
    *_, notice = client.predict("great " * 5000, api_name="/sentiment")
    assert notice.startswith("- ") and "truncated" in notice and "Error" not in notice


def test_bad_requests_get_clear_errors_and_the_app_keeps_serving(client):
    for bad, why in [("", "empty"), ("   ", "empty"), ("\x00\x00", "only control characters")]:
        *_, result, notice = client.predict(bad, api_name="/sentiment")
        assert why in result["error"] and "Error" in notice
    _, _, result, notice = client.predict("x" * 100_000, api_name="/sentiment")
    assert "truncated" in notice
    assert client.predict("Still here?", api_name="/sentiment")[2]["label"] in ("positive", "negative")
    *_, result, notice = client.predict("fine", "no-such-checkpoint", api_name="/sentiment")
    assert "not in the list of choices" in result["error"] and "Error" in notice
    assert client.predict("And now?", api_name="/sentiment")[2]["label"] in ("positive", "negative")


def test_a_raw_http_call_with_too_few_values_is_told_what_the_endpoint_takes(client):
    import httpx

    for data, message in [(["good"], "the request sent 1 input value(s) and this endpoint takes 2"),
                          ([], "did the request send its input values")]:
        event = httpx.post(f"{client.src}gradio_api/call/sentiment", json={"data": data}).json()["event_id"]
        answer = httpx.get(f"{client.src}gradio_api/call/sentiment/{event}").text
        assert "event: error" in answer and message in answer and " at 0x" not in answer


def test_concurrent_clients_are_batched_and_answers_match_one_by_one(client, sentiment, monkeypatch):
    from plugins.sentiment.task import SentimentTask

    sizes = []
    original = SentimentTask.predict_batch

    def recording(self, pipe, inputs, **params):
        sizes.append(len(inputs))
        return original(self, pipe, inputs, **params)

    monkeypatch.setattr(SentimentTask, "predict_batch", recording)
    texts = [f"Review {i}: {'a wonderful, moving film' if i % 2 else 'a boring, clumsy mess'}." for i in range(16)]
    clients = [Client(client.src, verbose=False) for _ in range(16)]
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda k: clients[k].predict(texts[k], api_name="/sentiment")[2], range(16)))
    assert sum(sizes) == 16 and max(sizes) > 1, f"requests were not batched: {sizes}"
    for text, result in zip(texts, results):
        expected = sentiment(text)
        assert result["label"] == expected["label"]
        assert result["probabilities"]["positive"] == pytest.approx(expected["probabilities"]["positive"], abs=1e-4)


def test_a_broken_plugin_shows_a_notice_and_the_rest_works():
    from zoo.app import build_app

    class Broken:
        @hookimpl
        def register_tasks(self, register):
            raise RuntimeError("this plugin is broken on purpose")

    with manager.registered(Broken(), name="broken_on_purpose") as reg:
        demo = build_app(reg)
        config = demo.get_config_file()
    texts = [str(c.get("props", {}).get("value", "")) for c in config["components"]]
    assert any("broken_on_purpose" in t and "broken on purpose" in t for t in texts)
    assert any(dep.get("api_name") == "sentiment" for dep in config["dependencies"])


def test_python_app_py_makes_no_outside_request_at_start(hub, tmp_path):
    """Models load on first use: starting the app asks the Hub for nothing. (HF_ENDPOINT points at
    a local counting server; Gradio's analytics are off by default.)"""
    from helpers import AppProcess

    # GRADIO_ANALYTICS_ENABLED unset: the app must turn it off by itself.
    with AppProcess(env={"GRADIO_ANALYTICS_ENABLED": None}, timeout=90) as app:
        assert "LSTM Zoo" in app.page
        assert not hub.requests, f"the app asked the Hub at start: {dict(hub.requests)}"
        label, _, result, _ = Client(app.url, verbose=False).predict("A lovely film.", api_name="/sentiment")
        assert result["label"] == "positive"
        assert hub.requests  # first use: the model came through the Hub protocol


def test_importing_the_app_turns_telemetry_off_by_itself():
    import os
    import subprocess
    import sys

    from helpers import ROOT

    env = {k: v for k, v in os.environ.items() if k not in ("GRADIO_ANALYTICS_ENABLED", "HF_HUB_DISABLE_TELEMETRY")}
    code = ("import app, gradio.analytics, huggingface_hub.constants as c; "
            "print(gradio.analytics.analytics_enabled(), c.HF_HUB_DISABLE_TELEMETRY)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["False", "True"], out.stderr


def test_a_tab_that_fails_to_build_leaves_the_others_working():
    from plugins.sentiment.task import SentimentTask
    from zoo.app import build_app

    class BadTab(SentimentTask):
        name = "badtab"
        title = "Bad tab"
        checkpoints = []

        def build_tab(self, gr):
            raise RuntimeError("tab exploded")

    class Plugin:
        @hookimpl
        def register_tasks(self, register):
            register(BadTab())

    with manager.registered(Plugin(), name="badtab_plugin") as reg:
        config = build_app(reg).get_config_file()
    texts = [str(c.get("props", {}).get("value", "")) for c in config["components"]]
    assert any("tab exploded" in t for t in texts)
    assert any(dep.get("api_name") == "sentiment" for dep in config["dependencies"])
