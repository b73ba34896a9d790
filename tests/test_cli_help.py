"""Every command explains itself: --help exits 0 and opens with a one-sentence summary."""

from __future__ import annotations

import re

import click
import keyring
import keyring.backends.fail
import pytest

from auditor.cli import cli

# The commands users are told about; the walk below also covers any added later.
EXPECTED = [
    (), ("key",), ("key", "init"), ("key", "status"), ("key", "export"), ("key", "import"),
    ("roster",), ("roster", "encode"), ("roster", "resolve"), ("roster", "info"),
    ("audit",), ("demo",),
]


def all_command_paths(group: click.Group = cli, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [prefix]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            paths += all_command_paths(command, prefix + (name,))
        else:
            paths.append(prefix + (name,))
    return paths


def summary(help_text: str) -> str:
    """The first paragraph after the Usage line, unwrapped."""
    lines = help_text.splitlines()
    assert lines[0].startswith("Usage: "), help_text
    paragraph: list[str] = []
    for line in lines[1:]:
        if line.strip():
            paragraph.append(line.strip())
        elif paragraph:
            break
    return " ".join(paragraph)


def test_expected_commands_exist():
    known = set(all_command_paths())
    missing = [" ".join(p) for p in EXPECTED if p not in known]
    assert not missing




def _summary_params():
    paths = EXPECTED + [p for p in all_command_paths() if p not in EXPECTED]
    return [pytest.param(p, id=" ".join(p) or "auditor") for p in paths]


@pytest.mark.parametrize("path", _summary_params())
def test_help_has_one_sentence_summary(runner, path):
    result = runner.invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert result.exception is None
    text = summary(result.stdout)
    assert text, f"no summary line for {' '.join(path) or 'auditor'}"
    assert text[0].isupper(), text
    assert text.endswith("."), text
    # exactly one sentence: no sentence break inside it
    assert not re.search(r"[.!?]\s+[A-Z]", text), text
    assert len(text) <= 160, text


@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: " ".join(p) or "auditor")
def test_short_h_is_help_too(runner, path):
    long = runner.invoke(cli, [*path, "--help"])
    short = runner.invoke(cli, [*path, "-h"])
    assert short.exit_code == 0 and short.stdout == long.stdout


@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: " ".join(p) or "auditor")
def test_help_needs_no_key_and_no_keyring(runner, path):
    keyring.set_keyring(keyring.backends.fail.Keyring())   # conftest restores afterwards
    result = runner.invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


def test_top_level_help_lists_every_command(runner):
    result = runner.invoke(cli, ["--help"])
    commands = result.stdout.split("Commands:", 1)[1]
    for name in ("audit", "demo", "key", "roster"):
        assert re.search(rf"^\s+{name}\s+\S", commands, re.MULTILINE), name
    # and says where the key comes from
    flat = " ".join(result.stdout.split())
    assert "AUDITOR_KEY" in flat and "--key-file" in flat and "keyring" in flat


def test_version(runner):
    from auditor import __version__

    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.stdout


def test_unknown_command_is_an_error_without_traceback(runner):
    result = runner.invoke(cli, ["frobnicate"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "frobnicate" in result.stderr
