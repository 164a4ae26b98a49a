"""Reading the PDFs mailer writes, object by object: where each object is (the classic
cross-reference table), an object's value with its references renumbered as it is copied
into another file, and the names that mark embedded font subsets. The print sheets place the
drawn cards with it (`placing`).

The files read are mailer's own (the card writer's, ReportLab's), which is all this reader
understands: anything else is a `JoinError`. Object numbers are renumbered outside strings
only (every `N 0 R`); the six-letter tags of embedded font subsets (`AAAAAA+Caveat-Regular`)
are found by `NAME_TAG`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from mailer.errors import MailerError

REFERENCE = re.compile(rb"(?<![0-9.])(\d+) 0 R(?![A-Za-z0-9_])")
NAME_TAG = re.compile(rb"/([A-Z]{6})\+")
_TOKEN = re.compile(rb"\(|<<|>>|<|\[|\]|%|endobj")
_STRING_TOKEN = re.compile(rb"[\\()]")
OBJECT_HEADER = re.compile(rb"(\d+) 0 obj\s*")


class JoinError(MailerError):
    """A part that is not the PDF this module expects (a bug, not the user's doing: a
    ReportLab that writes its files another way, say)."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(
            f"print sheets not joined: {message}",
            hint or "nothing was recorded printed; please report this with your ReportLab version",
        )


def cross_references(data: bytes, part: Path) -> dict[int, int]:
    """Object number -> byte offset, from the part's cross-reference table."""
    start = int(data[data.rindex(b"startxref") + 9 :].split()[0])
    lines = data[start:].split(b"\n")
    if lines[0].strip() != b"xref":
        raise JoinError(f"{part.name}: no cross-reference table where it should start")
    first, count = (int(n) for n in lines[1].split())
    offsets = {}
    for number, line in enumerate(lines[2 : 2 + count], start=first):
        offset, _generation, kind = line.split()[:3]
        if kind == b"n":
            offsets[number] = int(offset)
    return offsets


def pdf_value(chunk: bytes, pos: int, renumber: Callable[[bytes], bytes]) -> tuple[bytes, int]:
    """An object's value from `pos` (a dictionary, array, string or plain token) with its
    references renumbered, and where the value ends (a stream, if any, follows)."""
    pieces: list[bytes] = []
    depth, plain, i = 0, pos, pos
    while True:
        token = _TOKEN.search(chunk, i)
        if token is None:
            raise JoinError("an object without its end")
        kind, at = token.group(), token.start()
        if kind == b"endobj":
            pieces.append(renumber(chunk[plain:at]).rstrip())
            return b"".join(pieces) + b"\n", at
        if kind == b"(":
            pieces.append(renumber(chunk[plain:at]))
            i = _string_end(chunk, at)
            pieces.append(chunk[at:i])  # text is copied as it is, whatever it reads
            plain = i
        elif kind == b"<":
            i = chunk.index(b">", token.end()) + 1  # a hex string: no references inside
        elif kind == b"%":
            i = chunk.index(b"\n", token.end())
        else:
            depth += 1 if kind in (b"<<", b"[") else -1
            i = token.end()
        if depth == 0 and kind not in (b"<", b"%"):
            pieces.append(renumber(chunk[plain:i]))
            return b"".join(pieces), i


def _string_end(chunk: bytes, start: int) -> int:
    """Where the literal string opening at `start` ends (nested brackets and escapes)."""
    depth, i = 0, start
    while True:
        token = _STRING_TOKEN.search(chunk, i)
        if token is None:
            raise JoinError("a string without its end")
        i = token.end()
        if token.group() == b"\\":
            i += 1
        elif token.group() == b"(":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return i
