"""docs/plugins.md is checked against the code it documents."""
import re
import subprocess
import sys

from helpers import ROOT

from zoo import docs, hookspecs


def test_the_hook_reference_and_task_contract_are_current():
    out = subprocess.run([sys.executable, "-m", "zoo.docs", "--check"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    text = docs.GUIDE.read_text()
    for name in ("register_tasks", "register_checkpoints"):
        assert f"### `{name}(register)`" in text and hasattr(hookspecs, name)


def test_a_stale_guide_is_caught():
    stale = docs.GUIDE.read_text().replace("register_tasks(register)", "register_task(register)")
    assert docs.render(stale) != stale


def test_every_cli_command_the_guide_names_exists():
    from zoo.cli import build_parser

    commands = set(build_parser()._subparsers._group_actions[0].choices)
    named = set(re.findall(r"python -m zoo (?:-v )?([a-z][a-z-]*)", docs.GUIDE.read_text()))
    assert named and named <= commands, named - commands
