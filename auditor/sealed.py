"""Encrypted files at rest: a readable header, then an AES-GCM sealed payload.

The header names the kind of file, its format version and the fingerprint of the
key it was sealed under, so a wrong key is reported as such (not as "corrupt"),
and `roster info` can show counts without decrypting. The header is bound to
the ciphertext as associated data, so it cannot be edited unnoticed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import AuditorError, WrongKeyError
from .fileio import read_input, write_private
from .keys import SubKeys

MAGIC = b"CONNECTION-AUDITOR-SEALED "
_NONCE = 12


@dataclass(frozen=True, slots=True)
class Sealed:
    header: dict[str, Any]
    payload: bytes


def seal(path: Path, kind: str, version: int, keys: SubKeys, payload: bytes,
         extra: dict[str, Any] | None = None) -> None:
    """Encrypt `payload` under the file key and write it 0600, atomically."""
    header = {"kind": kind, "version": version, "key_fingerprint": keys.fingerprint, **(extra or {})}
    head = MAGIC + json.dumps(header, sort_keys=True).encode() + b"\n"
    nonce = os.urandom(_NONCE)
    body = AESGCM(keys.files).encrypt(nonce, payload, head)
    write_private(Path(path), head + nonce + body)


def read_header(path: Path, kind: str) -> tuple[dict[str, Any], bytes, bytes]:
    """(header, header bytes, sealed rest) after checking it is the right kind of file."""
    path = Path(path)
    raw = read_input(path)
    end = raw.find(b"\n")
    if not raw.startswith(MAGIC) or end < 0:
        raise AuditorError(f"{path}: not a connection-auditor {kind} file")
    try:
        header = json.loads(raw[len(MAGIC):end])
    except ValueError:
        raise AuditorError(f"{path}: the file header is damaged") from None
    if not isinstance(header, dict) or header.get("kind") != kind:
        found = header.get("kind") if isinstance(header, dict) else "?"
        raise AuditorError(f"{path}: this is a {found} file, not a {kind} file")
    return header, raw[:end + 1], raw[end + 1:]


def unseal(path: Path, kind: str, versions: tuple[int, ...], keys: SubKeys) -> Sealed:
    """Check kind, version and key fingerprint, then decrypt and authenticate."""
    header, head, rest = read_header(path, kind)
    if header.get("version") not in versions:
        raise AuditorError(
            f"{path}: {kind} format version {header.get('version')} is not supported by this "
            f"version of the tool (supported: {', '.join(map(str, versions))})")
    if header.get("key_fingerprint") != keys.fingerprint:
        raise WrongKeyError(
            f"{path}: written under another practice key (file key {header.get('key_fingerprint')}, "
            f"your key {keys.fingerprint}); use that practice's key (auditor key import)")
    try:
        payload = AESGCM(keys.files).decrypt(rest[:_NONCE], rest[_NONCE:], head)
    except (InvalidTag, ValueError):
        raise AuditorError(f"{path}: the file is damaged or was altered (authentication failed)") from None
    return Sealed(header=header, payload=payload)
