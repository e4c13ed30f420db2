"""CI (.ci/run) runs the README's two commands verbatim, in a fresh venv, and
ruff. Reads files only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.book

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    """The commands of README's "Set up and test" block, without comments."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Set up and test", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [
        line.split("  #", 1)[0].strip()
        for line in block.splitlines()
        if line.strip()
    ]


def test_ci_runs_the_readme_commands_verbatim_in_a_fresh_venv():
    """Bug caught: CI installed into the machine's Python, whose hand-installed
    packages hid a test that fails for a newcomer in a venv."""
    commands = readme_commands()
    assert len(commands) == 2, commands
    lines = [
        line.strip()
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
    ]
    assert (
        'python3 -m venv "$venv"' in lines
        and 'source "$venv/bin/activate"' in lines
    )
    activated = lines.index('source "$venv/bin/activate"')
    for command in commands:
        assert command in lines, (
            f".ci/run does not run the README's command {command!r} verbatim"
        )
        assert lines.index(command) > activated, (
            f"{command!r} runs before the venv is active"
        )
    for check in ("ruff check .", "ruff format --check ."):
        assert check in lines[activated:], f".ci/run does not run {check!r}"
