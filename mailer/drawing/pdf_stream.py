"""A PDF written object by object as it is made, for documents too long to hold whole (a
call sheet of thousands of calls): each object goes to the file when it is finished, and
memory keeps only where each one starts. Objects may be written in any order, so a page
tree, a font or a resource dictionary that is only known at the end is given its number
first and written last. The file ID is a digest of the bytes written: the same objects
give the same file.
"""

from __future__ import annotations

import hashlib
from array import array
from typing import BinaryIO

from mailer.drawing.pdf_objects import HEADER


class PdfStream:
    """Objects numbered from 1; `reserve` numbers now, `put` their bodies later."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._offsets = array("Q")
        self._written = 0
        self._digest = hashlib.md5(usedforsecurity=False)
        self._write(HEADER)

    def _write(self, data: bytes) -> None:
        self._out.write(data)
        self._digest.update(data)
        self._written += len(data)

    def reserve(self) -> int:
        """A number for an object written later."""
        self._offsets.append(0)
        return len(self._offsets)

    def put(self, number: int, body: bytes) -> None:
        """Write object `number` now."""
        self._offsets[number - 1] = self._written
        self._write(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    def add(self, body: bytes) -> int:
        """Write a new object now; its number."""
        number = self.reserve()
        self.put(number, body)
        return number

    def finish(self, root: int, info: int) -> None:
        """The cross-reference table and the trailer: the file is complete."""
        if 0 in self._offsets:
            missing = self._offsets.index(0) + 1
            raise ValueError(f"PDF object {missing} reserved and never written")
        start = self._written
        ident = self._digest.hexdigest().encode("ascii")
        size = len(self._offsets) + 1
        self._write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        for first in range(0, len(self._offsets), 1024):  # a block at a time, not a list
            block = self._offsets[first : first + 1024]
            self._write(b"".join(b"%010d 00000 n \n" % offset for offset in block))
        self._write(
            b"trailer\n<< /ID [<%s> <%s>] /Info %d 0 R /Root %d 0 R /Size %d >>\n"
            b"startxref\n%d\n%%%%EOF\n" % (ident, ident, info, root, size, start)
        )
