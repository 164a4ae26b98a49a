"""Shared fixtures: a clean environment for every test, a ledger on a fixed clock, and the
fake Lob/PostGrid (`fake_lob`, from `fake_provider.py`). Builders live in `builders.py`."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from mailer.ledger import Ledger
from tests.builders import open_ledger

pytest_plugins = ["tests.fake_provider"]

# Property tests check what is true, not how fast: a loaded CI machine must not fail them on
# hypothesis's per-example deadline or its "data generation too slow" check.
settings.register_profile("mailer", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("mailer")


@pytest.fixture(scope="session")
def _font_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache of made fonts for the whole run, never the developer's own."""
    return tmp_path_factory.mktemp("font-cache")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, _font_cache: Path) -> None:
    """No test sees the developer's keys, ledger, date settings or font cache."""
    for name in list(os.environ):
        if name.startswith(("MAILER_", "LOB_", "POSTGRID_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MAILER_CACHE_DIR", str(_font_cache))
    monkeypatch.setenv("COLUMNS", "220")
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    """An empty ledger in tmp_path (`mailer.db`) on the fixed clock of `builders.fixed_clock`."""
    with open_ledger(tmp_path / "mailer.db") as opened:
        yield opened
