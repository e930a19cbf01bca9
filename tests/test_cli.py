"""The command line: version, help on every command, exit codes documented."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from kg import __version__
from kg.cli import COMMANDS


def test_version(run_kg):
    result = run_kg("--version")
    assert result.code == 0
    assert __version__ in result.stdout


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_help_on_every_command(run_kg, command):
    result = run_kg(command, "--help")
    assert result.code == 0, result
    assert result.stdout.startswith(f"Usage: kg {command}")
    # Two or three examples, each a kg command line.
    examples = (
        result.stdout.split("Examples:", 1)[1].splitlines() if "Examples:" in result.stdout else []
    )
    runs = [line for line in examples if line.strip().startswith(("kg ", "echo "))]
    assert len(runs) >= 2, f"kg {command} --help needs examples"


def test_every_summary_fits_the_command_list(run_kg):
    # `kg --help` shows each command's first sentence; click cuts it with "..." when too long.
    result = run_kg("--help")
    listing = result.stdout.split("Commands:", 1)[1].split("Exit codes:", 1)[0]
    rows = [line.split(None, 1) for line in listing.splitlines() if line.strip()]
    assert sorted(name for name, _ in rows) == sorted(COMMANDS)
    for name, summary in rows:
        assert not summary.endswith("..."), f"kg {name}: summary cut: {summary!r}"


def test_open_without_a_browser_says_where_the_page_is(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["BROWSER"] = "false"  # a browser command that fails, as on a machine without one
    page = tmp_path / "view.html"
    result = subprocess.run(
        [sys.executable, "-m", "kg", "viz", "-o", str(page), "--open"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert page.is_file()
    assert f"no browser could be started; open {page.resolve()} yourself" in result.stderr


def test_top_level_help_lists_commands_and_exit_codes(run_kg):
    result = run_kg("--help")
    assert result.code == 0
    for command in COMMANDS:
        assert command in result.stdout
    assert "Exit codes:" in result.stdout


def test_unknown_command_is_a_usage_error(run_kg):
    result = run_kg("no-such-command")
    assert result.code == 2
    assert "No such command" in result.stderr
