"""Assertions shared by the CLI tests."""

from __future__ import annotations

from auditor.cli import cli


def run(runner, *args):
    """Invoke the `auditor` CLI in-process with string arguments."""
    return runner.invoke(cli, [str(a) for a in args])


def assert_ok(result) -> None:
    assert result.exit_code == 0, (result.exit_code, result.output, result.exception)


def assert_one_line_error(result) -> str:
    """Non-zero exit, a single 'auditor: error: ...' line on stderr, no traceback; returns it."""
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("auditor: error: "), lines[0]
    return lines[0]
