"""API tokens (Mastodon, Mailchimp, X) in the OS keyring, next to the practice key.

A token grants access to the therapist's accounts, so it is never written to a
file, a cache or the screen. It lives in the OS keyring under its own service
name (account = platform); an `AUDITOR_TOKEN_<PLATFORM>` environment variable
serves machines without a keyring, as AUDITOR_KEY does for the practice key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import keyring
import keyring.backend
import keyring.errors

from .errors import AuditorError, KeyUnavailableError
from .keys import NO_BACKEND_HELP, _backend_message

TOKEN_SERVICE = "connection-auditor-tokens"
# Platforms whose API takes a token (Bluesky's public AppView needs none).
TOKEN_PLATFORMS = ("mastodon", "mailchimp", "x")
_KEYRING_ERRORS = (keyring.errors.KeyringError, RuntimeError)


def token_env_name(platform: str) -> str:
    return f"AUDITOR_TOKEN_{platform.upper()}"


def _unavailable(exc: Exception, platform: str) -> KeyUnavailableError:
    """The keys.py message, retold for tokens (AUDITOR_KEY would be the wrong advice)."""
    message = _backend_message(exc)
    if message == NO_BACKEND_HELP:
        return KeyUnavailableError(
            f"no OS keyring is available on this machine; set {token_env_name(platform)} for this run, "
            "or install a keyring backend (e.g. Secret Service or keyrings.alt)")
    return KeyUnavailableError(message.split("; alternatively", 1)[0]
                               + f"; alternatively set {token_env_name(platform)} for this run")


def check_platform(platform: str) -> str:
    if platform not in TOKEN_PLATFORMS:
        raise AuditorError(f"no API token is used for '{platform}' (choose from {', '.join(TOKEN_PLATFORMS)})")
    return platform


class TokenStore:
    """Tokens in the OS keyring: service TOKEN_SERVICE, account = platform."""

    def __init__(self, backend: keyring.backend.KeyringBackend | None = None):
        self._backend = backend

    def _ring(self) -> keyring.backend.KeyringBackend:
        return self._backend if self._backend is not None else keyring.get_keyring()

    def get(self, platform: str) -> str | None:
        try:
            return self._ring().get_password(TOKEN_SERVICE, check_platform(platform)) or None
        except _KEYRING_ERRORS as exc:
            raise _unavailable(exc, platform) from None

    def set(self, platform: str, token: str) -> None:
        token = token.strip()
        if not token or any(ch.isspace() for ch in token):
            raise AuditorError(f"that is not a {platform} token (empty, or has spaces inside)")
        try:
            self._ring().set_password(TOKEN_SERVICE, check_platform(platform), token)
        except _KEYRING_ERRORS as exc:
            raise _unavailable(exc, platform) from None

    def delete(self, platform: str) -> bool:
        """Remove the token; False when there was none."""
        if self.get(platform) is None:
            return False
        try:
            self._ring().delete_password(TOKEN_SERVICE, platform)
        except keyring.errors.PasswordDeleteError:
            return False
        except _KEYRING_ERRORS as exc:
            raise _unavailable(exc, platform) from None
        return True


def token_origin(platform: str, store: TokenStore | None = None,
                 env: Mapping[str, str] | None = None) -> str:
    """Where the token would come from ('' for none); never the token itself."""
    env = os.environ if env is None else env
    if env.get(token_env_name(platform), "").strip():
        return f"{token_env_name(platform)} environment variable"
    return "OS keyring" if (store or TokenStore()).get(platform) else ""


def resolve_token(platform: str, store: TokenStore | None = None, env: Mapping[str, str] | None = None,
                  required: bool = False) -> str | None:
    """The token from AUDITOR_TOKEN_<PLATFORM>, else the keyring; None (or an error when
    `required`) if there is none. A missing keyring only matters when the token is required."""
    env = os.environ if env is None else env
    value = env.get(token_env_name(platform), "").strip()
    if value:
        return value
    try:
        value = (store or TokenStore()).get(platform) or ""
    except KeyUnavailableError:
        if required:
            raise
        return None
    if not value and required:
        raise KeyUnavailableError(f"no {platform} API token stored: run 'auditor token set {platform}' "
                                  f"(or set {token_env_name(platform)})")
    return value or None
