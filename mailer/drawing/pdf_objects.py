"""The few PDF syntax pieces the card writer needs: strings, streams and a whole file from
ready object bodies. Everything is bytes, built by concatenation: no object model, since a
card's objects are known in advance and most of them come ready from a cache.
"""

from __future__ import annotations

import hashlib
import zlib

HEADER = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"

_ESCAPES = {
    ord("\\"): b"\\\\",
    ord("("): b"\\(",
    ord(")"): b"\\)",
    ord("\r"): b"\\r",
    ord("\n"): b"\\n",
}


def literal(data: bytes) -> bytes:
    """`data` as a PDF literal string, `(...)`, with the bytes PDF gives a meaning escaped
    (a bare carriage return would be read back as a line feed)."""
    if b"\\" in data or b"(" in data or b")" in data or b"\r" in data or b"\n" in data:
        data = b"".join(_ESCAPES.get(byte, bytes((byte,))) for byte in data)
    return b"(" + data + b")"


def text_string(text: str) -> bytes:
    """A document-information string: printable ASCII as it is, anything else as UTF-16
    with its byte-order mark (what every reader takes for Unicode text)."""
    if text.isascii() and text.isprintable():
        return literal(text.encode("ascii"))
    return b"<feff" + text.encode("utf-16-be").hex().encode("ascii") + b">"


def stream(entries: bytes, data: bytes, *, compress: bool = True, level: int = 6) -> bytes:
    """A stream object's body: `entries` are extra dictionary entries (`/Key value ...`)."""
    if compress:
        data = zlib.compress(data, level)
        entries = b"/Filter /FlateDecode " + entries
    return b"<< %s/Length %d >>\nstream\n%s\nendstream" % (entries, len(data), data)


def pdf_file(objects: list[bytes], root: int, info: int) -> bytes:
    """A whole file from object bodies, numbered from 1 in list order, with its cross-
    reference table. The file identifier is a digest of the objects, so the same objects
    give the same bytes, run after run."""
    out = bytearray(HEADER)
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number
        out += body
        out += b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    ident = hashlib.md5(out, usedforsecurity=False).hexdigest().encode("ascii")
    out += b"trailer\n<< /ID [<%s> <%s>] /Info %d 0 R /Root %d 0 R /Size %d >>\n" % (
        ident,
        ident,
        info,
        root,
        len(objects) + 1,
    )
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)
