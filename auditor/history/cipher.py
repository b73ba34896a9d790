"""Sealing the store's sensitive columns and authenticating its plain ones.

Each sealed value is bound (AES-GCM associated data) to its table, column and
row key, so a value copied into another row fails to open. Plain columns that
matter for the workflow (a finding's status) carry a keyed MAC, so an edit made
with sqlite3 instead of `auditor findings ...` is detected by `log verify`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..errors import AuditorError

_NONCE = 12


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True, slots=True)
class ColumnCipher:
    seal_key: bytes
    mac_key: bytes

    def seal(self, value: Any, where: str) -> bytes:
        nonce = os.urandom(_NONCE)
        return nonce + AESGCM(self.seal_key).encrypt(nonce, canonical(value), where.encode())

    def open(self, blob: bytes, where: str) -> Any:
        try:
            plain = AESGCM(self.seal_key).decrypt(bytes(blob[:_NONCE]), bytes(blob[_NONCE:]), where.encode())
        except (InvalidTag, ValueError, TypeError):
            raise AuditorError(f"history store: {where} is damaged or was altered (authentication failed)") from None
        return json.loads(plain)

    def mac(self, *parts: Any) -> str:
        return hmac.new(self.mac_key, canonical(list(parts)), hashlib.sha256).hexdigest()
