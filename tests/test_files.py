"""Files people open in spreadsheets and calendars (`mailer.files`): formula-safe cells, and
atomic writes that leave no temporary file behind and never a half-written final file."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mailer.errors import WriteError
from mailer.files import safe_cell, write_bytes_atomic, write_csv_rows, written_beside
from tests.builders import read_csv

# --- safe_cell ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ('=HYPERLINK("https://example.com")', '\'=HYPERLINK("https://example.com")'),
        ("+1 217 555 0100", "'+1 217 555 0100"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
    ],
)
def test_safe_cell_neutralizes_what_a_spreadsheet_would_run(value: str, safe: str) -> None:
    assert safe_cell(value) == safe


@pytest.mark.parametrize(
    "value", ["", "Mary Albright", "2+2=4", "mary@example.com", " =1", "'=1", "(217) 555-0100"]
)
def test_safe_cell_leaves_plain_text_alone(value: str) -> None:
    assert safe_cell(value) == value


# --- write_csv_rows -------------------------------------------------------------------------


def names(folder: Path) -> list[str]:
    """What is in `folder`, temporary files included."""
    return sorted(p.name for p in folder.iterdir())


def test_csv_is_utf8_with_a_bom_crlf_lines_and_quoted_cells(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    rows = [["C001", "Zoë Nguyễn", 'says "hi", twice'], ["C002", "line\nbreak", ""]]
    write_csv_rows(path, ["contact_id", "name", "notes"], rows)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfcontact_id,name,notes\r\n")
    assert b'C001,Zo\xc3\xab Nguy\xe1\xbb\x85n,"says ""hi"", twice"\r\n' in data
    assert data.endswith(b'C002,"line\nbreak",\r\n')
    assert read_csv(path) == [["contact_id", "name", "notes"], *rows]


def test_csv_with_no_rows_is_the_header(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    write_csv_rows(path, ["row", "error"], [])
    assert path.read_bytes() == b"\xef\xbb\xbfrow,error\r\n"


def test_csv_makes_its_folder_and_replaces_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "out.csv"
    write_csv_rows(path, ["a"], [["1"]])
    write_csv_rows(path, ["a"], [["2"]])
    assert read_csv(path) == [["a"], ["2"]]
    assert names(path.parent) == ["out.csv"]


def test_a_reader_sees_the_previous_csv_until_the_new_one_is_complete(tmp_path: Path) -> None:
    path = tmp_path / "followups.csv"
    write_csv_rows(path, ["n"], [["old"]])
    before = path.read_bytes()
    seen: list[bytes] = []

    def rows() -> Iterator[list[str]]:
        for n in range(3):
            seen.append(path.read_bytes())
            yield [str(n)]

    write_csv_rows(path, ["n"], rows())
    assert seen == [before] * 3
    assert read_csv(path) == [["n"], ["0"], ["1"], ["2"]]


@pytest.mark.parametrize("error", [ValueError, KeyboardInterrupt])
def test_a_failed_csv_keeps_the_previous_file_and_no_temporary(
    tmp_path: Path, error: type[BaseException]
) -> None:
    path = tmp_path / "followups.csv"
    write_csv_rows(path, ["n"], [["old"]])
    before = path.read_bytes()

    def rows() -> Iterator[list[str]]:
        yield ["1"]
        yield ["2"]
        raise error

    with pytest.raises(error):
        write_csv_rows(path, ["n"], rows())
    assert path.read_bytes() == before
    assert names(tmp_path) == ["followups.csv"]


def test_a_failed_first_csv_leaves_nothing(tmp_path: Path) -> None:
    def rows() -> Iterator[list[str]]:
        yield ["1"]
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_csv_rows(tmp_path / "new.csv", ["n"], rows())
    assert names(tmp_path) == []


# --- write_bytes_atomic ---------------------------------------------------------------------


def test_bytes_are_written_exactly_and_replace_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    write_bytes_atomic(path, b"first, and longer than the second")
    write_bytes_atomic(path, b"\x00second\r\n")
    assert path.read_bytes() == b"\x00second\r\n"
    assert names(tmp_path) == ["plan.json"]


def test_empty_bytes_make_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "empty.ics"
    write_bytes_atomic(path, b"")
    assert path.read_bytes() == b""


def test_a_failed_write_keeps_the_previous_bytes_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "plan.json"
    write_bytes_atomic(path, b"previous")
    real_write = os.write

    def half_then_fail(fd: int, data: bytes) -> int:
        real_write(fd, data[: len(data) // 2])
        raise OSError("disk full")

    monkeypatch.setattr(os, "write", half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        write_bytes_atomic(path, b"the new plan, twice as long as before")
    monkeypatch.undo()
    assert path.read_bytes() == b"previous"
    assert names(tmp_path) == ["plan.json"]


def test_a_write_interrupted_at_any_call_keeps_the_previous_bytes_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "card.pdf"
    write_bytes_atomic(path, b"previous")
    for name in ("open", "write", "close", "replace"):
        real = getattr(os, name)

        def stop(*args: object, real: Any = real) -> object:
            real(*args)  # the call itself happens, then Ctrl-C arrives
            raise KeyboardInterrupt

        monkeypatch.setattr(os, name, stop)
        with pytest.raises(KeyboardInterrupt):
            write_bytes_atomic(path, b"the new card")
        monkeypatch.undo()
        if name == "replace":  # the rename was done: the new file is complete
            assert path.read_bytes() == b"the new card"
            write_bytes_atomic(path, b"previous")
        else:
            assert path.read_bytes() == b"previous"
        assert names(tmp_path) == ["card.pdf"], name


def test_a_file_where_the_folder_should_be_is_named_and_nothing_is_left(tmp_path: Path) -> None:
    blocker = tmp_path / "taken"
    blocker.write_text("a file, not a folder")
    with pytest.raises(WriteError, match="taken is a file, not a folder"):
        write_bytes_atomic(blocker / "r.png", b"x")
    assert names(tmp_path) == ["taken"]


def test_finished_files_get_the_usual_permissions_not_the_temporary_ones(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_bytes_atomic(tmp_path / "a.bin", b"x")
        write_csv_rows(tmp_path / "b.csv", ["x"], [])
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.bin").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "b.csv").stat().st_mode) == 0o640


# --- written_beside -------------------------------------------------------------------------


def test_the_temporary_file_is_hidden_beside_the_target_and_unique(tmp_path: Path) -> None:
    path = tmp_path / "print.pdf"
    with written_beside(path) as first, written_beside(path) as second:
        assert first != second
        for tmp in (first, second):
            assert tmp.parent == tmp_path
            assert tmp.name.startswith(".print.pdf.")
            assert tmp.name.endswith(".part")
        first.write_bytes(b"one")
        second.write_bytes(b"two")
        assert not path.exists()
    assert path.read_bytes() == b"one"  # the last one to finish wins, whole
    assert names(tmp_path) == ["print.pdf"]


def test_an_error_in_the_block_removes_the_temporary_and_keeps_the_target(
    tmp_path: Path,
) -> None:
    path = tmp_path / "print.pdf"
    path.write_bytes(b"sheets A")

    def draw_half() -> None:
        with written_beside(path) as tmp:
            tmp.write_bytes(b"half of sheets B")
            raise RuntimeError("drawing failed")

    with pytest.raises(RuntimeError, match="drawing failed"):
        draw_half()
    assert path.read_bytes() == b"sheets A"
    assert names(tmp_path) == ["print.pdf"]


@pytest.mark.parametrize("late", [False, True])
def test_ctrl_c_while_the_temporary_file_is_made_leaves_no_part_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, late: bool
) -> None:
    # Ctrl-C lands inside the call that creates the temporary file: before it exists, or
    # just after (the file is there but its descriptor never came back to us).
    path = tmp_path / "card.pdf"
    path.write_bytes(b"card A")
    real_open = os.open

    def interrupted(name: str | Path, flags: int, mode: int = 0o777) -> int:
        if str(name).endswith(".part"):
            if late:
                os.close(real_open(name, flags, mode))
            raise KeyboardInterrupt
        return real_open(name, flags, mode)

    monkeypatch.setattr(os, "open", interrupted)
    with pytest.raises(KeyboardInterrupt), written_beside(path) as tmp:
        tmp.write_bytes(b"card B")
    monkeypatch.undo()
    assert names(tmp_path) == ["card.pdf"]
    assert path.read_bytes() == b"card A"


def test_settle_chooses_where_the_finished_file_goes(tmp_path: Path) -> None:
    path = tmp_path / "print.pdf"
    path.write_bytes(b"sheets A")
    moved: list[tuple[Path, Path]] = []

    def keep_the_first(tmp: Path, target: Path) -> Path:
        moved.append((tmp, target))
        other = target.with_name("print-2.pdf")
        tmp.replace(other)
        return other

    with written_beside(path, settle=keep_the_first) as tmp:
        tmp.write_bytes(b"sheets B")
    assert moved == [(tmp, path)]
    assert path.read_bytes() == b"sheets A"
    assert (tmp_path / "print-2.pdf").read_bytes() == b"sheets B"
    assert names(tmp_path) == ["print-2.pdf", "print.pdf"]
