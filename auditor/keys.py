"""The practice secret: where it lives, and the purpose keys derived from it.

One 256-bit secret per practice, kept in the OS keyring. Each use gets its own
HKDF sub-key so that, say, the pseudonyms a compliance officer sees cannot be
used to test guesses against the roster tokens.
"""

from __future__ import annotations

import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import keyring
import keyring.errors
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import AuditorError, KeyUnavailableError
from .fileio import write_private

SERVICE = "connection-auditor"
ENV_KEY = "AUDITOR_KEY"
DEFAULT_PRACTICE = "default"
SECRET_BYTES = 32
_SALT = b"connection-auditor/v1"

NO_BACKEND_HELP = (
    "no OS keyring is available on this machine; set AUDITOR_KEY to the 64-hex-character "
    "practice key, pass --key-file PATH (a file only you can read), or install a keyring "
    "backend (e.g. Secret Service or keyrings.alt)"
)


def derive(secret: bytes, purpose: str, length: int = 32) -> bytes:
    """An independent key for one purpose (HKDF-SHA256)."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=_SALT,
                info=purpose.encode()).derive(secret)


@dataclass(frozen=True, slots=True)
class SubKeys:
    """The purpose keys the rest of the tool uses; never the secret itself."""

    tokens: bytes       # HMAC of exact identifiers and name tokens
    bloom: bytes        # Bloom-filter bit positions
    files: bytes        # AEAD key for encrypted files
    pseudonyms: bytes   # client_ref, clinician refs, finding ids
    fingerprint: str    # shows which key a file was written under; reveals nothing
    history: bytes = b""   # AEAD key for the history store's sensitive columns
    log: bytes = b""       # HMAC key of the hash-chained audit log and row seals


@dataclass(frozen=True, slots=True)
class PracticeKey:
    """The practice secret and where it came from (for `key status`)."""

    secret: bytes
    origin: str

    def subkeys(self) -> SubKeys:
        fp = derive(self.secret, "fingerprint", 8).hex()
        return SubKeys(
            tokens=derive(self.secret, "tokens"),
            bloom=derive(self.secret, "bloom"),
            files=derive(self.secret, "file-encryption"),
            pseudonyms=derive(self.secret, "pseudonyms"),
            fingerprint="-".join(fp[i:i + 4] for i in range(0, 16, 4)),
            history=derive(self.secret, "history-store"),
            log=derive(self.secret, "audit-log"),
        )

    def hex(self) -> str:
        return self.secret.hex()


def new_secret() -> bytes:
    return secrets.token_bytes(SECRET_BYTES)


def parse_secret(text: str, where: str) -> bytes:
    """64 hex characters (spaces, dashes and '#' comment lines allowed) -> 32 bytes."""
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    digits = "".join("".join(lines).split()).replace("-", "").replace(":", "")
    try:
        secret = bytes.fromhex(digits)
    except ValueError:
        secret = b""
    if len(secret) != SECRET_BYTES:
        raise KeyUnavailableError(f"{where}: not a practice key (expected 64 hex characters)")
    return secret


def read_key_file(path: Path) -> bytes:
    """Read a key file, refusing one that group or others can read."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise KeyUnavailableError(f"{path}: no such key file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyUnavailableError(f"{path}: cannot read the key file ({exc})") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyUnavailableError(
            f"{path}: key file is readable by group or others (mode {stat.S_IMODE(mode):04o}); "
            f"run: chmod 600 {path}")
    return parse_secret(text, str(path))


def key_file_text(key: PracticeKey, practice: str) -> str:
    return (
        "# connection-auditor practice key. Anyone holding this file can test guesses\n"
        "# against your encoded roster. Keep it 0600 and move it only between the\n"
        f"# machines of one practice. practice={practice} fingerprint={key.subkeys().fingerprint}\n"
        f"{key.hex()}\n"
    )


def write_key_file(path: Path, key: PracticeKey, practice: str) -> None:
    write_private(Path(path), key_file_text(key, practice).encode("ascii"))


class KeyStore:
    """The practice secret in the OS keyring (service fixed, account = practice)."""

    def __init__(self, backend: keyring.backend.KeyringBackend | None = None):
        self._backend = backend

    def _ring(self) -> keyring.backend.KeyringBackend:
        return self._backend if self._backend is not None else keyring.get_keyring()

    def describe(self) -> str:
        ring = self._ring()
        return f"{type(ring).__module__}.{type(ring).__name__}"

    def get(self, practice: str) -> bytes | None:
        try:
            value = self._ring().get_password(SERVICE, practice)
        except (keyring.errors.KeyringError, RuntimeError) as exc:
            raise KeyUnavailableError(_backend_message(exc)) from None
        if value is None:
            return None
        return parse_secret(value, f"keyring entry {SERVICE}/{practice}")

    def set(self, practice: str, secret: bytes, force: bool = False) -> None:
        if not force and self.get(practice) is not None:
            raise AuditorError(
                f"a practice key for '{practice}' already exists in the keyring; "
                "replacing it makes every roster encoded with it unreadable (use --force)")
        try:
            self._ring().set_password(SERVICE, practice, secret.hex())
        except (keyring.errors.KeyringError, RuntimeError) as exc:
            raise KeyUnavailableError(_backend_message(exc)) from None


def _backend_message(exc: Exception) -> str:
    if isinstance(exc, keyring.errors.NoKeyringError) or "No recommended backend" in str(exc):
        return NO_BACKEND_HELP
    return f"the OS keyring refused ({exc}); alternatively {NO_BACKEND_HELP.split('; ', 1)[1]}"


def resolve_key(practice: str = DEFAULT_PRACTICE, key_file: Path | None = None,
                env: Mapping[str, str] | None = None, store: KeyStore | None = None) -> PracticeKey:
    """Find the practice key: --key-file, then AUDITOR_KEY, then the OS keyring."""
    env = os.environ if env is None else env
    if key_file is not None:
        return PracticeKey(read_key_file(key_file), f"key file {key_file}")
    if env.get(ENV_KEY):
        return PracticeKey(parse_secret(env[ENV_KEY], ENV_KEY), f"{ENV_KEY} environment variable")
    store = store or KeyStore()
    secret = store.get(practice)
    if secret is None:
        raise KeyUnavailableError(
            f"no practice key '{practice}' in the OS keyring; create one with "
            "'auditor key init', import one with 'auditor key import FILE', or set AUDITOR_KEY")
    return PracticeKey(secret, f"OS keyring ({store.describe()}, service {SERVICE}, account {practice})")
