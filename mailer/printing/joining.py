"""Print sheets written as parts and joined into one PDF, a part at a time.

ReportLab keeps every page of a document until it is saved, and builds the whole file in
memory then. A big batch is therefore drawn as several small documents (`impose` writes
them), and this module copies their objects into one file: each part is read, renumbered
and written out before the next is read, so memory holds one part, never the batch.

The parts are ReportLab's own output (a classic cross-reference table, one flat page tree),
which is all this reader understands. Two things change as objects are copied: object
numbers (every `N 0 R` outside strings), and the six-letter tags of embedded font subsets
(`AAAAAA+Caveat-Regular`), which ReportLab starts afresh in every document: each part's
subsets get tags of their own, because two different subsets under one name confuse
viewers and printers that cache fonts by name. The file ID is a digest of what was
written, so the same parts give the same bytes.
"""

from __future__ import annotations

import hashlib
import re
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import BinaryIO

from mailer.errors import MailerError

REFERENCE = re.compile(rb"(?<![0-9.])(\d+) 0 R(?![A-Za-z0-9_])")
NAME_TAG = re.compile(rb"/([A-Z]{6})\+")
_TOKEN = re.compile(rb"\(|<<|>>|<|\[|\]|%|endobj")
_STRING_TOKEN = re.compile(rb"[\\()]")
OBJECT_HEADER = re.compile(rb"(\d+) 0 obj\s*")
_PAGES = 2
"""The joined file's page tree: object 1 is the catalog, 2 the pages, 3 the document info."""
_INFO = 3


class JoinError(MailerError):
    """A part that is not the PDF this module expects (a bug, not the user's doing: a
    ReportLab that writes its files another way, say)."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(
            f"print sheets not joined: {message}",
            hint or "nothing was recorded printed; please report this with your ReportLab version",
        )


@dataclass
class _Output:
    """The joined file as it is written: where each object starts, and the digest so far."""

    out: BinaryIO
    offsets: array[int] = field(default_factory=lambda: array("Q", [0, 0, 0, 0]))
    written: int = 0
    digest: hashlib._Hash = field(default_factory=lambda: hashlib.md5(usedforsecurity=False))
    kids: array[int] = field(default_factory=lambda: array("Q"))
    tags: int = 0
    """Font-subset tags handed out so far."""

    def write(self, data: bytes) -> None:
        self.out.write(data)
        self.digest.update(data)
        self.written += len(data)

    def new_number(self) -> int:
        self.offsets.append(0)
        return len(self.offsets) - 1

    def put(self, number: int, body: bytes) -> None:
        self.offsets[number] = self.written
        self.write(b"%d 0 obj\n" % number + body)


def join_parts(parts: Iterable[Path], out: BinaryIO, *, title: str) -> None:
    """Write the pages of `parts`, in order, as one PDF to `out`, titled `title`."""
    target = _Output(out)
    header = b""
    for number, part in enumerate(parts):
        data = part.read_bytes()
        if number == 0:
            header = data[: data.index(b"\n", data.index(b"\n") + 1) + 1]
            target.write(header)
            target.put(1, b"<<\n/PageMode /UseNone /Pages 2 0 R /Type /Catalog\n>>\nendobj\n")
        try:
            _copy_part(data, target, part)
        except (ValueError, KeyError, IndexError) as exc:  # a table or an entry not found
            raise JoinError(f"{part.name} is not laid out as expected ({exc})") from None
    if not header:
        raise JoinError("no print-sheet parts to join")
    kids = b" ".join(b"%d 0 R" % kid for kid in target.kids)
    count = len(target.kids)
    target.put(_PAGES, b"<<\n/Count %d /Kids [ %s ] /Type /Pages\n>>\nendobj\n" % (count, kids))
    target.put(
        _INFO,
        b"<<\n/Creator (mailer) /Producer (mailer) /Title %s\n>>\nendobj\n" % _pdf_string(title),
    )
    start = target.written
    target.write(b"xref\n0 %d\n0000000000 65535 f \n" % len(target.offsets))
    for first in range(1, len(target.offsets), 1024):  # a block at a time, not a list
        block = target.offsets[first : first + 1024]
        target.write(b"".join(b"%010d 00000 n \n" % offset for offset in block))
    file_id = target.digest.hexdigest().encode()
    target.write(
        b"trailer\n<<\n/ID [<%s><%s>]\n/Info %d 0 R\n/Root 1 0 R\n/Size %d\n>>\n"
        % (file_id, file_id, _INFO, len(target.offsets))
    )
    target.write(b"startxref\n%d\n%%%%EOF\n" % start)


def _copy_part(data: bytes, target: _Output, part: Path) -> None:
    offsets = cross_references(data, part)
    trailer = data[data.rindex(b"trailer") :]
    root = _ref(trailer, rb"/Root", part)
    info = _ref(trailer, rb"/Info", part)
    pages = _ref(_body(data, offsets, root), rb"/Pages", part)
    kids = [int(n) for n in REFERENCE.findall(_between(_body(data, offsets, pages), b"[", b"]"))]
    skipped = {root, info, pages}
    numbers = {old: target.new_number() for old in sorted(offsets) if old not in skipped}
    numbers[pages] = _PAGES
    tags: dict[bytes, bytes] = {}

    def renumber(segment: bytes) -> bytes:
        segment = REFERENCE.sub(lambda m: b"%d 0 R" % numbers[int(m.group(1))], segment)
        return NAME_TAG.sub(lambda m: b"/%s+" % _tag_for(m.group(1), tags, target), segment)

    following = dict(pairwise([*sorted(offsets.values()), data.rindex(b"xref")]))
    for old, new in numbers.items():
        if old == pages:
            continue
        start = offsets[old]
        chunk = data[start : following[start]]
        head = OBJECT_HEADER.match(chunk)
        if head is None or int(head.group(1)) != old:
            raise JoinError(f"{part.name}: object {old} is not where its table says")
        value, end = pdf_value(chunk, head.end(), renumber)
        target.put(new, value + chunk[end:].rstrip(b"\r\n") + b"\n")
    target.kids.extend(numbers[kid] for kid in kids)


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


def _body(data: bytes, offsets: dict[int, int], number: int) -> bytes:
    start = offsets[number]
    return data[start : data.index(b"endobj", start)]


def _between(data: bytes, opening: bytes, closing: bytes) -> bytes:
    start = data.index(opening)
    return data[start : data.index(closing, start)]


def _ref(data: bytes, key: bytes, part: Path) -> int:
    found = re.search(re.escape(key) + rb"\s+(\d+) 0 R", data)
    if found is None:
        raise JoinError(f"{part.name}: no {key.decode()} entry")
    return int(found.group(1))


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


def _tag_for(tag: bytes, tags: dict[bytes, bytes], target: _Output) -> bytes:
    """This part's font subset `tag` as the joined file names it: a tag no other part has."""
    if tag not in tags:
        number, letters = target.tags, []
        target.tags += 1
        for _ in range(6):
            number, digit = divmod(number, 26)
            letters.append(65 + digit)
        tags[tag] = bytes(reversed(letters))
    return tags[tag]


def _pdf_string(text: str) -> bytes:
    """`text` as a PDF literal string (Latin-1 where it fits, else UTF-16 with its mark)."""
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:
        raw = b"\xfe\xff" + text.encode("utf-16-be")
    escaped = raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    return b"(" + escaped + b")"
