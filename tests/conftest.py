"""Shared fixtures. No test reaches the internet: the Hub endpoint defaults to a closed local port,
and tests that use the Hub start a local Hub-compatible server and point HF_ENDPOINT at it."""
import os
import sys
import tempfile

os.environ["HF_HUB_DISABLE_XET"] = "1"
os.environ.setdefault("HF_ENDPOINT", "http://127.0.0.1:9")  # closed port: any stray Hub call fails at once
os.environ["HF_HOME"] = tempfile.mkdtemp(prefix="zoo-test-hf-")  # never the user's cache
os.environ.pop("ZOO_PLUGINS", None)
os.environ.pop("ZOO_PLUGINS_DIR", None)
os.environ.pop("ZOO_WEIGHTS", None)
os.environ.setdefault("ZOO_DEVICE", "cpu")

import pytest  # noqa: E402
from helpers import ROOT, free_port  # noqa: E402

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import zoo  # noqa: E402

pytest_plugins = ["zoo.testing.pytest_plugin"]  # the zoo_check parameter, as plugin authors use it
from zoo.plugins import manager  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_registry():
    yield
    manager.reset()


@pytest.fixture(scope="session")
def toy_checkpoints(tmp_path_factory):
    """Two checkpoints of the toy task (tests/toy.py), saved for real; ``toy-1`` is the default."""
    from toy import save_toy

    return [save_toy(tmp_path_factory.mktemp(f"toy-{seed}"), seed) for seed in (1, 2)]


@pytest.fixture
def toy(toy_checkpoints):
    """The toy task, registered for this test: framework tests need no real plugin."""
    from toy import ToyPlugin

    plugin = ToyPlugin(toy_checkpoints)
    with manager.registered(plugin, name="toy_plugin"):
        yield plugin.task


@pytest.fixture
def toy_hub(toy, tmp_path, monkeypatch):
    """A local Hub-compatible server holding the toy checkpoints, and an empty HF cache."""
    from zoo.testing.hub_server import HubServer

    with HubServer({c.repo_id: (c.bundled, c.revision) for c in toy.checkpoints}) as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
        monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
        yield server


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


