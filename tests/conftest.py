"""Shared fixtures: a clean environment for every test and a CLI runner."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
EXAMPLE_CALLS = REPO / "examples" / "calls_session.csv"
EXAMPLE_CONFIG = REPO / "examples" / "mailer.toml"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's keys, ledger or date settings."""
    for name in list(os.environ):
        if name.startswith(("MAILER_", "LOB_", "POSTGRID_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "220")
    monkeypatch.setenv("NO_COLOR", "1")
