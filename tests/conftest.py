"""Shared fixtures. No test reaches the internet: the Hub endpoint defaults to a closed local port,
and tests that use the Hub start a local Hub-compatible server and point HF_ENDPOINT at it."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ["HF_HUB_DISABLE_XET"] = "1"
os.environ.setdefault("HF_ENDPOINT", "http://127.0.0.1:9")  # closed port: any stray Hub call fails at once
os.environ["HF_HOME"] = tempfile.mkdtemp(prefix="zoo-test-hf-")  # never the user's cache
os.environ.pop("ZOO_PLUGINS", None)
os.environ.pop("ZOO_PLUGINS_DIR", None)
os.environ.pop("ZOO_WEIGHTS", None)
os.environ.setdefault("ZOO_DEVICE", "cpu")

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import zoo  # noqa: E402

pytest_plugins = ["zoo.testing.pytest_plugin"]  # the zoo_check parameter, as plugin authors use it
from zoo.plugins import manager  # noqa: E402


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


def run_cli(*args, input=None, env=None, timeout=300):
    """Run ``python -m zoo ARGS`` in a fresh process, as a user would."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "zoo", *args], cwd=ROOT, input=input, capture_output=True,
                          text=True, env=full_env, timeout=timeout)


@pytest.fixture(autouse=True)
def _fresh_registry():
    yield
    manager.reset()


@pytest.fixture(scope="session")
def sentiment():
    return zoo.pipeline("sentiment", device="cpu")


@pytest.fixture(scope="session")
def bundled_repos():
    """{repo_id: (bundled folder, pinned revision)} for every registered checkpoint with a bundle."""
    reg = zoo.registry()
    return {c.repo_id: (c.bundled, c.revision) for ckpts in reg.checkpoints.values() for c in ckpts if c.bundled}


@pytest.fixture
def hub(bundled_repos, tmp_path, monkeypatch):
    """A local Hub-compatible server with every bundled repo, and an empty HF cache."""
    from zoo.testing.hub_server import HubServer

    with HubServer(bundled_repos) as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
        monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
        yield server


@pytest.fixture(scope="session")
def app_url():
    """The full app, launched in this process on a free port."""
    from zoo.app import build_app, launch_options

    demo = build_app()
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, ssr_mode=False, quiet=True,
                **launch_options())
    yield f"http://127.0.0.1:{port}/"
    demo.close()


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
