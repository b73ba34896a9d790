"""Where the history store lives: --store, else AUDITOR_STORE, else the user's data folder."""

from __future__ import annotations

import os
import re
from pathlib import Path

import platformdirs

ENV_STORE = "AUDITOR_STORE"
APP = "connection-auditor"


def default_store_path(practice: str) -> Path:
    """One store per practice key, in the platform's per-user data folder."""
    if os.environ.get(ENV_STORE):
        return Path(os.environ[ENV_STORE])
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", practice) or "default"
    return Path(platformdirs.user_data_dir(APP, appauthor=False)) / f"history-{safe}.sqlite"


def store_path(option: Path | None, practice: str) -> Path:
    return Path(option) if option is not None else default_store_path(practice)
