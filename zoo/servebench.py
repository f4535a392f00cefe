"""``python -m zoo bench serve [-- options]``: the app under many visitors, through its HTTP API.

Each scenario starts ``python app.py`` in a child process and drives it with ``gradio_client``
clients in threads; every answer is checked against the same request answered alone (first, on
the idle app), and every figure is printed beside its baseline from the same run:

- ``mixed``: N clients over all four tasks for S seconds: p50/p99 per task, errors, mix-ups, and
  the app's resident memory over time (growth after the first minute);
- ``poison``: good requests beside a client sending bad ones, for each kind of bad request
  (a value not in a dropdown, a slider out of range, a wrong type, a file never uploaded, a lone
  surrogate, CSV dates with mixed UTC offsets, a list as a column name): how many good ones failed;
- ``stall``: a sentiment request's p50 on the idle app, and while one client generates 10,000
  characters;
- ``huge``: a forecast of 999,990 pasted numbers: its time, the app's memory, and a sentiment
  request's latency meanwhile;
- ``streams``: one chargen stream alone, then 8 at once (same seeds): speed per stream and texts;
- ``engine``: the same in this process through ``zoo.scheduler`` alone (no HTTP, no clients
  competing for the two cores);
- ``replicas`` (only when named; needs Ray): one task under N clients, served by the plain app,
  then by ``zoo serve-ray`` with 1 and with 2 replicas of it: throughput, p50/p99, errors and
  mix-ups, as ratios to the plain app;
- ``threads``: each task's speed in a fresh process with 1 and with 2 torch threads, quiet, beside
  one busy process, and beside three (``--busy``), as ratios to its quiet speed.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import datetime
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from .coldstart import app_process

SCENARIOS = ("poison", "stall", "huge", "streams", "engine", "mixed", "threads", "replicas")


# -- requests ----------------------------------------------------------------------------------------

def _requests() -> dict[str, list[tuple]]:
    """Good requests per task, as positional API arguments (the last is the checkpoint)."""
    forecast = lambda sample, horizon, holdout: (sample, None, None, "infer", "", horizon, 80, holdout, "m3-monthly")  # noqa: E731
    return {
        "sentiment": [(t, "rt-bilstm-minilm") for t in (
            "A joyous, beautifully made film.", "A boring, clumsy mess that wastes its cast.",
            "Not the best, but the actors carry it.", "I wanted to like it; I did not.")],
        "translation": [(t, 5, 1.0, 200, "en-es") for t in (
            "In the beginning God created the heaven and the earth.",
            "And the king said unto his servants, Go and bring me bread.",
            "The fear of the LORD is the beginning of knowledge.")],
        "forecasting": [forecast("AirPassengers", 12, False), forecast("AirPassengers", 6, True),
                        forecast("MaunaLoaCO2", 12, False)],
        "chargen": [(p, 200, 0.8, 0, 1.0, seed, "", "kjv") for p, seed in (
            ("In the beginning", 1), ("And the LORD said unto Moses,", 2), ("Blessed are", 3))],
    }


def _call(client, task: str, args: tuple) -> dict:
    """The JSON result of one request (the second-to-last output); a failure as {"error": ...}."""
    try:
        if task == "chargen":
            out = client.submit(*args, api_name="/chargen").result()
        else:
            out = client.predict(*args, api_name=f"/{task}")
        return out[-2] if isinstance(out[-2], dict) else {"error": f"unexpected output {out[-2]!r}"}
    except Exception as exc:  # gradio_client raises the app's gr.Error and Gradio's own checks
        return {"error": f"{type(exc).__name__}: {exc}"}


def raw_call(url: str, task: str, args: tuple, timeout: float = 60) -> dict:
    """One request over plain HTTP (``/gradio_api/call``), for what gradio_client cannot send (a
    lone surrogate: JSON escapes it, httpx would refuse to encode it)."""
    import json
    import urllib.request

    body = json.dumps({"data": list(args)}).encode()
    req = urllib.request.Request(f"{url}gradio_api/call/{task}", data=body, headers={"content-type": "application/json"})
    try:
        event_id = json.loads(urllib.request.urlopen(req, timeout=timeout).read())["event_id"]
        stream = urllib.request.urlopen(f"{url}gradio_api/call/{task}/{event_id}", timeout=timeout).read().decode()
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}
    event, data = None, None
    for line in stream.splitlines():
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            data = line.split(":", 1)[1].strip()
    if event != "complete":
        return {"error": f"{event}: {data}"}
    out = json.loads(data)
    return out[-2] if isinstance(out, list) and len(out) >= 2 and isinstance(out[-2], dict) else {"error": repr(out)[:200]}


def same(a, b, tol: float = 1e-4) -> bool:
    """Equal results, floats within ``tol`` (relative; batching may change the last bits)."""
    if isinstance(a, float) or isinstance(b, float):
        try:
            return math.isclose(float(a), float(b), rel_tol=tol, abs_tol=tol)
        except (TypeError, ValueError):
            return False
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k], tol) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y, tol) for x, y in zip(a, b))
    return a == b


def _client(url: str):
    from gradio_client import Client

    return Client(url, verbose=False)


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))] if values else float("nan")


@contextlib.contextmanager
def busy(n: int):
    """``n`` processes that only burn CPU (``python -c "while True: pass"``)."""
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        yield
    finally:
        for p in procs:
            p.kill()
            p.wait()


def _references(url: str) -> dict[tuple, dict]:
    client = _client(url)
    return {(task, args): _call(client, task, args) for task, rows in _requests().items() for args in rows}


# -- scenarios -----------------------------------------------------------------------------------------

def mixed(url: str, pid: int, clients: int, seconds: float) -> dict:
    """N clients, each cycling through every task's requests, for ``seconds``."""
    refs = _references(url)
    jobs = [(task, args) for task, rows in _requests().items() for args in rows]
    lat: dict[str, list[float]] = {t: [] for t in _requests()}
    errors: dict[str, int] = {t: 0 for t in _requests()}
    mixups: dict[str, int] = {t: 0 for t in _requests()}
    rss: list[tuple[float, float]] = []
    stop = threading.Event()
    started = time.perf_counter()

    def sample_rss():
        while not stop.is_set():
            rss.append((round(time.perf_counter() - started, 1), round(_rss_mb(pid), 1)))
            stop.wait(1.0)

    def client_loop(k: int):
        client = _client(url)
        i = k
        while time.perf_counter() - started < seconds:
            task, args = jobs[i % len(jobs)]
            i += 1
            t0 = time.perf_counter()
            result = _call(client, task, args)
            lat[task].append(time.perf_counter() - t0)
            if "error" in result:
                errors[task] += 1
            elif not same(result, refs[(task, args)]):
                mixups[task] += 1

    sampler = threading.Thread(target=sample_rss, daemon=True)
    sampler.start()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        list(pool.map(client_loop, range(clients)))
    stop.set()
    sampler.join()
    after_minute = [m for t, m in rss if t >= 60] or [m for _, m in rss]
    return {
        "clients": clients, "seconds": seconds,
        "requests": {t: len(v) for t, v in lat.items()}, "errors": errors, "mixups": mixups,
        "p50_s": {t: round(_pct(v, 50), 3) for t, v in lat.items()},
        "p99_s": {t: round(_pct(v, 99), 3) for t, v in lat.items()},
        "rss_mb": {"start": rss[0][1] if rss else None, "at_60s": after_minute[0] if after_minute else None,
                   "end": rss[-1][1] if rss else None, "max": max(m for _, m in rss) if rss else None,
                   "growth_after_60s": round(after_minute[-1] - after_minute[0], 1) if after_minute else None,
                   "every_30s": [m for t, m in rss][::30]},
    }


def _bad_requests(tmp: Path) -> dict[str, tuple[str, tuple]]:
    from gradio_client import handle_file

    mixed_tz = tmp / "dst.csv"
    hours = [f"2024-03-31 0{h}:00:00+01:00" for h in range(0, 2)] + [f"2024-03-31 {h:02d}:00:00+02:00" for h in range(3, 40 % 24)]
    mixed_tz.write_text("time,load\n" + "\n".join(f"{d},{100 + i % 7}" for i, d in enumerate(hours * 3)) + "\n")
    return {
        "checkpoint not in the dropdown": ("sentiment", ("good film", "nope")),
        "slider out of range": ("translation", ("Go now.", 50, 1.0, 200, "en-es")),
        "wrong type for a number": ("translation", ("Go now.", "five", 1.0, 200, "en-es")),
        "number sent as text": ("sentiment", (12345, "rt-bilstm-minilm")),
        "lone surrogate in text": ("translation", ("Go \ud800 now.", 5, 1.0, 200, "en-es")),
        "file never uploaded": ("forecasting", ("(none)", {"path": "/tmp/never-uploaded.csv",
                                                           "meta": {"_type": "gradio.FileData"}},
                                                None, "infer", "", 12, 80, False, "m3-monthly")),
        "CSV dates with mixed UTC offsets": ("forecasting", ("(none)", handle_file(str(mixed_tz)), None, "infer", "", 6,
                                                             80, False, "m3-monthly")),
        "column sent as a list": ("forecasting", ("(none)", handle_file(str(mixed_tz)), ["load"], "infer", "", 6, 80,
                                                  False, "m3-monthly")),
        "stream with top_k out of range": ("chargen", ("In the", 50, 0.8, 5000, 1.0, 1, "", "kjv")),
    }


def poison(url: str, seconds: float = 5.0, good_clients: int = 8) -> dict:
    """For each kind of bad request: good requests of the same task from ``good_clients`` clients
    while one client keeps sending the bad one."""
    refs = _references(url)
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (task, bad_args) in _bad_requests(Path(tmp)).items():
            raw = "surrogate" in name or "never uploaded" in name  # what gradio_client cannot send
            good_args = _requests()[task][0]
            counts = {"good": 0, "good_failed": 0, "good_mixed_up": 0, "bad": 0, "bad_refused": 0}
            messages = set()
            lock = threading.Lock()
            until = time.perf_counter() + seconds

            def good_loop(_):
                client = _client(url)
                while time.perf_counter() < until:
                    r = _call(client, task, good_args)
                    with lock:
                        counts["good"] += 1
                        counts["good_failed"] += "error" in r
                        counts["good_mixed_up"] += "error" not in r and not same(r, refs[(task, good_args)])

            def bad_loop(_):
                client = _client(url)
                while time.perf_counter() < until:
                    r = raw_call(url, task, bad_args) if raw else _call(client, task, bad_args)
                    with lock:
                        counts["bad"] += 1
                        counts["bad_refused"] += "error" in r
                        messages.add(str(r.get("error", "answered"))[:160])

            with concurrent.futures.ThreadPoolExecutor(good_clients + 1) as pool:
                list(pool.map(lambda k: bad_loop(k) if k == 0 else good_loop(k), range(good_clients + 1)))
            out[name] = {**counts, "bad_answers": sorted(messages)[:3]}
    return out


def stall(url: str, samples: int = 40) -> dict:
    """Sentiment latency on the idle app, then while another client generates 10,000 characters."""
    client = _client(url)
    args = _requests()["sentiment"][0]
    _call(client, "sentiment", args)

    def run(n):
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            _call(client, "sentiment", args)
            times.append(time.perf_counter() - t0)
            time.sleep(0.05)
        return times

    idle = run(samples)
    done, generations = threading.Event(), []

    def generate():  # one client generating 10,000 characters, again and again until sampled
        long_client = _client(url)
        while not done.is_set():
            t0 = time.perf_counter()
            long_client.submit("In the beginning", 10_000, 0.8, 0, 1.0, 7, "", "kjv", api_name="/chargen").result()
            generations.append(time.perf_counter() - t0)

    worker = threading.Thread(target=generate)
    worker.start()
    time.sleep(1.0)
    loaded = run(samples)
    done.set()
    worker.join()
    return {"sentiment_p50_idle_s": round(statistics.median(idle), 4),
            "sentiment_p50_during_10k_generation_s": round(statistics.median(loaded), 4),
            "ratio": round(statistics.median(loaded) / statistics.median(idle), 2),
            "generations_of_10k_chars": len(generations),
            "generation_s": round(statistics.median(generations), 2) if generations else None}


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def huge(url: str, pid: int, n: int = 999_990) -> dict:
    """A forecast of ``n`` pasted numbers (the largest the task takes is 1,000,000): its time, the
    app's memory, and a sentiment request's latency meanwhile, beside its idle latency."""
    import random

    rnd = random.Random(0)
    numbers = ", ".join(f"{100 + 10 * math.sin(i / 6) + rnd.gauss(0, 1):.2f}" for i in range(n))
    client = _client(url)
    args = _requests()["sentiment"][0]
    _call(client, "forecasting", _requests()["forecasting"][0])  # models loaded before timing
    idle = []
    for _ in range(20):
        t0 = time.perf_counter()
        _call(client, "sentiment", args)
        idle.append(time.perf_counter() - t0)
    rss_before, result, meanwhile = _rss_mb(pid), {}, []

    def forecast():
        t0 = time.perf_counter()
        result.update(_call(_client(url), "forecasting", ("(none)", None, None, "infer", numbers, 12, 80, False,
                                                          "m3-monthly")))
        result["seconds"] = time.perf_counter() - t0

    worker = threading.Thread(target=forecast)
    worker.start()
    while worker.is_alive():
        t0 = time.perf_counter()
        _call(client, "sentiment", args)
        meanwhile.append(time.perf_counter() - t0)
    worker.join()
    return {"values": n, "forecast_s": round(result["seconds"], 2), "error": result.get("error"),
            "notices": result.get("notices"), "app_rss_mb_before": rss_before, "app_rss_mb_after": _rss_mb(pid),
            "sentiment_p50_idle_s": round(statistics.median(idle), 4),
            "sentiment_p50_meanwhile_s": round(statistics.median(meanwhile), 4), "sentiment_requests_meanwhile": len(meanwhile)}


def streams(url: str, pid: int, n: int = 8, chars: int = 3000, rounds: int = 3, client: str = "gradio") -> dict:
    """One stream alone, then ``n`` at once: speed per stream and whether each text is the lone one.
    ``client``: "gradio" (gradio_client, one per stream, made before any timing: a new client
    fetches the app's config, which costs the server more than a stream's first second) or "http"
    (plain HTTP, Gradio's call API: a lighter load on this machine's cores than gradio_client's)."""
    clients = [_client(url) for _ in range(n)] if client == "gradio" else []

    def one(k: int) -> tuple[str, float]:
        args = (f"Verse {k}: And it came to pass", chars, 0.8, 0, 1.0, 100 + k, "", "kjv")
        t0 = time.perf_counter()
        if client == "gradio":
            text = clients[k % n].submit(*args, api_name="/chargen").result()[-2]["text"]
        else:
            out = raw_call(url, "chargen", args)
            text = out.get("text", repr(out))
        return text, time.perf_counter() - t0

    one(99)  # load the model
    ratios, alone_rates, together_rates, same_texts = [], [], [], 0
    cpu = {"alone": [0.0, 0.0, 0.0], "together": [0.0, 0.0, 0.0]}  # app CPU s, client CPU s, wall s
    for _ in range(rounds):  # interleaved: both see the same machine (speed drifts within minutes)
        c0, s0, w0 = time.process_time(), _cpu_s(pid), time.perf_counter()
        alone = [one(k) for k in range(n)]
        c1, s1, w1 = time.process_time(), _cpu_s(pid), time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(n) as pool:
            together = list(pool.map(one, range(n)))
        c2, s2, w2 = time.process_time(), _cpu_s(pid), time.perf_counter()
        for phase, (a, b, c) in (("alone", (s1 - s0, c1 - c0, w1 - w0)), ("together", (s2 - s1, c2 - c1, w2 - w1))):
            cpu[phase] = [x + y for x, y in zip(cpu[phase], (a, b, c))]
        alone_rates.append(chars / statistics.median(t for _, t in alone))
        together_rates.append(chars / statistics.median(t for _, t in together))
        ratios.append(together_rates[-1] / alone_rates[-1])
        same_texts += sum(a == b for (a, _), (b, _) in zip(alone, together))
    return {"streams": n, "chars": chars, "rounds": rounds, "client": client,
            # cores busy in the app and in these clients (on the same machine) during each phase
            "cores": {k: {"app": round(v[0] / v[2], 2), "clients": round(v[1] / v[2], 2)} for k, v in cpu.items()},
            "alone_chars_per_s": [round(r) for r in alone_rates],
            "each_of_n_chars_per_s": [round(r) for r in together_rates],
            "per_stream_ratio": round(statistics.median(ratios), 2),
            "per_stream_ratio_each_round": [round(r, 2) for r in ratios],
            "throughput_ratio": round(n * statistics.median(ratios), 2),
            "same_texts": f"{same_texts} of {n * rounds}"}


def engine(n: int = 8, chars: int = 3000, rounds: int = 3) -> dict:
    """The stream engine in this process, without HTTP or clients: one chargen stream alone, then
    ``n`` at once (same seeds), interleaved over rounds."""
    import torch

    import zoo
    from zoo.scheduler import Scheduler

    torch.set_num_threads(1)  # as the app runs
    pipe = zoo.pipeline("chargen", device="cpu")
    sched = Scheduler(lambda t, c: pipe)

    def one(k: int) -> tuple[str, float]:
        t0 = time.perf_counter()
        text = list(sched.stream(pipe.task, None, f"Verse {k}: And it came to pass",
                                 dict(max_new_chars=chars, seed=100 + k)))[-1]["text"]
        return text, time.perf_counter() - t0

    one(99)
    ratios, same_texts = [], 0
    for _ in range(rounds):
        alone = [one(k) for k in range(n)]
        with concurrent.futures.ThreadPoolExecutor(n) as pool:
            together = list(pool.map(one, range(n)))
        ratios.append(statistics.median(t for _, t in alone) / statistics.median(t for _, t in together))
        same_texts += sum(a == b for (a, _), (b, _) in zip(alone, together))
    return {"streams": n, "chars": chars, "rounds": rounds,
            "per_stream_ratio": round(statistics.median(ratios), 2),
            "per_stream_ratio_each_round": [round(r, 2) for r in ratios],
            "throughput_ratio": round(n * statistics.median(ratios), 2), "same_texts": f"{same_texts} of {n * rounds}"}


_SPEED = r"""
import json, sys, time, torch
from threadpoolctl import threadpool_limits
torch.set_num_threads(int(sys.argv[1]))  # as zoo.app.serve_settings does, with this many threads
import zoo
import scipy.linalg, statsmodels.api  # load every BLAS before limiting it
threadpool_limits(limits=int(sys.argv[1]), user_api="blas")
from zoo.scheduler import Scheduler
seconds = float(sys.argv[2])
def rate(fn, unit):
    fn(); n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        n += fn()
    return n / (time.perf_counter() - t0)
out = {}
chargen = zoo.pipeline("chargen", device="cpu")
out["chargen_chars_per_s"] = rate(lambda: len(chargen("In the beginning", max_new_chars=500, seed=1)["text"]) - 16, 1)
sent = zoo.pipeline("sentiment", device="cpu")
out["sentiment_requests_per_s"] = rate(lambda: (sent("A joyous, beautifully made film."), 1)[1], 1)
tr = zoo.pipeline("translation", device="cpu")
out["translation_requests_per_s"] = rate(lambda: (tr("And the king said unto his servants, Go and bring me bread."), 1)[1], 1)
fc = zoo.pipeline("forecasting", device="cpu")
air = fc.task.examples()[1]
out["forecasting_requests_per_s"] = rate(lambda: (fc(air, compare=True), 1)[1], 1)
print(json.dumps(out))
"""


def threads(seconds: float = 2.5, busy_counts=(0, 1, 3), rounds: int = 3) -> dict:
    """Each task's speed in a fresh process per thread setting and load, the settings interleaved
    within each round; a ratio is to the quiet speed of the same setting in the same round."""
    import json

    runs: dict[tuple[int, int], list[dict]] = {}
    for _ in range(rounds):
        for n_threads in (1, 2):
            for n_busy in busy_counts:
                env = {**os.environ, "ZOO_DEVICE": "cpu", "OPENBLAS_NUM_THREADS": str(n_threads)}
                with busy(n_busy):
                    proc = subprocess.run([sys.executable, "-c", _SPEED, str(n_threads), str(seconds)],
                                          capture_output=True, text=True, check=True, env=env)
                runs.setdefault((n_threads, n_busy), []).append(json.loads(proc.stdout.strip().splitlines()[-1]))
    out = {}
    for n_threads in (1, 2):
        quiet = runs[(n_threads, busy_counts[0])]
        out[f"{n_threads}_thread{'s' if n_threads > 1 else ''}"] = {
            f"busy_{b}": {k: {"rate": round(statistics.median(r[k] for r in runs[(n_threads, b)]), 1),
                              "of_quiet": round(statistics.median(r[k] / q[k] for r, q in zip(runs[(n_threads, b)], quiet)), 2)}
                          for k in quiet[0]}
            for b in busy_counts}
    return out


def load(url: str, task: str, jobs: list[tuple], clients: int, seconds: float) -> dict:
    """``clients`` clients cycling through ``jobs`` of one task for ``seconds``: throughput and
    latency, every answer checked against the same request answered alone first."""
    client = _client(url)
    refs = {args: _call(client, task, args) for args in jobs}
    lat: list[float] = []
    errors = mixups = 0
    lock = threading.Lock()
    started = time.perf_counter()

    def client_loop(k: int):
        nonlocal errors, mixups
        c, i = _client(url), k
        while time.perf_counter() - started < seconds:
            args = jobs[i % len(jobs)]
            i += 1
            t0 = time.perf_counter()
            result = _call(c, task, args)
            with lock:
                lat.append(time.perf_counter() - t0)
                errors += "error" in result
                mixups += "error" not in result and not same(result, refs[args])

    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        list(pool.map(client_loop, range(clients)))
    elapsed = time.perf_counter() - started
    return {"requests": len(lat), "per_s": round(len(lat) / elapsed, 2), "p50_s": round(_pct(lat, 50), 3),
            "p99_s": round(_pct(lat, 99), 3), "errors": errors, "mixups": mixups,
            "reference_errors": sum("error" in r for r in refs.values())}


def replicas(task: str = "translation", clients: int = 8, seconds: float = 60, counts=(1, 2)) -> dict:
    """The plain app, then ``zoo serve-ray`` with each count of replicas of ``task`` (1 CPU each)."""
    from .plugins import registry
    from .task import default_of

    checkpoint = default_of(registry().checkpoints.get(task, [])).id
    jobs = [(*args[:-1], checkpoint) for args in _requests()[task]]
    env = {"ZOO_DEVICE": os.environ.get("ZOO_DEVICE", "cpu")}
    out = {"task": task, "checkpoint": checkpoint, "clients": clients, "seconds": seconds}
    with app_process(env) as (url, _):
        out["plain app"] = load(url, task, jobs, clients, seconds)
    for n in counts:
        command = ["-m", "zoo", "serve-ray", "--replicas", f"{task}={n}", "--cpus", "1"]
        with app_process(env, timeout=600, command=command) as (url, _):
            out[f"{n} replica(s)"] = load(url, task, jobs, clients, seconds)
        subprocess.run([sys.executable, "-m", "ray.scripts.scripts", "stop", "--force"], capture_output=True)
    base = out["plain app"]["per_s"]
    out["throughput_vs_plain_app"] = {k: round(v["per_s"] / base, 2) for k, v in out.items()
                                      if isinstance(v, dict) and "per_s" in v}
    return out


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scenario", action="append", choices=SCENARIOS,
                   help="run only these (repeatable); default: all")
    p.add_argument("--clients", type=int, default=8, help="clients in the mixed scenario")
    p.add_argument("--seconds", type=float, default=90, help="length of the mixed scenario")
    p.add_argument("--busy", type=int, default=0, help="busy processes beside the app during the mixed scenario")
    p.add_argument("--stream-client", choices=("gradio", "http"), default="gradio",
                   help="how the streams scenario's clients call the app")
    p.add_argument("--stream-chars", type=int, default=3000, help="characters per stream in the streams scenario")
    p.add_argument("--replicas-task", default="translation", help="the task the replicas scenario loads")


def run(args: argparse.Namespace) -> dict:
    chosen = args.scenario or [s for s in SCENARIOS if s != "replicas"]
    out = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
           "date": datetime.date.today().isoformat()}
    needs_app = [s for s in chosen if s not in ("threads", "engine", "replicas")]
    if needs_app:
        with app_process({"ZOO_DEVICE": os.environ.get("ZOO_DEVICE", "cpu")}) as (url, proc):
            for name in needs_app:
                t0 = time.perf_counter()
                if name == "mixed":
                    with busy(args.busy):
                        out["mixed"] = {**mixed(url, proc.pid, args.clients, args.seconds), "busy_processes": args.busy}
                elif name == "streams":
                    out[name] = streams(url, proc.pid, chars=args.stream_chars, client=args.stream_client)
                elif name == "huge":
                    out[name] = huge(url, proc.pid)
                else:
                    out[name] = {"poison": poison, "stall": stall}[name](url)
                print(f"{name}: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    if "engine" in chosen:
        out["engine"] = engine()
    if "threads" in chosen:
        out["threads"] = threads()
    if "replicas" in chosen:
        out["replicas"] = replicas(args.replicas_task, args.clients, min(args.seconds, 60))
    return out
