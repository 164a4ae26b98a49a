"""Card files written by a background thread at --jobs 1: a card is reported only once its
file is complete, in input order; a full disk stops the batch at its card; a batch stopped
early leaves no temporary file and no half file."""

from __future__ import annotations

import errno
import hashlib
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from pypdf import PdfReader

from mailer.domain.models import MailStep
from mailer.drawing import card_files
from mailer.drawing.batch import CardRenderer, RenderedCard, RenderFailure
from mailer.errors import WriteError
from tests.builders import card_step, config_for


def steps(n: int) -> list[MailStep]:
    return [card_step(f"C{i:03d}") for i in range(n)]


def temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def writers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "card-files"]


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
    assert writers() == []  # the thread ends with the batch


def test_a_failed_card_keeps_its_place_between_written_ones(tmp_path: Path) -> None:
    batch = [card_step("C001"), card_step("C002", template="missing"), card_step("C003")]
    renderer = CardRenderer(config_for(), mode="self", out_dir=tmp_path, jobs=1)
    outcomes = list(renderer.render(batch))
    assert [(type(o), o.contact_id) for o in outcomes] == [
        (RenderedCard, "C001"),
        (RenderFailure, "C002"),
        (RenderedCard, "C003"),
    ]


def test_the_switch_interval_is_shortened_for_the_batch_and_restored(tmp_path: Path) -> None:
    before = sys.getswitchinterval()
    renderer = CardRenderer(config_for(), mode="self", out_dir=tmp_path, jobs=1)
    during = []
    for _ in renderer.render(steps(2)):
        during.append(sys.getswitchinterval())
    assert during == [pytest.approx(card_files.SWITCH_INTERVAL)] * 2
    assert sys.getswitchinterval() == before


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

    before = sys.getswitchinterval()
    monkeypatch.setattr(os, "write", filling)
    renderer = CardRenderer(config_for(), mode="self", out_dir=tmp_path, jobs=1)
    outcomes = renderer.render(steps(6))
    first = [next(outcomes), next(outcomes)]
    assert [o.contact_id for o in first] == ["C000", "C001"]
    with pytest.raises(WriteError, match="C002"):
        next(outcomes)
    # Stopped at that card: the one drawn after it was never begun, nothing half written.
    assert sorted(p.name for p in tmp_path.iterdir()) == [o.path.name for o in first]
    assert sys.getswitchinterval() == before
    assert writers() == []


def test_a_batch_stopped_early_leaves_whole_files_only(tmp_path: Path) -> None:
    before = sys.getswitchinterval()
    renderer = CardRenderer(config_for(), mode="self", out_dir=tmp_path, jobs=1)
    outcomes = renderer.render(steps(50))
    reported = [next(outcomes) for _ in range(3)]
    outcomes.close()  # as when the caller stops reading (Ctrl-C in the caller's loop)
    files = sorted(tmp_path.iterdir())
    assert temporaries(tmp_path) == []
    # The reported cards and at most the one drawn after them (drawn again next time, to
    # the same bytes), each complete.
    assert [o.path for o in reported] == files[:3]
    assert len(files) <= 4
    for path in files:
        assert len(PdfReader(path).pages) == 2
    assert writers() == []
    assert sys.getswitchinterval() == before


def test_a_writer_left_open_does_not_keep_the_process_alive(tmp_path: Path) -> None:
    # An owner dropped without clean-up (or killed mid-way in its own code): the process
    # still ends once its main thread has, having finished the file it was handed.
    program = (
        "import sys; from pathlib import Path\n"
        "from mailer.drawing.card_files import FileWriter\n"
        "w = FileWriter()\n"
        "w.write(Path(sys.argv[1]) / 'a.pdf', b'%PDF-1.4 ' * 1000)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert done.returncode == 0, done.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["a.pdf"]
    assert (tmp_path / "a.pdf").read_bytes() == b"%PDF-1.4 " * 1000
