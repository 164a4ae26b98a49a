"""The few PDF syntax pieces the card writer needs: strings, streams and a whole file from
ready object bodies. Everything is bytes, built by concatenation: no object model, since a
card's objects are known in advance and most of them come ready from a cache.
"""

from __future__ import annotations

import hashlib
import re
import zlib

HEADER = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"


def literal(data: bytes) -> bytes:
    """`data` as a PDF literal string, `(...)`, with the bytes PDF gives a meaning escaped
    (a bare carriage return would be read back as a line feed)."""
    # One search for all five, not `in` for each: `bytes in bytes` first tries the
    # argument as a number and builds (and drops) a TypeError every time.
    if _SPECIAL.search(data) is not None:
        data = data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
        data = data.replace(b"\r", b"\\r").replace(b"\n", b"\\n")
    return b"(" + data + b")"


_SPECIAL = re.compile(rb"[\\()\r\n]")


def text_string(text: str) -> bytes:
    """A document-information string: printable ASCII as it is, anything else as UTF-16
    with its byte-order mark (what every reader takes for Unicode text)."""
    if text.isascii() and text.isprintable():
        return literal(text.encode("ascii"))
    return b"<feff" + text.encode("utf-16-be").hex().encode("ascii") + b">"


def stream(entries: bytes, data: bytes, *, big: bool = False) -> bytes:
    """A stream object's body, compressed: `entries` are extra dictionary entries (`/Key
    value ...`). A card's own streams are a few kilobytes: a 4 KB window and a small state
    compress them as well as zlib's defaults do, ten times faster (setting up the default
    state costs more than compressing them). `big` streams, made once and reused (a font
    program), get the best compression."""
    if big:
        data = zlib.compress(data, 9)
    else:
        packer = zlib.compressobj(6, zlib.DEFLATED, 12, 4)
        data = packer.compress(data) + packer.flush()
    entries = b"/Filter /FlateDecode " + entries
    return b"<< %s/Length %d >>\nstream\n%s\nendstream" % (entries, len(data), data)


def plain_stream(data: bytes) -> bytes:
    """A stream object's body left uncompressed: what a card writes for itself (its text, its
    QR code) is a few kilobytes, which zlib takes longer to compress (about 0.04 ms a
    kilobyte) than the file takes to hold (a kilobyte or two more a card)."""
    return b"<< /Length %d >>\nstream\n%s\nendstream" % (len(data), data)


_END_OBJ = b"\nendobj\n"


def pdf_file(objects: list[bytes], root: int, info: int) -> bytes:
    """A whole file from object bodies, numbered from 1 in list order, with its cross-
    reference table. The file identifier is a digest of the objects, so the same objects
    give the same bytes, run after run. Of an object longer than 4 KB (a font program,
    an image) only its length and its end go into the digest: those are compressed streams,
    which end with the checksum of all their data."""
    # The pieces joined once at the end: each object's offset is the sum of the lengths
    # before it, so nothing is copied twice (a growing buffer is copied as it grows, and
    # again into the bytes returned).
    out = [HEADER]
    entries = []
    at = len(HEADER)
    for number, body in enumerate(objects, 1):
        entries.append(b"%010d 00000 n \n" % at)
        start = b"%d 0 obj\n" % number
        out += (start, body, _END_OBJ)
        at += len(start) + len(body) + len(_END_OBJ)
    # One digest of the pieces joined: the same as one `update` a piece.
    digested = b"".join(b if len(b) <= 4096 else b"%d%s" % (len(b), b[-32:]) for b in objects)
    ident = hashlib.md5(digested, usedforsecurity=False).hexdigest().encode("ascii")
    out.append(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out += entries
    out.append(
        b"trailer\n<< /ID [<%s> <%s>] /Info %d 0 R /Root %d 0 R /Size %d >>\n"
        b"startxref\n%d\n%%%%EOF\n" % (ident, ident, info, root, len(objects) + 1, at)
    )
    return b"".join(out)
