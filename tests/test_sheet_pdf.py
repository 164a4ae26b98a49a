"""followups.pdf, the printable call sheet (`mailer.followups.sheet_pdf`), opened with
pypdfium2 and measured: every call on it, a page (or more) a day, every character inside the
margins, every script whole (the extracted text compared with the scripts), a long script
running on to the next page, tick boxes per outcome."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, time
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.followups import sheet_pdf
from mailer.followups.calls import FollowUp
from mailer.followups.sheet import OUTCOME_WORDS
from mailer.followups.sheet_font import units, wrap
from mailer.followups.sheet_pdf import MARGIN, PAGE_HEIGHT, PAGE_WIDTH, write_pdf
from tests.builders import ELM_STREET

MONDAY, TUESDAY = date(2026, 11, 30), date(2026, 12, 1)

BASE = FollowUp(
    on=MONDAY,
    window=(time(10, 0), time(12, 0)),
    contact_id="C001",
    name="Mary Albright",
    phone="(217) 555-0142",
    why="second call: note mailed Nov 23, offer ends Dec 7",
    script=(
        "Hi Mary, it's Jamie from Prairie Lantern Candles. I popped a note in the mail to "
        "you on Monday: did it reach you? The offer on it is good until Monday, December 7."
    ),
    offer_deadline=date(2026, 12, 7),
    uid="u@mailer",
    attempt=2,
    purpose="follow-up",
    voicemail="Hi Mary, it's Jamie: just checking my note reached you. Call me by Monday.",
    permission_ask="May I let you know when there's something new?",
    text_message="Hi Mary, Jamie here: I'll give you a ring this morning.",
    address=ELM_STREET,
)


def calls(n: int, day: date = MONDAY) -> list[FollowUp]:
    return [
        dataclasses.replace(
            BASE,
            on=day,
            contact_id=f"C{day.day:02d}{k:03d}",
            name=f"Person{day.day:02d}x{k:03d} Albright",
            script=BASE.script + f" (script {day.day}-{k})",
            voicemail=BASE.voicemail + f" (message {day.day}-{k})",
        )
        for k in range(n)
    ]


@contextmanager
def opened(path: Path) -> Iterator[pdfium.PdfDocument]:
    pdf = pdfium.PdfDocument(str(path))
    try:
        yield pdf
    finally:
        pdf.close()


def page_texts(path: Path) -> list[str]:
    with opened(path) as pdf:
        return [page.get_textpage().get_text_range() for page in pdf]


def running(texts: list[str]) -> str:
    """The pages' text as one, squeezed, without the headings of the pages a day runs on to
    (which may fall inside a call's block)."""
    heading = r"Callsfor[^()]*\(continued\)(.{0,80}?'scall,onfromthepagebefore)?"
    return re.sub(heading, "", squeezed("".join(texts)))


def squeezed(text: str) -> str:
    """Text with every space and line break taken out: a wrapped script reads as one."""
    return re.sub(r"\s+", "", text)


def test_every_call_is_on_it_with_every_script_whole(tmp_path: Path) -> None:
    sheet = calls(9) + calls(4, TUESDAY)
    path = tmp_path / "followups.pdf"
    write_pdf(sheet, path)
    whole = running(page_texts(path))
    for call in sheet:
        for text in (call.name, call.phone, call.script, call.voicemail, call.text_message):
            assert squeezed(text) in whole, text
        assert squeezed(call.permission_ask) in whole
    for word in OUTCOME_WORDS:  # the tick boxes, once a call
        assert whole.count(squeezed(word)) >= len(sheet), word


def test_each_day_starts_its_own_page(tmp_path: Path) -> None:
    path = tmp_path / "followups.pdf"
    write_pdf(calls(2) + calls(2, TUESDAY), path)
    texts = page_texts(path)
    assert len(texts) == 2
    assert texts[0].startswith("Calls for Monday, November 30")
    assert texts[1].startswith("Calls for Tuesday, December 1")
    assert "Person30x001" in texts[0]
    assert "Person01x000" in texts[1]


def test_every_character_is_inside_the_margins(tmp_path: Path) -> None:
    long_word = "https://example.com/" + "x" * 300  # no space to break at: cut inside
    sheet = [*calls(12), dataclasses.replace(BASE, contact_id="C999", script=long_word)]
    path = tmp_path / "followups.pdf"
    write_pdf(sheet, path)
    with opened(path) as pdf:
        assert len(pdf) >= 2
        for page in pdf:
            assert page.get_size() == (PAGE_WIDTH, PAGE_HEIGHT)
            text = page.get_textpage()
            for i in range(text.count_chars()):
                if text.get_text_range(i, 1).isspace():
                    continue
                left, bottom, right, top = text.get_charbox(i)
                assert left >= MARGIN - 0.5
                assert right <= PAGE_WIDTH - MARGIN + 0.5
                assert bottom >= MARGIN - 0.5
                assert top <= PAGE_HEIGHT - MARGIN + 0.5
    assert squeezed(long_word) in (running(page_texts(path)))


def test_a_long_script_runs_on_to_the_next_page(tmp_path: Path) -> None:
    words = " ".join(f"word{n:04d}" for n in range(900))
    long_call = dataclasses.replace(BASE, contact_id="C777", name="Lorna Longscript", script=words)
    path = tmp_path / "followups.pdf"
    write_pdf([*calls(2), long_call], path)
    texts = page_texts(path)
    assert len(texts) >= 2
    first = next(i for i, t in enumerate(texts) if "word0000" in t)
    last = next(i for i, t in enumerate(texts) if "word0899" in t)
    assert last > first
    # The page it runs on to says whose call goes on.
    assert texts[first + 1].startswith(
        "Calls for Monday, November 30 (continued)\r\n"
        "Lorna Longscript's call, on from the page before"
    )
    assert squeezed(words) in (running(texts))  # every word, in order, none cut off


def test_the_advice_on_leaving_a_message_is_on_it(tmp_path: Path) -> None:
    quiet = dataclasses.replace(BASE, leave_message=False)
    path = tmp_path / "followups.pdf"
    write_pdf([BASE, dataclasses.replace(quiet, contact_id="C002")], path)
    text = "".join(page_texts(path))
    assert "Voicemail: leave this message" in text
    assert "Voicemail: no message this time; just try again at another time of day" in text
    assert "follow-up, attempt 2" in text


def test_names_in_any_script_and_no_control_characters(tmp_path: Path) -> None:
    zoe = dataclasses.replace(BASE, name="Zoë Nguyễn\x1b[31m", phone="", script="Xin chào Zoë!")
    path = tmp_path / "followups.pdf"
    write_pdf([zoe], path)
    text = "".join(page_texts(path))
    assert "Zoë Nguyễn" in text
    assert "Xin chào Zoë!" in text
    assert "\x1b" not in text


def test_no_calls_is_one_page_that_says_so(tmp_path: Path) -> None:
    path = tmp_path / "followups.pdf"
    write_pdf([], path)
    assert page_texts(path) == ["No follow-up calls"]


def test_the_same_calls_give_the_same_bytes(tmp_path: Path) -> None:
    write_pdf(calls(3), tmp_path / "a.pdf")
    write_pdf(calls(3), tmp_path / "b.pdf")
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


def test_wrap_breaks_at_spaces_and_inside_a_word_only_when_it_must() -> None:
    assert wrap("one two three", 10, 1000) == ["one two three"]
    lines = wrap("aaaa bbbb cccc", 10, 30)
    assert lines == ["aaaa", "bbbb", "cccc"]
    cut = wrap("x" * 50, 10, 40)
    assert "".join(cut) == "x" * 50
    assert len(cut) > 1
    assert wrap("first\nsecond", 10, 1000) == ["first", "second"]


def greedy(text: str, size: float, width: float) -> list[str]:
    """The call sheet's wrapping a word at a time, as it was written first: the reference
    the quicker `wrap` is held to."""
    lines = []
    for paragraph in text.splitlines() or [""]:
        line: list[str] = []
        for word in paragraph.split():
            trial = " ".join([*line, word])
            if units(trial) * size / 1000 <= width or not line:
                line.append(word)
            else:
                lines.append(" ".join(line))
                line = [word]
        lines.append(" ".join(line))
    return lines


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(st.text(alphabet="aiWM.,'éЖ", min_size=1, max_size=12), min_size=0, max_size=60),
    breaks=st.lists(st.integers(min_value=0, max_value=59), max_size=3),
    size=st.sampled_from([8.5, 9.5, 11.0, 14.0]),
    width=st.floats(min_value=60.0, max_value=532.0),
)
def test_wrap_fills_each_line_as_a_word_at_a_time_would(
    words: list[str], breaks: list[int], size: float, width: float
) -> None:
    pieces = [w + ("\n" if i in breaks else " ") for i, w in enumerate(words)]
    text = "".join(pieces).rstrip(" ")
    # Words of twelve wide letters can be wider than the narrowest lines: those are cut,
    # which the reference does not do; every other text must wrap alike.
    if any(units(w) * size / 1000 > width for w in words):
        assert all(units(line) * size / 1000 <= width for line in wrap(text, size, width))
        return
    assert wrap(text, size, width) == greedy(text, size, width)


def test_the_parts_every_block_repeats_are_the_bytes_drawn_anew(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tick boxes, the lines to write on and the labels are copied from operators kept
    by height: the file is the same bytes as one drawing them afresh on every block."""
    many = calls(40)
    write_pdf(many, tmp_path / "kept.pdf")
    monkeypatch.setattr(sheet_pdf, "_alike", lambda draw: draw)
    sheet_pdf._foot.cache_clear()
    sheet_pdf._label.cache_clear()
    try:
        write_pdf(many, tmp_path / "anew.pdf")
    finally:
        sheet_pdf._foot.cache_clear()
        sheet_pdf._label.cache_clear()
    assert (tmp_path / "kept.pdf").read_bytes() == (tmp_path / "anew.pdf").read_bytes()
    assert len(pdfium.PdfDocument(tmp_path / "kept.pdf")) > 3


def test_a_call_s_name_and_labels_stay_with_what_follows(tmp_path: Path) -> None:
    """Across many page breaks, no page ends on a call's name, its why line or a label:
    they move to the next page with the first line of what they introduce."""
    sheet = [
        dataclasses.replace(call, script=call.script + " more" * (k * 7 % 60))
        for k, call in enumerate(calls(40))
    ]
    path = tmp_path / "followups.pdf"
    write_pdf(sheet, path)
    texts = page_texts(path)
    assert len(texts) > 5
    labels = ("Text first:", "If they answer:", "Ask before you hang up:", "Voicemail:")
    for text in texts[:-1]:
        last_lines = text.splitlines()[-1:]
        for line in last_lines:
            assert not line.startswith("10:00-12:00"), line
            assert not line.startswith("follow-up, attempt"), line
            assert not line.startswith(labels), line


def test_only_headings_are_drawn_bold(tmp_path: Path) -> None:
    """Bold is a stroked outline (render mode 2): it is set for a heading's line and
    restored after it, so scripts and grey labels are never stroked."""
    import pypdf

    path = tmp_path / "followups.pdf"
    write_pdf(calls(3), path)
    content = pypdf.PdfReader(path).pages[0].get_contents()
    assert content is not None
    ops = content.get_data().decode("latin-1").splitlines()
    bold = [n for n, op in enumerate(ops) if " 2 Tr " in op]
    assert len(bold) == 4  # the day's title and three calls' names
    for n in bold:
        assert ops[n].startswith("q 0 G 2 Tr")
        assert ops[n + 2] == "Q", ops[n : n + 3]
