"""Cold start of ``python app.py``: seconds until the server answers, and the first request of
each task (which loads its model: models load on first use), beside the bare cost of importing
gradio and torch in a fresh interpreter, measured in the same run."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure(example_requests: dict[str, tuple]) -> dict:
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_DISABLE_TELEMETRY": "1"}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import gradio, torch"], check=True, env=env)
    imports = time.perf_counter() - started

    port = _free_port()
    env["GRADIO_SERVER_PORT"] = str(port)
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/"
        while True:
            try:
                urllib.request.urlopen(url, timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None or time.perf_counter() - started > 120:
                    raise RuntimeError("app.py did not start within 120 s")
                time.sleep(0.05)
        ready = time.perf_counter() - started
        from gradio_client import Client

        client = Client(url, verbose=False)
        first = {}
        for task, args in example_requests.items():
            t0 = time.perf_counter()
            client.predict(*args, api_name=f"/{task}")
            first[task] = round(time.perf_counter() - t0, 3)
            t0 = time.perf_counter()
            client.predict(*args, api_name=f"/{task}")
            first[f"{task} (second request)"] = round(time.perf_counter() - t0, 3)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return {"import_gradio_and_torch_s": round(imports, 3), "app_ready_s": round(ready, 3),
            "ready_over_imports": round(ready / imports, 2), "first_request_s": first}
