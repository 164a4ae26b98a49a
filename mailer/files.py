"""The one way mailer writes a file: atomically, so that a reader, a crash or a second run
never sees half of it, formula-safe where people open it in a spreadsheet, and with no
control characters from a call log (`clean_text`, which the command line uses for the
terminal too).

Every file is first written under a unique temporary name beside its final one (so two runs
writing into one folder never share a temporary file) and renamed into place only when
complete; on any failure the temporary file is removed and the previous file stays. A file
that can't be written at all (a full or read-only disk, a folder that isn't ours) is one
`WriteError` naming the file and the way out, never a traceback.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from mailer.errors import WriteError

# A cell starting with one of these runs as a formula in Excel, LibreOffice and Sheets
# (CSV injection); a leading apostrophe makes it plain text and shows nothing.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# A terminal escape sequence is removed whole: CSI (`ESC [` ... a final letter), the strings
# of OSC, DCS, SOS, PM and APC (up to BEL or `ESC \`; a window title, a hyperlink), or ESC
# with its intermediate and final characters. Then any other control character goes: C0 but
# tab and newline, DEL, C1, and the bidirectional overrides that make text read backwards.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
)
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_text(value: str, *, one_line: bool = False) -> str:
    """`value` with no terminal escape sequence and no control character left, so a name
    or note from a call log can't move the cursor, recolour or retitle a terminal, or hide
    text in a file: sequences go whole, a carriage return becomes a newline, any other
    control character goes. `one_line` turns tabs and newlines into spaces too."""
    # Nothing to remove when every character but the newlines prints (every character
    # removed below is unprintable): a calendar's or a call's text skips both passes.
    if value.isprintable() or value.replace("\n", "").isprintable():
        return " ".join(value.split()) if one_line else value
    text = _ESCAPES.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROLS.sub("", text)
    if one_line:
        text = " ".join(text.split())
    return text


def safe_cell(value: str) -> str:
    """The value, neutralized if a spreadsheet would run it as a formula."""
    if value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def write_csv_rows(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """Write a CSV file (UTF-8, with a BOM so Excel shows accents right) all at once, every
    cell cleaned (`clean_text`) and formula-safe (`safe_cell`)."""
    with written_beside(path) as tmp, tmp.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows([safe_cell(clean_text(cell)) for cell in row] for row in rows)


def write_bytes_atomic(path: Path, data: bytes, mode: int = 0o666) -> None:
    """Readers never see half a file; an interrupted run leaves the previous one in place.
    `mode` as for `os.open` (the user's umask still applies).

    `written_beside` with its temporary name, clean-up and errors, in four system calls
    (create, write, close, rename) where the general form makes nine: `mailer render`
    writes a file per card, thousands a run. The folder is made only when it is missing."""
    tmp = _temporary(path, 8)
    try:  # as in `written_beside`: a Ctrl-C even inside the create leaves no `.part` file
        try:
            try:
                fd = os.open(tmp, _NEW_FILE, mode)
            except (FileNotFoundError, NotADirectoryError):  # a folder missing or a file
                ensure_folder(path.parent)  # made, or a `WriteError` saying what is in the way
                fd = os.open(tmp, _NEW_FILE, mode)
            except FileExistsError:  # someone else's file under that name: leave it be
                tmp = _temporary(path, 16)
                fd = os.open(tmp, _NEW_FILE, mode)
        except OSError as exc:
            raise write_failure(path, exc) from None
        try:
            rest = memoryview(data)
            while rest:
                rest = rest[os.write(fd, rest) :]
        except OSError as exc:
            if exc.errno in _DISK_ERRNOS:
                raise write_failure(path, exc) from None
            raise
        finally:
            os.close(fd)
        try:
            tmp.replace(path)
        except OSError as exc:
            raise write_failure(path, exc) from None
    except BaseException:
        with contextlib.suppress(OSError):  # not made, or the folder is the trouble
            tmp.unlink()
        raise


def _temporary(path: Path, size: int) -> Path:
    return path.parent / f".{path.name}.{os.urandom(size).hex()}.part"


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL


@contextlib.contextmanager
def written_beside(
    path: Path, settle: Callable[[Path, Path], Path] | None = None
) -> Iterator[Path]:
    """A unique temporary path beside `path` for the caller (or a library that writes by
    file name, like ReportLab) to write; renamed to `path` when the block ends without an
    error, removed when it doesn't. `settle(tmp, path)`, when given, does the renaming
    instead (e.g. to keep an earlier file and choose another name)."""
    ensure_folder(path.parent)
    tmp = path.parent / f".{path.name}.{os.urandom(8).hex()}.part"
    try:
        # The name is chosen before the file exists, so a Ctrl-C at any moment (even inside
        # the call that creates it) is followed by the clean-up below: no `.part` file is
        # left behind. The random part makes it unique; O_EXCL makes sure it is ours. The
        # finished file gets the usual permissions, like every other output file (the
        # user's umask decides).
        try:
            try:
                fd = os.open(tmp, _NEW_FILE, 0o666)
            except FileExistsError:  # someone else's file under that name: leave it be
                tmp = path.parent / f".{path.name}.{os.urandom(16).hex()}.part"
                fd = os.open(tmp, _NEW_FILE, 0o666)
            os.close(fd)
        except OSError as exc:
            raise write_failure(path, exc) from None
        try:
            yield tmp
        except OSError as exc:
            # Only what the disk said: an error reading some other file while writing
            # this one (an image, a font) is that file's own, and goes up as it is.
            if exc.errno in _DISK_ERRNOS:
                raise write_failure(path, exc) from None
            raise
        try:
            if settle is None:
                tmp.replace(path)
            else:
                settle(tmp, path)
        except OSError as exc:
            raise write_failure(path, exc) from None
    finally:
        tmp.unlink(missing_ok=True)


def ensure_folder(folder: Path) -> None:
    """`folder` and its parents, made where missing; a `WriteError` naming it when it can't
    be (a file in the way, no permission, a read-only or full disk)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise WriteError(
            f"{folder} is a file, not a folder",
            hint="move that file away, or choose another output folder (--out)",
        ) from None
    except OSError as exc:
        raise write_failure(folder, exc, "create the folder") from None


# What a failed write means for the person at the keyboard, by the system's error number:
# (what happened, the way out). These are about the place, not the one file, so every later
# file there would fail the same way.
_WHY: dict[int, tuple[str, str]] = {
    errno.ENOSPC: (
        "the disk is full",
        "free some space on that disk, or write to another folder (--out)",
    ),
    getattr(errno, "EDQUOT", -1): (
        "your disk quota is used up",
        "free some space, or write to another folder (--out)",
    ),
    errno.EFBIG: ("the file is too big for that disk", "write to another folder (--out)"),
    errno.EROFS: (
        "the disk is read-only",
        "write to another folder (--out), or make that disk writable",
    ),
    errno.EACCES: (
        "you have no permission to write in {folder}",
        "choose a folder you can write to (--out), or change that folder's permissions",
    ),
    errno.EPERM: (
        "you have no permission to write in {folder}",
        "choose a folder you can write to (--out), or change that folder's permissions",
    ),
    errno.EIO: ("the disk reported an error", "check the disk (is it still connected?)"),
}
_DISK_ERRNOS = frozenset(
    {errno.ENOSPC, getattr(errno, "EDQUOT", -1), errno.EFBIG, errno.EROFS, errno.EIO}
)


def write_failure(path: Path, exc: OSError, doing: str = "write") -> WriteError:
    """The `WriteError` for `exc`, raised while writing (or `doing` something else to) `path`."""
    known = _WHY.get(exc.errno or 0)
    why, fix = known or (exc.strerror or str(exc), "check the folder and the disk")
    if known:
        why = why.format(folder=path.parent)
    return WriteError(
        f"can't {doing} {path}: {why}",
        hint=f"{fix}, then run the same command again: what was finished is kept",
    )
