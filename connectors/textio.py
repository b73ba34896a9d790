"""Decoding export files into text, JSON and CSV rows, with errors users can act on.

Every failure becomes a ConnectorError naming the file and, where there is one,
the line, so the CLI can print one line instead of a traceback.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from typing import Any, Iterator

from .interface import ConnectorError, InputFile

_MAX_CSV_FIELD = 1 << 20  # 1 MiB: larger fields are a broken file, not a name


def decode_text(item: InputFile, data: bytes | None = None) -> str:
    """Bytes to str: UTF-8 (BOM optional) or UTF-16 with a BOM; anything else is an error."""
    raw = item.read_bytes() if data is None else data
    if not raw.strip():
        raise ConnectorError(item.name, "the file is empty")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ConnectorError(item.name, f"broken UTF-16 text ({exc.reason})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ConnectorError(
            item.name,
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); re-save the file as UTF-8",
            line,
        ) from None


def load_json(item: InputFile, text: str | None = None) -> Any:
    """Parse JSON, turning a truncated or malformed file into a located error."""
    body = decode_text(item) if text is None else text
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        # A cut inside a \uXXXX escape shows as a bad escape within a few characters of the end.
        if exc.pos >= len(body.rstrip()) - 6 or "Unterminated" in exc.msg:
            why = "the JSON ends early (was the file cut short while copying or unzipping?)"
        else:
            why = f"not valid JSON ({exc.msg}, column {exc.colno})"
        raise ConnectorError(item.name, why, exc.lineno) from None
    except RecursionError:
        raise ConnectorError(item.name, "JSON nested too deeply") from None
    except ValueError:      # an integer longer than Python's 4300-digit conversion limit
        raise ConnectorError(item.name, "not valid JSON (a number too long to read)") from None


def fix_meta_mojibake(value: str) -> str:
    """Undo Meta's per-byte escaping of UTF-8 ("ChloÃ©" -> "Chloé").

    Meta exports write each UTF-8 byte as its own \\u00XX escape. A string that
    holds a code point above U+00FF, or that is not valid UTF-8 once re-encoded,
    was not mangled and is returned unchanged.
    """
    if value.isascii():
        return value
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def csv_rows(item: InputFile, text: str | None = None) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) for each non-blank CSV record; quoted newlines handled."""
    body = decode_text(item) if text is None else text
    csv.field_size_limit(_MAX_CSV_FIELD)
    reader = csv.reader(io.StringIO(body, newline=""))
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ConnectorError(item.name, f"broken CSV ({exc})", reader.line_num) from None
        if any(cell.strip() for cell in row):
            yield start, row


def header_key(name: str) -> str:
    """A header cell reduced for lookup: 'E-mail Address ' -> 'emailaddress'."""
    return "".join(ch for ch in name.casefold() if ch.isalnum())
