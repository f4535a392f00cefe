"""A pytest plugin for plugin authors (and the zoo's own suite). In a ``conftest.py``::

    pytest_plugins = ["zoo.testing.pytest_plugin"]

then any test that takes ``zoo_check`` runs once per conformance check::

    def test_conformance(zoo_check, tmp_path):
        task = MyTask()
        zoo_check(task, zoo.pipeline(task, checkpoint="path/to/checkpoint"), tmp_path)

It also keeps tests off the network: telemetry off, and the Hub endpoint a closed local port
unless the test session sets ``HF_ENDPOINT`` itself (e.g. to ``zoo.testing.hub_server``).
"""
from __future__ import annotations

import os

from .conformance import CHECKS


def pytest_configure(config) -> None:
    os.environ.setdefault("HF_ENDPOINT", "http://127.0.0.1:9")  # closed port: a stray Hub call fails at once


def pytest_generate_tests(metafunc) -> None:
    if "zoo_check" in metafunc.fixturenames:
        metafunc.parametrize("zoo_check", CHECKS, ids=[c.__name__.removeprefix("check_") for c in CHECKS])
