"""Serving ``python app.py`` in a child process, for benchmarks: its cold start (seconds until
it answers, then the first request of each task, which loads the model: models load on first
use), beside the bare cost of importing gradio and torch in a fresh interpreter, interleaved in
the same run so both see the same disk cache."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

from .paths import ROOT

# The part of this module that plugins use (docs/plugins.md, "The plugin API").
__all__ = ["app_process", "measure", "start_app"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def start_app(env: dict[str, str] | None = None, timeout: float = 120) -> Iterator[str]:
    """Run ``python app.py`` on a free port; yield its URL once it answers; stop it after."""
    with app_process(env, timeout) as (url, _):
        yield url


@contextlib.contextmanager
def app_process(env: dict[str, str] | None = None, timeout: float = 120,
                command: list[str] | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """``start_app``, yielding the URL and the process (to read its memory, or signal it);
    ``command``: what to run instead of ``app.py`` (e.g. ``-m zoo serve-ray ...``)."""
    port = _free_port()
    full_env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_DISABLE_TELEMETRY": "1",
                "GRADIO_SERVER_PORT": str(port), **(env or {})}
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, *(command or ["app.py"])], cwd=ROOT, env=full_env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        while True:
            try:
                urllib.request.urlopen(url, timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None or time.perf_counter() - started > timeout:
                    raise RuntimeError(f"app.py did not start within {timeout} s") from None
                time.sleep(0.05)
        yield url, proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def measure(example_requests: dict[str, tuple], repeats: int = 3) -> dict:
    from gradio_client import Client

    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_DISABLE_TELEMETRY": "1"}
    imports, ready, first = [], [], {}
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import gradio, torch"], check=True, env=env)
        imports.append(time.perf_counter() - started)
        started = time.perf_counter()
        with start_app() as url:
            ready.append(time.perf_counter() - started)
            client = Client(url, verbose=False)
            for task, args in example_requests.items():
                for label in (task, f"{task} (second request)"):
                    t0 = time.perf_counter()
                    client.predict(*args, api_name=f"/{task}")
                    first.setdefault(label, []).append(time.perf_counter() - t0)
    best = min
    return {"repeats": repeats, "import_gradio_and_torch_s": round(best(imports), 3),
            "app_ready_s": round(best(ready), 3), "ready_over_imports": round(best(ready) / best(imports), 2),
            "first_request_s": {k: round(best(v), 3) for k, v in first.items()}}
