"""``python -m zoo bench sentiment``: speed, each figure beside its baseline from the same run.

In process: p50 latency of one sentence, and sentences per second for a batch (vs the same
sentences one by one). Through the app's HTTP API (gradio_client, 16 concurrent clients): the
same app built with dynamic batching on and off, both served from this process.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import os
import platform
import socket
import statistics
import time

import torch

import zoo

from . import data


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    from gradio_client import Client

    from zoo.app import build_app

    demo = build_app(max_batch_size=max_batch_size)
    port = _free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, ssr_mode=False, quiet=True)
    try:
        pool_clients = [Client(f"http://127.0.0.1:{port}/", verbose=False) for _ in range(clients)]
        pool_clients[0].predict(texts[0], api_name="/sentiment")  # load the model before timing
        latencies: list[float] = []

        def worker(k: int) -> None:
            for text in texts[k::clients]:
                started = time.perf_counter()
                pool_clients[k].predict(text, api_name="/sentiment")
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(clients) as pool:
            list(pool.map(worker, range(clients)))
        elapsed = time.perf_counter() - started
    finally:
        demo.close()
    return {"requests": len(texts), "requests_per_s": round(len(texts) / elapsed, 1),
            "p50_ms": round(statistics.median(latencies) * 1000, 1)}


def main(argv: list[str]) -> dict:
    p = argparse.ArgumentParser(prog="zoo bench sentiment", description=__doc__)
    p.add_argument("--n", type=int, default=512, help="sentences for the throughput figures")
    p.add_argument("--api-requests", type=int, default=320)
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--repeats", type=int, default=200)
    p.add_argument("--device", default="cpu")
    args = p.parse_args(argv)
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
