"""Shared fixtures: an in-memory keyring (never the developer's real one), keys, sample paths."""

from __future__ import annotations

import os
from pathlib import Path

import keyring
import keyring.backend
import pytest
from click.testing import CliRunner

from auditor.keys import PracticeKey

FIXED_SECRET = bytes(range(32))


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that lives in a dict for the length of one test."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@pytest.fixture(scope="session", autouse=True)
def private_data_home(tmp_path_factory: pytest.TempPathFactory):
    """Module- and session-scoped fixtures run before the per-test one below: give them a
    throwaway data folder too, so no test ever writes a history store into the developer's own."""
    saved = {name: os.environ.get(name) for name in ("XDG_DATA_HOME", "AUDITOR_STORE")}
    os.environ["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("session-data-home"))
    os.environ.pop("AUDITOR_STORE", None)
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(autouse=True)
def memory_keyring(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> MemoryKeyring:
    """Every test gets a fresh in-memory keyring, no AUDITOR_* settings from the shell, and a
    throwaway data folder, so no history store is ever written to the developer's own."""
    for name in ("AUDITOR_KEY", "AUDITOR_KEY_FILE", "AUDITOR_PRACTICE", "AUDITOR_STORE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("data-home")))
    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(previous)


@pytest.fixture
def practice_key() -> PracticeKey:
    return PracticeKey(FIXED_SECRET, "test")


@pytest.fixture
def key_env(monkeypatch: pytest.MonkeyPatch) -> str:
    """AUDITOR_KEY set to the fixed test secret."""
    monkeypatch.setenv("AUDITOR_KEY", FIXED_SECRET.hex())
    return FIXED_SECRET.hex()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def tmp(tmp_path: Path) -> Path:
    return tmp_path
