"""The command line: version, help on every command, exit codes documented."""

from __future__ import annotations

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
