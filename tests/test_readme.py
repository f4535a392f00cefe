"""The README works as written: every shell and Python block runs, in order, in a fresh copy of
the repository (the files git would clone), as a new user pastes them.

What differs from a new user's machine, and why:
- pip may not download (``PIP_NO_INDEX``: tests make no outbound requests). The copy's ``.venv``
  is made beforehand and sees this test environment's packages through a ``.pth`` file, so
  ``pip install -r requirements.txt`` finds every pin already there, and ``pip install -e .`` and
  the example plugin's install resolve their dependencies (``lstm-zoo>=0.1`` included) offline.
- Every bash block runs in a fresh ``bash``; once a block has activated the venv, later blocks
  run with it active (one shell, as the README says).
- A block marked ``<!-- readme-test: serve -->`` starts the app: it runs in the background until
  http://127.0.0.1:7860 answers, and the blocks after it (``gradio_client``) talk to it.
- A block marked ``<!-- readme-test: skip: why -->`` is not run; the reason names the test or CI
  step that does the same.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest
from helpers import ROOT

pytestmark = pytest.mark.slow

README = ROOT / "README.md"
BLOCK = re.compile(r"(?:<!--\s*readme-test:\s*(?P<mark>[^\n]*?)\s*-->\s*\n)?^```(?P<lang>bash|python)\n(?P<code>.*?)^```",
                   re.S | re.M)
PORT = 7860


def blocks() -> list[dict]:
    return [dict(m.groupdict(), line=README.read_text()[: m.start()].count("\n") + 1)
            for m in BLOCK.finditer(README.read_text())]


def test_every_skipped_block_says_which_test_does_it_instead():
    marks = [b for b in blocks() if b["mark"]]
    assert {b["mark"].split(":")[0] for b in marks} <= {"skip", "serve"}
    for b in marks:
        if b["mark"].startswith("skip"):
            why = b["mark"].split(":", 1)[1]
            named = re.findall(r"tests/\w+\.py|\.ci/run", why)
            assert named and all((ROOT / n).exists() for n in named), (b["line"], why)


def _fresh_copy(dest: Path) -> Path:
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                           capture_output=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        if (ROOT / rel).is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, dest / rel)
    return dest


def _venv_on_this_environment(repo: Path) -> None:
    """A venv whose own site-packages adds this environment's: the README's installs find every
    dependency here. Its own setuptools (older than torch asks for) is removed, so this one's is used."""
    subprocess.run([_base_python(), "-m", "venv", str(repo / ".venv")], check=True)
    own = Path(sysconfig.get_paths(vars={"base": str(repo / ".venv"), "platbase": str(repo / ".venv")})["purelib"])
    for path in own.iterdir():
        if path.name.startswith(("setuptools", "_distutils_hack", "distutils-precedence", "pkg_resources")):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    (own / "zoo-test-environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")


def _base_python() -> str:
    return shutil.which("python3") or sys.executable


def _wait_for_app(server: subprocess.Popen, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the app exited with {server.returncode}: {server.stdout.read()[-3000:]}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/", timeout=2)
            return
        except OSError:
            time.sleep(1)
    raise AssertionError("the app did not answer on port 7860")


def _port_free() -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", PORT)) != 0


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="needs the git checkout to copy")
def test_every_block_runs_as_written_in_a_fresh_copy(tmp_path):
    assert _port_free(), f"port {PORT} is taken: the README's app needs it"
    repo = _fresh_copy(tmp_path / "lstm-zoo")
    _venv_on_this_environment(repo)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONPATH", "ZOO_PLUGINS", "GRADIO_SERVER"))}
    env |= {"PIP_NO_INDEX": "1", "PIP_NO_BUILD_ISOLATION": "0", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "HF_HUB_OFFLINE": "1", "PATH": os.environ["PATH"].replace(str(Path(sys.executable).parent) + os.pathsep, "")}
    activated, server, ran = False, None, 0
    try:
        for block in blocks():
            mark, code, where = block["mark"] or "", block["code"], f"README.md line {block['line']}"
            if mark.startswith("skip"):
                continue
            if block["lang"] == "python":
                args = [str(repo / ".venv" / "bin" / "python"), "-c", code]
            else:
                args = ["bash", "-e", "-c", (". .venv/bin/activate\n" if activated else "") + code]
                activated = activated or ". .venv/bin/activate" in code
            if mark == "serve":
                server = subprocess.Popen(args, cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                          text=True, start_new_session=True)
                _wait_for_app(server)
                continue
            out = subprocess.run(args, cwd=repo, env=env, capture_output=True, text=True, timeout=600)
            assert out.returncode == 0, f"{where} failed:\n{code}\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}"
            ran += 1
        assert activated and server is not None and ran >= len([b for b in blocks() if not b["mark"]])
        # Installed, the zoo imports from any folder, not only from the repository.
        elsewhere = subprocess.run([str(repo / ".venv" / "bin" / "python"), "-c", "import zoo; print(zoo.__file__)"],
                                   cwd=tmp_path, env=env, capture_output=True, text=True)
        assert elsewhere.returncode == 0 and elsewhere.stdout.startswith(str(repo)), elsewhere.stderr
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
