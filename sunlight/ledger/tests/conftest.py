"""Ledger test fixtures: signing keys in a fresh temporary directory for every test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _ledger_keys(settings: Any, tmp_path: Path) -> Path:
    settings.LEDGER_KEY_DIR = tmp_path / "ledger-keys"
    settings.LEDGER_ORIGIN_PREFIX = "sunlight.test/ledger/"
    return Path(settings.LEDGER_KEY_DIR)
