"""``python -m zoo bench sentiment``: speed, each figure beside its baseline from the same run.

In process: p50 latency of one sentence, and sentences per second for a batch (vs the same
sentences one by one). Through the app's HTTP API (gradio_client, 16 concurrent clients): the
same app built with dynamic batching on and off, both served from this process.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import platform
import statistics
import time

import torch

import zoo

from . import data


def _p50_ms(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 3)


def in_process(pipe, texts: list[str], repeats: int) -> dict:
    pipe(texts[0])  # warm-up
    p50 = _p50_ms(lambda: pipe(texts[0]), repeats)
    started = time.perf_counter()
    for t in texts:
        pipe(t)
    one_by_one = len(texts) / (time.perf_counter() - started)
    started = time.perf_counter()
    pipe.batch(texts)
    batched = len(texts) / (time.perf_counter() - started)
    return {"single_p50_ms": p50, "one_by_one_sentences_per_s": round(one_by_one, 1),
            "batched_sentences_per_s": round(batched, 1), "batched_speedup": round(batched / one_by_one, 2)}


def through_api(texts: list[str], clients: int, max_batch_size: int) -> dict:
    """Serve ``python app.py`` in its own process (as deployed) and call ``/sentiment`` through
    Gradio's HTTP API (POST /gradio_api/call/sentiment, then read the event stream) from
    ``clients`` threads here, each waiting for its answer before the next request. Raw HTTP, not
    gradio_client: the client library adds about 140 ms of its own per call here (see
    ``gradio_client_p50_ms``), which would measure the client instead of the server."""
    import httpx
    from gradio_client import Client

    from zoo.coldstart import start_app

    with start_app({"ZOO_MAX_BATCH_SIZE": str(max_batch_size)}) as url:
        client = Client(url, verbose=False)
        client.predict(texts[0], api_name="/sentiment")  # load the model before timing
        gradio_client_p50 = _p50_ms(lambda: client.predict(texts[0], api_name="/sentiment"), 10)
        latencies: list[float] = []

        def call(http: httpx.Client, text: str) -> dict:
            event = http.post(f"{url}gradio_api/call/sentiment", json={"data": [text, "rt-bilstm-minilm"]})
            stream = http.get(f"{url}gradio_api/call/sentiment/{event.json()['event_id']}").text
            if "event: complete" not in stream:
                raise RuntimeError(f"request failed: {stream[:300]}")
            return json.loads(stream.split("data: ", 1)[1])[2]

        def worker(k: int) -> None:
            with httpx.Client(timeout=60) as http:
                for text in texts[k::clients]:
                    started = time.perf_counter()
                    call(http, text)
                    latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(clients) as pool:
            list(pool.map(worker, range(clients)))
        elapsed = time.perf_counter() - started
    return {"requests": len(texts), "requests_per_s": round(len(texts) / elapsed, 1),
            "p50_ms": round(statistics.median(latencies) * 1000, 1), "gradio_client_p50_ms": gradio_client_p50}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.description = __doc__
    p.add_argument("--n", type=int, default=512, help="sentences for the throughput figures")
    p.add_argument("--api-requests", type=int, default=480)
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--repeats", type=int, default=200)
    p.add_argument("--device", default="cpu")


def run(args) -> dict:
    texts = [ex.text for ex in data.load_splits()["test"]][: args.n]
    pipe = zoo.pipeline("sentiment", device=args.device)
    api_texts = (texts * (args.api_requests // len(texts) + 1))[: args.api_requests]
    batching_on = through_api(api_texts, args.clients, max_batch_size=32)
    batching_off = through_api(api_texts, args.clients, max_batch_size=1)
    return {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}, "
                   f"{torch.get_num_threads()} threads, device {pipe.device}",
        "date": time.strftime("%Y-%m-%d"),
        "in_process": in_process(pipe, texts, args.repeats),
        "api_16_clients": {
            "batching_on": batching_on, "batching_off": batching_off,
            "throughput_ratio_on_vs_off": round(batching_on["requests_per_s"] / batching_off["requests_per_s"], 2),
        },
    }
