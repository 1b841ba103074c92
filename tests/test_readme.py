"""The README documents every command, option and setting, and the set-up commands."""

from __future__ import annotations

import argparse

import pytest
from conftest import ROOT

from web.cli import build_parser  # the whole command: the library's plus serve

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("command", sorted(_commands()))
def test_every_command_is_documented(command):
    assert f"`xunwen {command}" in README


@pytest.mark.parametrize(
    "command, option",
    [
        (name, option)
        for name, sub in sorted(_commands().items())
        for action in sub._actions
        for option in action.option_strings
        if option.startswith("--") and option != "--help"
    ],
)
def test_every_option_is_documented(command, option):
    assert f"`{option}" in README, f"xunwen {command} {option} is not in the README"


def test_readme_opens_with_the_two_setup_commands_and_ci_runs_the_second():
    head = README[:600]
    assert "python3 run.py serve" in head and "python3 run.py test" in head
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert [line for line in ci.splitlines() if line and not line.startswith("#")][
        -1
    ] == "python3 run.py test"
