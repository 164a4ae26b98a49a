"""The main job as a library call: `run_session` plans, draws, prints and writes the follow-ups,
returns a report, and never prints, prompts or exits."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

from mailer import config as config_module
from mailer.domain.models import MailStep, Plan
from mailer.errors import UsageError
from mailer.ledger import Ledger, PieceStatus
from mailer.session import Advance, SessionHooks, SessionRequest, run_session
from tests.builders import EXAMPLE_CALLS, EXAMPLE_CONFIG, REPO, write_file

TODAY = date(2026, 11, 22)


def test_a_session_writes_the_folder_and_reports_without_printing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = config_module.load(EXAMPLE_CONFIG)
    out = tmp_path / "out"
    heard: list[str] = []

    def on_plan(plan: Plan) -> None:
        heard.append(f"plan of {len(plan.steps)}")

    with Ledger.open(tmp_path / "m.db") as ledger:
        report = run_session(
            SessionRequest([EXAMPLE_CALLS], out, TODAY),
            config,
            ledger,
            SessionHooks(on_plan=on_plan),
        )
        printed = ledger.pieces(PieceStatus.PRINTED)
    assert capsys.readouterr() == ("", "")
    assert heard == ["plan of 16"]
    assert report.written == [
        "plan.json", "rejects.csv", "cards/", "manifest.csv", "print.pdf",
        "followups.csv", "followups.ics", "followups.pdf",
    ]  # fmt: skip
    for name in report.written:
        assert (out / name).exists(), name
    assert report.totals.counts["mail"] == 12  # ten offers, a thank-you and a birthday card
    assert report.cards is not None
    assert report.cards.drawn == 12
    assert report.printed is not None
    assert report.printed.cards == 12 == len(printed)
    assert report.sheets == out / "print.pdf"
    assert not report.partial
    # Ten second calls after a card, one by phone only (no address), and one callback.
    assert report.followups == 12
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert doc["summary"]["mail"] == 12


def test_a_second_session_on_the_same_log_prints_nothing_again(tmp_path: Path) -> None:
    config = config_module.load(EXAMPLE_CONFIG)
    with Ledger.open(tmp_path / "m.db") as ledger:
        run_session(SessionRequest([EXAMPLE_CALLS], tmp_path / "a", TODAY), config, ledger)
        again = run_session(SessionRequest([EXAMPLE_CALLS], tmp_path / "b", TODAY), config, ledger)
    assert again.printed is None
    assert again.sheets is None
    assert again.cards is not None
    assert (again.cards.drawn, again.cards.already) == (0, 12)  # printed: never drawn again
    assert "print.pdf" not in again.written


def test_rejected_rows_make_the_session_partial(tmp_path: Path) -> None:
    log = write_file(
        tmp_path,
        "calls.csv",
        "contact_id,first_name,outcome,called_at\n"
        "C1,Amy,voicemail,2026-11-21 10:00\n"
        "C2,Beth,gone fishing,2026-11-21 10:05\n",
    )
    config = config_module.load(EXAMPLE_CONFIG)
    with Ledger.open(tmp_path / "m.db") as ledger:
        report = run_session(SessionRequest([log], tmp_path / "out", TODAY), config, ledger)
    assert report.totals.rejected == 1
    assert "gone fishing" in (tmp_path / "out" / "rejects.csv").read_text(encoding="utf-8")
    assert report.partial


def test_send_with_self_mail_cards_is_refused_before_anything_happens(tmp_path: Path) -> None:
    config = config_module.load(EXAMPLE_CONFIG)
    with Ledger.open(tmp_path / "m.db") as ledger:
        with pytest.raises(UsageError, match="--send"):
            run_session(
                SessionRequest([EXAMPLE_CALLS], tmp_path / "out", TODAY, send=True),
                config,
                ledger,
            )
        assert ledger.steps() == []
    assert not (tmp_path / "out").exists()


def test_the_library_loads_neither_typer_nor_rich(tmp_path: Path) -> None:
    script = (
        "import sys, datetime, pathlib\n"
        "from mailer import config\n"
        "from mailer.ledger import Ledger\n"
        "from mailer.session import SessionRequest, run_session\n"
        f"out = pathlib.Path({str(tmp_path)!r})\n"
        "with Ledger.open(out / 'm.db') as ledger:\n"
        f"    req = SessionRequest([pathlib.Path({str(EXAMPLE_CALLS)!r})], out / 'o',"
        " datetime.date(2026, 11, 22))\n"
        f"    run_session(req, config.load(pathlib.Path({str(EXAMPLE_CONFIG)!r})), ledger)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('typer', 'rich', 'click')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout
    assert (tmp_path / "o" / "print.pdf").is_file()


def test_the_readme_example_runs_as_written(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start = readme.index("```python\nfrom datetime import date")
    code = readme[start + len("```python\n") : readme.index("```", start + 10)]
    (tmp_path / "mailer.toml").write_bytes(EXAMPLE_CONFIG.read_bytes())
    (tmp_path / "calls.csv").write_bytes(EXAMPLE_CALLS.read_bytes())
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    assert "print.pdf" in done.stdout
    assert (tmp_path / "output" / "today" / "followups.ics").is_file()


def test_the_plan_is_let_go_before_the_cards_are_drawn(tmp_path: Path) -> None:
    """A season's plan (about 1 KB a contact) is not held while the cards are drawn,
    printed and called about: when the drawing starts, no step of it is alive (the stages
    read the steps back from the ledger a page at a time), and the report keeps counts."""
    config = config_module.load(EXAMPLE_CONFIG)
    alive: dict[str, int] = {}
    planned: set[int] = set()  # the plan's own steps (other tests may leave steps alive)

    def steps_alive() -> int:
        gc.collect()
        return sum(1 for o in gc.get_objects() if isinstance(o, MailStep) and id(o) in planned)

    def on_plan(plan: Plan) -> None:
        planned.update(id(step) for step in plan.steps)
        alive["plan"] = steps_alive()

    @contextmanager
    def progress(label: str, _total: int) -> Iterator[Advance]:
        alive.setdefault(label, steps_alive())
        yield lambda _: None

    with Ledger.open(tmp_path / "m.db") as ledger:
        report = run_session(
            SessionRequest([EXAMPLE_CALLS], tmp_path / "out", TODAY),
            config,
            ledger,
            SessionHooks(on_plan=on_plan, progress=progress),
        )
    assert alive["plan"] >= 16
    assert alive["drawing cards"] == 0
    assert report.totals.counts["contacts"] == 16
    assert report.cards is not None
    assert report.cards.drawn == 12
