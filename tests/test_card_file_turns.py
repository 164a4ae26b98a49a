"""Card files at --jobs 1: a card is reported only once its file is complete, in input
order; a full disk stops the batch at its card; a batch stopped early leaves no temporary
file and no half file."""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

import pytest
from pypdf import PdfReader

from mailer.domain.models import MailStep
from mailer.drawing.batch import CardRenderer, RenderedCard, RenderFailure
from mailer.errors import WriteError
from tests.builders import card_step, config_for


def steps(n: int) -> list[MailStep]:
    return [card_step(f"C{i:03d}") for i in range(n)]


def temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def test_each_card_is_reported_once_its_file_is_complete_in_input_order(tmp_path: Path) -> None:
    renderer = CardRenderer(config_for(), mode="self", out_dir=tmp_path, jobs=1)
    seen = []
    for outcome in renderer.render(steps(6)):
        assert isinstance(outcome, RenderedCard)
        # At the moment it is handed over, the file is whole under its final name.
        data = outcome.path.read_bytes()
        assert hashlib.sha256(data).hexdigest() == outcome.sha256
        assert len(data) == outcome.bytes
        assert len(PdfReader(outcome.path).pages) == 2
        seen.append(outcome.contact_id)
    assert seen == [f"C{i:03d}" for i in range(6)]
    assert temporaries(tmp_path) == []


def test_a_failed_card_keeps_its_place_between_written_ones(tmp_path: Path) -> None:
    batch = [card_step("C001"), card_step("C002", template="missing"), card_step("C003")]
    renderer = CardRenderer(config_for(), mode="self", out_dir=tmp_path, jobs=1)
    outcomes = list(renderer.render(batch))
    assert [(type(o), o.contact_id) for o in outcomes] == [
        (RenderedCard, "C001"),
        (RenderFailure, "C002"),
        (RenderedCard, "C003"),
    ]


def test_a_full_disk_stops_the_batch_at_the_card_that_did_not_fit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = os.write
    cards = {"n": 0}

    def filling(fd: int, data: bytes) -> int:
        if Path(f"/proc/self/fd/{fd}").readlink().parent == tmp_path:
            cards["n"] += 1
            if cards["n"] == 3:
                raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd, data)

    monkeypatch.setattr(os, "write", filling)
    renderer = CardRenderer(config_for(), mode="self", out_dir=tmp_path, jobs=1)
    outcomes = renderer.render(steps(6))
    first = [next(outcomes), next(outcomes)]
    assert all(isinstance(o, RenderedCard) for o in first)
    assert [o.contact_id for o in first] == ["C000", "C001"]
    with pytest.raises(WriteError, match="C002"):
        next(outcomes)
    # Stopped at that card: no card after it written, nothing half written.
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        o.path.name for o in first if isinstance(o, RenderedCard)
    ]


def test_a_batch_stopped_early_leaves_whole_files_only(tmp_path: Path) -> None:
    renderer = CardRenderer(config_for(), mode="self", out_dir=tmp_path, jobs=1)
    outcomes = renderer.render(steps(50))
    reported = [next(outcomes) for _ in range(3)]
    outcomes.close()  # as when the caller stops reading (Ctrl-C in the caller's loop)
    files = sorted(tmp_path.iterdir())
    assert temporaries(tmp_path) == []
    # The reported cards and at most the one in hand when it stopped, each complete.
    assert [o.path for o in reported if isinstance(o, RenderedCard)] == files[:3]
    assert len(files) <= 4
    for path in files:
        assert len(PdfReader(path).pages) == 2
