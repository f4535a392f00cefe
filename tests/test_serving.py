"""The serving core (zoo.scheduler) and the app under concurrent clients: no request can change
another's result or error, streams are batched without changing their texts, and a closed
stream stops its work at once."""
import concurrent.futures
import threading
import time

import pytest
from gradio_client import Client

import zoo
from zoo import InputError, Task
from zoo.scheduler import DeviceSlots, Scheduler
from zoo.task import StreamSequence

# -- a small task whose batches can be poisoned --------------------------------------------------------

class FragileTask(Task):
    """predict_batch fails for the whole batch when any input is "poison" (as a tokenizer that
    raises on one odd string would); alone, "poison" fails and everything else is answered."""

    name, title, description = "fragile", "Fragile", "upper-cases text"
    batches: list[int] = []

    def build_model(self, config):
        return None

    def load_preprocessor(self, folder, config):
        return None

    def validate(self, input):
        if not isinstance(input, str):
            raise InputError(f"text please, got {type(input).__name__}")

    def predict_batch(self, pipe, inputs, **params):
        self.batches.append(len(inputs))
        time.sleep(0.02)  # long enough for others to queue behind
        if "poison" in inputs:
            raise TypeError("the tokenizer choked on one input")
        return [{"text": x.upper()} for x in inputs]

    def build_tab(self, gr):
        raise NotImplementedError


class _Pipe:
    """What the scheduler calls: ``batch`` (as zoo.pipelines.Pipeline does) and one-by-one."""

    def __init__(self, task):
        self.task = task

    def batch(self, inputs, **params):
        return self.task.predict_batch(self, inputs, **params)

    def __call__(self, x, **params):
        return self.batch([x], **params)[0]


def test_one_poisoned_input_fails_alone_and_every_other_request_in_its_batch_is_answered():
    task = FragileTask()
    sched = Scheduler(lambda t, c: _Pipe(t))
    inputs = [f"good {i}" for i in range(12)] + ["poison"] + [f"late {i}" for i in range(12)]
    with concurrent.futures.ThreadPoolExecutor(25) as pool:
        results = list(pool.map(lambda x: sched.predict(task, None, x, {}), inputs))
    for x, r in zip(inputs, results):
        if x == "poison":
            assert "TypeError" in r["error"] and "nothing else was affected" in r["error"]
        else:
            assert r == {"text": x.upper()}
    assert max(task.batches) > 1, "requests were not batched"


def test_a_bad_request_is_refused_before_it_reaches_a_batch():
    task = FragileTask()
    sched = Scheduler(lambda t, c: _Pipe(t))
    with pytest.raises(InputError, match="text please"):
        sched.submit(task, None, 42, {})
    assert sched.predict(task, None, 42, {}) == {"error": "text please, got int"}
    assert sched.inflight.count == 0


def test_a_checkpoint_that_fails_to_load_is_each_callers_error_and_later_requests_retry():
    task = FragileTask()
    calls = []

    def load(t, c):
        calls.append(c)
        if len(calls) == 1:
            raise zoo.CheckpointError("acme/model: model.safetensors is unreadable")
        return _Pipe(t)

    sched = Scheduler(load)
    assert "unreadable" in sched.predict(task, None, "x", {})["error"]
    assert sched.predict(task, None, "x", {}) == {"text": "X"}


def test_device_slots_serve_waiters_in_arrival_order():
    slots, order, started = DeviceSlots(1), [], []
    slots.__enter__()  # held: everyone below waits

    def wait(k):
        started.append(k)
        with slots:
            order.append(k)

    threads = []
    for k in range(5):
        threads.append(threading.Thread(target=wait, args=(k,)))
        threads[-1].start()
        while len(started) < k + 1:
            time.sleep(0.001)
        time.sleep(0.01)
    slots.__exit__()
    for t in threads:
        t.join()
    assert order == [0, 1, 2, 3, 4]


def test_drain_refuses_new_work_and_waits_for_what_is_in_flight():
    task = FragileTask()
    sched = Scheduler(lambda t, c: _Pipe(t))
    futures = [sched.submit(task, None, f"x{i}", {}) for i in range(5)]
    assert sched.drain(10)
    assert all(f.result()["text"].startswith("X") for f in futures)
    with pytest.raises(zoo.ZooError, match="no new requests"):
        sched.submit(task, None, "late", {})


# -- streams -------------------------------------------------------------------------------------------

class _Count(StreamSequence):
    def __init__(self, word, n):
        self.word, self.n, self.t = word, n, 0

    @property
    def done(self):
        return self.t >= self.n

    def result(self):
        return {"text": " ".join([self.word] * self.t)}


class CountTask(Task):
    """Streams that repeat a word n times; a step fails for any batch holding "boom" at step 3."""

    name, title, description = "count", "Count", "repeats a word"
    streaming = batches_streams = True
    from zoo import Param
    params = [Param("n", int, 5, min=1, max=10_000)]

    def build_model(self, config):
        return None

    def load_preprocessor(self, folder, config):
        return None

    def start_sequence(self, pipe, input, n):
        return _Count(input, n)

    def step_sequences(self, pipe, seqs):
        if any(s.word == "boom" and s.t == 3 for s in seqs):
            raise RuntimeError("a bug that one stream triggers")
        time.sleep(0.002)
        for s in seqs:
            s.t += 1

    def predict_batch(self, pipe, inputs, **params):
        raise NotImplementedError

    def build_tab(self, gr):
        raise NotImplementedError


def test_a_stream_that_breaks_a_batched_step_ends_alone_and_the_others_finish():
    task, sched = CountTask(), Scheduler(lambda t, c: _Pipe(t))
    words = ["a", "b", "boom", "c"]

    def run(word):
        try:
            return list(sched.stream(task, None, word, {"n": 50}))[-1]["text"]
        except zoo.ZooError as exc:
            return f"error: {exc}"

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        out = dict(zip(words, pool.map(run, words)))
    assert out["boom"].startswith("error:") and "RuntimeError" in out["boom"]
    for w in ("a", "b", "c"):
        assert out[w] == " ".join([w] * 50)
    assert sched.inflight.count == 0


def test_closing_a_stream_frees_it_at_the_next_step():
    task, sched = CountTask(), Scheduler(lambda t, c: _Pipe(t))
    stream = sched.stream(task, None, "x", {"n": 10_000})
    next(stream)
    stream.close()
    deadline = time.time() + 2
    while sched.inflight.count and time.time() < deadline:
        time.sleep(0.01)
    assert sched.inflight.count == 0


@pytest.fixture(scope="module")
def chargen():
    return zoo.pipeline("chargen", device="cpu")


def test_chargen_streams_batched_together_give_the_texts_they_give_alone(chargen, monkeypatch):
    monkeypatch.setenv("ZOO_STREAM_LANES", "1")  # all in one batch (lanes: the next test)
    sched = Scheduler(lambda t, c: chargen)
    task = chargen.task
    requests = [("In the beginning", dict(max_new_chars=300, seed=1)),
                ("And the LORD said", dict(max_new_chars=200, seed=2, temperature=0.0)),
                ("Blessed are", dict(max_new_chars=250, seed=3, top_k=5)),
                ("x" * 1500, dict(max_new_chars=120, seed=4, top_p=0.9, num_samples=2)),  # a prime in chunks
                ("Verily", dict(max_new_chars=300, seed=5, stop="\n"))]
    alone = [chargen(p, **kw) for p, kw in requests]
    with concurrent.futures.ThreadPoolExecutor(len(requests)) as pool:
        together = list(pool.map(lambda r: list(sched.stream(task, None, r[0], r[1]))[-1], requests))
    assert together == alone
    engine = next(iter(sched._queues.values()))
    assert max(engine.step_sizes) >= 3, f"streams were not stepped together: {engine.step_sizes}"


def test_a_cpu_gets_a_lane_per_device_slot_up_to_four_and_a_gpu_one(monkeypatch):
    from zoo import settings

    for slots, lanes in (("1", 1), ("2", 2), ("16", 4)):
        monkeypatch.setenv("ZOO_DEVICE_SLOTS", slots)
        assert settings.stream_lanes("cpu") == lanes
    assert settings.stream_lanes("cuda") == 1
    monkeypatch.setenv("ZOO_STREAM_LANES", "3")
    assert settings.stream_lanes("cpu") == 3


def test_streams_spread_over_two_lanes_give_the_texts_they_give_alone(chargen, monkeypatch):
    """On a CPU a model's streams are shared out evenly between lanes, each stepping its own batch
    on its own thread: both lanes step, neither holds more than its share, and every stream's text
    is the one it gets alone."""
    monkeypatch.setenv("ZOO_STREAM_LANES", "2")
    sched = Scheduler(lambda t, c: chargen)
    requests = [("And", dict(max_new_chars=400, seed=k)) for k in range(6)]
    alone = [chargen(p, **kw) for p, kw in requests]
    with concurrent.futures.ThreadPoolExecutor(len(requests)) as pool:
        together = list(pool.map(lambda r: list(sched.stream(chargen.task, None, r[0], r[1]))[-1], requests))
    assert together == alone
    engine = next(iter(sched._queues.values()))
    assert engine.lanes == 2 and len(engine.lane_steps) == 2, f"not both lanes stepped: {engine.lane_steps}"
    assert 2 <= max(engine.step_sizes) <= 3, f"not an even share of 6 streams: {engine.step_sizes}"


# -- the app ---------------------------------------------------------------------------------------------

def test_every_kind_of_bad_request_fails_alone_beside_good_ones(app_url, tmp_path):
    """A poisoned batch, for each trigger: 6 good requests of the same task beside each bad one."""
    from zoo.servebench import _bad_requests, _call, _requests, raw_call

    good_client = [Client(app_url, verbose=False) for _ in range(6)]
    bad_client = Client(app_url, verbose=False)
    for name, (task, bad_args) in _bad_requests(tmp_path).items():
        good_args = _requests()[task][0]
        expected = _call(good_client[0], task, good_args)
        assert "error" not in expected, (name, expected)

        def bad():
            raw = "surrogate" in name or "never uploaded" in name
            return raw_call(app_url, task, bad_args) if raw else _call(bad_client, task, bad_args)

        with concurrent.futures.ThreadPoolExecutor(7) as pool:
            bad_future = pool.submit(bad)
            goods = list(pool.map(lambda c: _call(c, task, good_args), good_client))
            bad_result = bad_future.result()
        for g in goods:
            assert "error" not in g, (name, g)
            if task != "forecasting":  # forecasting floats may differ in the last bits when batched
                assert g == expected, name
        if name == "CSV dates with mixed UTC offsets":  # a daylight saving change is no error
            assert "error" not in bad_result, bad_result
        else:
            assert bad_result.get("error"), (name, bad_result)
            assert "null" not in bad_result["error"] and "Traceback" not in bad_result["error"]


def test_uploads_over_the_cap_are_refused(app_url):
    import urllib.error
    import urllib.request

    from zoo import settings

    body = b"--b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.csv\"\r\n\r\n" + \
        b"1\n" * (settings.max_upload_mb() * 2**20 // 2 + 10) + b"\r\n--b--\r\n"
    req = urllib.request.Request(f"{app_url}gradio_api/upload", data=body,
                                 headers={"content-type": "multipart/form-data; boundary=b"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=60)
    assert err.value.code == 413


def test_a_redraw_of_a_made_up_huge_result_is_refused_cheaply(app_url):
    import json
    import urllib.request

    fake = {"sentences": [{"source": "x", "attention": [[0.5] * 1000] * 1000, "source_tokens": ["x"] * 1000,
                           "target_tokens": ["y"] * 1000}]}
    req = urllib.request.Request(f"{app_url}gradio_api/run/redraw", data=json.dumps({"data": [fake, None]}).encode(),
                                 headers={"content-type": "application/json"})
    started = time.perf_counter()
    out = json.loads(urllib.request.urlopen(req, timeout=60).read())
    assert time.perf_counter() - started < 5
    assert out["data"] == [None]


def test_streams_send_the_result_json_with_the_last_update_only(app_url):
    client = Client(app_url, verbose=False)
    job = client.submit("In the beginning", 400, 0.8, 0, 1.0, 7, "", api_name="/chargen")
    updates = list(job)
    assert len(updates) >= 2
    final = job.outputs()[-1]
    assert final[1]["text"] == final[0] and len(final[0]) == len("In the beginning") + 400


def test_an_api_call_builds_only_the_component_configs_it_uses(app_url):
    """Gradio makes a session for each API call; the app's sessions build a component's config
    when they use it, not all of them up front (the event loop's time, per call)."""
    import gradio.state_holder

    from zoo.app import build_app

    result = Client(app_url, verbose=False).predict("A fine film.", api_name="/sentiment")
    assert result[-2]["label"] in ("positive", "negative")  # the app answers with such sessions
    blocks = build_app()
    state = gradio.state_holder.SessionState(blocks)
    assert state.config_values == {} and len(blocks.blocks) > 50
    some = next(iter(blocks.blocks))
    state._update_value_in_config(some, None)
    assert list(state.config_values) == [some]


def test_the_app_writes_no_deep_link_files_for_anyone_who_asks(app_url):
    """Gradio's deep-link route would write a file per session state into the upload folder and
    never delete it; the app offers no deep links, so the route is not there."""
    import httpx

    client = Client(app_url, verbose=False)
    client.predict("A fine film.", api_name="/sentiment")
    answer = httpx.get(f"{app_url}gradio_api/deep_link", params={"session_hash": client.session_hash})
    assert answer.status_code == 404
    assert httpx.get(f"{app_url}gradio_api/info").status_code == 200  # the rest of the API is there


@pytest.mark.skipif(not __import__("torch").cuda.is_available(), reason="needs a CUDA GPU")
def test_streams_on_one_cuda_device_are_batched_and_all_finish():
    """The same engine serves a GPU: one device slot, streams stepped together (float step; texts
    may differ in the last bits from a lone run there, so only lengths and batching are checked)."""
    pipe = zoo.pipeline("chargen", device="cuda")
    sched = Scheduler(lambda t, c: pipe, device_type="cuda")
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        outs = list(pool.map(lambda k: list(sched.stream(pipe.task, None, "And", dict(max_new_chars=200, seed=k)))[-1],
                             range(6)))
    assert all(len(o["text"]) == 203 for o in outs)
    assert max(next(iter(sched._queues.values())).step_sizes) >= 2
