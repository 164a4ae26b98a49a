"""The follow-up files of `mailer run` written together a call at a time
(`mailer.followups.export`): the same bytes as each file written on its own, the words of
each call rendered once, the steps read a page at a time, valid PDFs with every subset of
an unusual alphabet, and an interrupted write that replaces nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pypdf
import pypdfium2 as pdfium
import pytest

from mailer.domain.models import MailStep, Outcome
from mailer.followups import calls as calls_module
from mailer.followups.calendar import calendar_bytes
from mailer.followups.calls import call_order, calls_in_order, follow_ups
from mailer.followups.export import FILES, day_counts, write_followups
from mailer.followups.sheet import write_csv
from mailer.followups.sheet_pdf import write_pdf
from mailer.project import DEMO
from tests.builders import call_record, callback_step, mail_step

STAMP = date(2026, 11, 23)


def season(n: int) -> list[MailStep]:
    """Cards and callbacks over several days, names in several alphabets."""
    firsts = ("Mary", "Zoë", "Ørjan", "Αλέξης", "Пётр", "Nguyễn", "José")
    steps = []
    for k in range(n):
        record = call_record(f"C{k:04d}", first=firsts[k % len(firsts)], last=f"Lee{k}")
        if k % 5 == 4:
            steps.append(callback_step(
                call_record(f"C{k:04d}", Outcome.CALLBACK, first=firsts[k % 7], last=f"Lee{k}"),
                date(2026, 11, 24) + timedelta(days=k % 3),
            ))  # fmt: skip
        else:
            follow = date(2026, 11, 30) + timedelta(days=k % 4)
            steps.append(mail_step(record, follow_up=follow))
    return steps


def test_the_files_written_together_are_the_files_written_one_by_one(tmp_path: Path) -> None:
    steps = season(60)
    by_key = {s.step_key: s for s in steps}
    order = call_order(steps, DEMO)
    streamed = calls_in_order(order, lambda keys: (by_key[k] for k in keys), DEMO, page=7)
    assert write_followups(streamed, tmp_path, STAMP, day_counts(order)) == 60
    listed = follow_ups(steps, DEMO)
    assert [c.uid for c in listed] == [c.uid for c in calls_in_order(
        order, lambda keys: (by_key[k] for k in keys), DEMO)]  # fmt: skip
    alone = tmp_path / "alone"
    write_csv(listed, alone / "followups.csv")
    write_pdf(listed, alone / "followups.pdf")
    assert (tmp_path / "followups.csv").read_bytes() == (alone / "followups.csv").read_bytes()
    assert (tmp_path / "followups.pdf").read_bytes() == (alone / "followups.pdf").read_bytes()
    assert (tmp_path / "followups.ics").read_bytes() == calendar_bytes(listed, STAMP)
    assert sorted(Counter(c.on for c in listed).items()) == sorted(day_counts(order).items())


def test_each_call_s_words_are_rendered_once_and_steps_read_a_page_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps = season(45)
    by_key = {s.step_key: s for s in steps}
    rendered: list[str] = []
    real = calls_module.call_scripts  # type: ignore[attr-defined]

    def counting(step: MailStep, *args: object, **kwargs: object) -> object:
        rendered.append(step.step_key)
        return real(step, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(calls_module, "call_scripts", counting)
    asked: list[int] = []

    def fetch(keys: list[str]) -> Iterable[MailStep]:
        asked.append(len(keys))
        return [by_key[k] for k in keys]

    order = call_order(iter(steps), DEMO)  # read once: a generator will do
    assert rendered == []  # placing the calls renders no script
    write_followups(calls_in_order(order, fetch, DEMO, page=10), tmp_path, STAMP,
                    day_counts(order))  # fmt: skip
    assert sorted(rendered) == sorted(by_key)  # once a call, for all three files
    assert asked == [10, 10, 10, 10, 5]


def test_a_long_alphabet_makes_a_valid_pdf_with_several_subsets(tmp_path: Path) -> None:
    """Over 255 characters outside ASCII: the sheet's font needs more than one subset;
    the file reads in strict mode and every name extracts."""
    letters = "".join(chr(c) for c in range(0x400, 0x4F0)) + "ÀÉÎÕÜßĀĘŁŚŽ" + "ΑΒΓΔΩαβγδω"
    steps = [
        mail_step(call_record(f"C{k:03d}", first=letters[k * 40 : k * 40 + 40], last="Ng"))
        for k in range(8)
    ]
    path = tmp_path / "followups.pdf"
    write_pdf(follow_ups(steps, DEMO), path)
    reader = pypdf.PdfReader(path, strict=True)
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()  # type: ignore[index]
    }
    assert len(fonts) >= 2
    text = "".join(page.get_textpage().get_text_range() for page in pdfium.PdfDocument(path))
    for k in range(8):
        assert letters[k * 40 : k * 40 + 40] in text


def test_an_interrupted_write_replaces_none_of_the_files(tmp_path: Path) -> None:
    steps = season(12)
    by_key = {s.step_key: s for s in steps}
    order = call_order(steps, DEMO)
    write_followups(calls_in_order(order, lambda ks: (by_key[k] for k in ks), DEMO),
                    tmp_path, STAMP, day_counts(order))  # fmt: skip
    before = {name: (tmp_path / name).read_bytes() for name in FILES}

    def broken() -> Iterator[object]:
        yield from calls_in_order(order[:5], lambda ks: (by_key[k] for k in ks), DEMO)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_followups(broken(), tmp_path, date(2026, 11, 24), day_counts(order))  # type: ignore[arg-type]
    assert {name: (tmp_path / name).read_bytes() for name in FILES} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)  # no part files left


def test_no_calls_still_writes_the_three_files(tmp_path: Path) -> None:
    assert write_followups([], tmp_path, STAMP, Counter()) == 0
    pages = [p.get_textpage().get_text_range() for p in pdfium.PdfDocument(tmp_path / FILES[2])]
    assert pages == ["No follow-up calls"]
    assert (tmp_path / "followups.csv").read_text(encoding="utf-8-sig").startswith("date,")
    assert b"BEGIN:VEVENT" not in (tmp_path / "followups.ics").read_bytes()


def test_a_long_list_keeps_one_placement_a_slot_not_one_a_call() -> None:
    """What a long list holds of each call until its words are rendered: its step key and
    a Placement shared by every call in the same slot (a season of 20,000 calls kept 20,000
    Placements, about 0.7 KB a call with their times and notes)."""
    steps = season(600)
    order = call_order(steps, DEMO)
    assert len(order) == 600
    slots = {(c.at.on, c.at.start, c.at.end, c.at.window, c.at.note) for c in order}
    assert len({id(c.at) for c in order}) == len(slots) < 600
    # The same order, slots and words as each call placed on its own (`follow_ups`).
    listed = follow_ups(steps, DEMO)
    assert [(c.on, c.window) for c in listed] == [(c.at.on, (c.at.start, c.at.end)) for c in order]
