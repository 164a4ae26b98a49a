"""Drawn cards placed on print sheets as they are: each card's PDF (the file `mailer
render` wrote, or the same bytes made in memory) is read, each of its two pages becomes a
form (a PDF drawing that a page can paint anywhere), and the sheet pages paint the forms in
their slots. Nothing is laid out or drawn again, and what repeats from card to card (the
fonts, the front image) is written once a file: an object already written with the same
bytes (after its references are renumbered) is referred to, not copied.

Only the objects a page uses are read: its content streams (joined into the form's one
stream) and what its resources reach. The reader understands the PDFs mailer writes (the
card writer's, and ReportLab's for the cards it draws): a classic cross-reference table,
pages in one flat tree, Flate-compressed streams with their lengths written out; anything
else is a `PlaceError`, and the card is drawn again in memory instead.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from itertools import pairwise
from pathlib import Path

from mailer.drawing.pdf_stream import PdfStream
from mailer.printing.joining import (
    NAME_TAG,
    OBJECT_HEADER,
    REFERENCE,
    JoinError,
    cross_references,
    pdf_value,
)

KEPT = 4096
"""Objects remembered by their bytes, to be referred to again: a batch's cards share a
handful of fonts and images; a card's own objects are forgotten as others come."""
_PRODUCED_HERE = b"/Producer (mailer)"


class PlaceError(ValueError):
    """A card PDF this reader does not understand."""


class Forms:
    """Card pages written into `pdf` as forms, what repeats written once."""

    def __init__(self, pdf: PdfStream) -> None:
        self.pdf = pdf
        self._known: OrderedDict[bytes, int] = OrderedDict()

    def card(self, data: bytes) -> list[tuple[list[int], tuple[float, float, float, float]]]:
        """Each page of the card PDF `data` as forms (their object numbers, to paint in
        order) and its box."""
        try:
            return _Card(self, data).forms()
        except (ValueError, KeyError, IndexError, JoinError) as exc:
            raise PlaceError(f"card PDF not understood: {exc}") from None

    def put(self, body: bytes, *, share: bool) -> int:
        """Write an object (or, with `share`, find one written with the same bytes)."""
        if not share:
            return self.pdf.add(body)
        key = hashlib.md5(body, usedforsecurity=False).digest()
        number = self._known.get(key)
        if number is None:
            number = self._known[key] = self.pdf.add(body)
            if len(self._known) > KEPT:
                self._known.popitem(last=False)
        else:
            self._known.move_to_end(key)
        return number


class _Card:
    def __init__(self, forms: Forms, data: bytes) -> None:
        self.forms_ = forms
        self.data = data
        self.offsets = cross_references(data, Path("card.pdf"))
        ends = sorted(self.offsets.values())
        table = int(data[data.rindex(b"startxref") + 9 :].split()[0])
        self.following = dict(pairwise([*ends, table]))
        self.copied: dict[int, int] = {}
        # ReportLab starts its subset names afresh in every file (AAAAAA+, AAAAAB+, ...):
        # another card's subset of another set of letters would go by the same name, so
        # those get a name of this card's own. The card writer's names already say which
        # letters a subset holds.
        self.tags: dict[bytes, bytes] | None = None if _PRODUCED_HERE in data else {}

    def chunk(self, number: int) -> tuple[bytes, int]:
        """Object `number`'s text (to the next object) and where its value starts."""
        start = self.offsets[number]
        chunk = self.data[start : self.following[start]]
        head = OBJECT_HEADER.match(chunk)
        if head is None or int(head.group(1)) != number:
            raise ValueError(f"object {number} is not where the table says")
        return chunk, head.end()

    def forms(self) -> list[tuple[list[int], tuple[float, float, float, float]]]:
        trailer = self.data[self.data.rindex(b"trailer") :]
        root = _number(trailer, rb"/Root")
        pages = _number(self.chunk(root)[0], rb"/Pages")
        tree, at = self.chunk(pages)
        kids = [int(n) for n in REFERENCE.findall(tree[tree.index(b"/Kids", at) :].split(b"]")[0])]
        return [self._form(kid) for kid in kids]

    def _form(self, page: int) -> tuple[list[int], tuple[float, float, float, float]]:
        """A page's content streams as forms, in order (each as it is, still compressed:
        the card writer's streams each set the state they draw with), and its box."""
        chunk, at = self.chunk(page)
        body, _end = pdf_value(chunk, at, lambda segment: segment)
        media = re.search(rb"/MediaBox\s*\[([^\]]*)\]", body)
        contents = re.search(rb"/Contents\s*(\[[^\]]*\]|\d+ 0 R)", body)
        if media is None or contents is None:
            raise ValueError(f"page {page} without its box or contents")
        box = tuple(float(n) for n in media.group(1).split())
        if len(box) != 4:
            raise ValueError(f"page {page}: a box of {len(box)} numbers")
        entries = b"/BBox [ %s ] /Resources %s /Subtype /Form /Type /XObject" % (
            media.group(1).strip(),
            self._resources(body),
        )
        forms = [
            self.forms_.put(self._as_form(int(n), entries), share=False)
            for n in REFERENCE.findall(contents.group(1))
        ]
        return forms, (box[0], box[1], box[2], box[3])

    def _resources(self, page: bytes) -> bytes:
        found = re.search(rb"/Resources\s*(\d+) 0 R", page)
        if found is not None:
            return b"%d 0 R" % self._copy(int(found.group(1)))
        at = page.find(b"/Resources")
        if at < 0:
            return b"<< >>"
        start = page.index(b"<<", at)
        value, _end = pdf_value(page + b"\nendobj", start, self._renumber)
        return value

    def _as_form(self, number: int, entries: bytes) -> bytes:
        """Content stream `number` as a form's object, its data copied as it is."""
        chunk, at = self.chunk(number)
        own, end = pdf_value(chunk, at, lambda segment: segment)
        length = re.search(rb"/Length\s+(\d+)(?!\s+\d+ R)", own)
        if length is None or not own.startswith(b"<<"):
            raise ValueError(f"stream {number} without a length written out")
        start = chunk.index(b"stream", end) + 6
        start += 2 if chunk[start : start + 2] == b"\r\n" else 1
        data = chunk[start : start + int(length.group(1))]
        return b"<< %s %s\nstream\n%s\nendstream" % (entries, own[2:].strip(), data)

    def _renumber(self, segment: bytes) -> bytes:
        segment = REFERENCE.sub(lambda m: b"%d 0 R" % self._copy(int(m.group(1))), segment)
        if self.tags is not None:
            segment = NAME_TAG.sub(lambda m: b"/%s+" % self._tag(m.group(1)), segment)
        return segment

    def _copy(self, number: int) -> int:
        """Object `number` written into the sheets (once, whatever refers to it)."""
        if number in self.copied:
            return self.copied[number]
        self.copied[number] = -1  # being copied: a reference back to it is a loop
        chunk, at = self.chunk(number)
        value, end = pdf_value(chunk, at, self._renumber)
        rest = chunk[end:].rstrip()
        if not rest.endswith(b"endobj"):
            raise ValueError(f"object {number} without its end")
        body = value + rest[:-6].rstrip(b"\r\n")
        new = self.copied[number] = self.forms_.put(body, share=True)
        return new

    def _tag(self, tag: bytes) -> bytes:
        assert self.tags is not None
        if tag not in self.tags:
            digest = hashlib.sha256(self.data + tag).digest()
            self.tags[tag] = bytes(65 + b % 26 for b in digest[:6])
        return self.tags[tag]


def _number(data: bytes, key: bytes) -> int:
    found = re.search(re.escape(key) + rb"\s+(\d+) 0 R", data)
    if found is None:
        raise ValueError(f"no {key.decode()} entry")
    return int(found.group(1))
