"""The pen font's program as cards embed it, cut so that a card's copy, holding only the
other forms and the accented letters that card draws, is put together from pieces
compressed once and kept with the fonts (`font_cache`) between runs (`card_fonts`'
`PenEmbedding` uses it)."""

from __future__ import annotations

import itertools
import struct
import zlib

from mailer.drawing.font_cache import kept

FREE = tuple(range(1, 32))
"""Codes a card's copy of the pen font gives the handwriting's other characters it draws
(accented letters): codes nothing else uses, below the space."""
_EXTRA = b"Xtra"  # `variants.EXTRA`: which characters the glyphs from 256 on draw


class SplitProgram:
    """A TrueType program whose glyph n draws code n (n < 256), and whose glyphs from 256
    on draw the characters its `Xtra` table lists, cut for a card's copy: 256 glyphs, those
    of codes 32-127 always, of the other forms (codes 128-255) only those kept, and at
    codes 1-31 the card's other characters. In the file, `hmtx` comes first, then the other
    tables but `glyf` and `loca`, then `glyf` and `loca`. `hmtx` but its first 32 entries,
    the tables and glyph 0 are compressed once together, glyphs 32-127 once together, each
    other glyph once on its own, so a program for a new set of glyphs is mostly pieces put
    together."""

    def __init__(self, program: bytes) -> None:
        count = struct.unpack(">H", program[4:6])[0]
        tables = {}
        for n in range(count):
            tag, _, offset, length = struct.unpack(">4sIII", program[12 + 16 * n : 28 + 16 * n])
            tables[tag] = program[offset : offset + length]
        self.extra = {c: 256 + i for i, c in enumerate(tables.pop(_EXTRA, b"").decode())}
        """Each other character, by the glyph drawing it."""
        head = bytearray(tables[b"head"])
        head[8:12] = bytes(4)  # no whole-file checksum: it would differ from card to card
        long_loca = struct.unpack(">h", head[50:52])[0] == 1
        head[50:52] = struct.pack(">h", 1)  # written long
        tables[b"head"] = bytes(head)
        maxp, hhea = bytearray(tables[b"maxp"]), bytearray(tables[b"hhea"])
        total = struct.unpack(">H", maxp[4:6])[0]
        metrics = struct.unpack(">H", hhea[34:36])[0]
        maxp[4:6] = hhea[34:36] = struct.pack(">H", 256)  # a card's copy: 256 glyphs
        tables[b"maxp"], tables[b"hhea"] = bytes(maxp), bytes(hhea)
        hmtx = tables.pop(b"hmtx")
        advances = [hmtx[4 * n : 4 * n + 2] for n in range(metrics)]
        self.metrics = [hmtx[4 * n : 4 * n + 4] for n in range(metrics)] + [
            advances[-1] + hmtx[4 * metrics + 2 * n : 4 * metrics + 2 * n + 2]
            for n in range(total - metrics)
        ]
        """Each glyph's advance and left side bearing, as `hmtx` holds them."""
        loca = tables.pop(b"loca")
        glyf = tables.pop(b"glyf")
        size = 4 if long_loca else 2
        ends = struct.unpack(f">{len(loca) // size}{'I' if long_loca else 'H'}", loca)
        step = 1 if long_loca else 2
        self.glyphs = [_padded(glyf[a * step : b * step]) for a, b in itertools.pairwise(ends)]
        self.name = _ps_name(tables[b"name"])
        self.tags = sorted([*tables, b"glyf", b"hmtx", b"loca"])
        self.head_size = 12 + 16 * len(self.tags)
        # In the file: `hmtx` first (its codes 1-31 are the card's), the other tables,
        # `glyf`, then `loca`.
        self.metrics_rest = b"".join(self.metrics[32:256])
        self.records = {}
        offset = self.head_size + 4 * 256
        for tag in sorted(tables):
            self.records[tag] = (_checksum(tables[tag]), offset, len(tables[tag]))
            offset += len(_padded(tables[tag]))
        self.glyf_at = offset
        self.first = self.metrics_rest + b"".join(_padded(tables[tag]) for tag in sorted(tables))
        self.first += self.glyphs[0]
        self.own = b"".join(self.glyphs[32:128])  # 1-31 are empty: other characters go there
        self.sums = {n: _checksum(g) for n, g in enumerate(self.glyphs[:256])}
        self.own_sum = self.sums[0] + _checksum(self.own)
        self.rest_sum = _checksum(self.metrics_rest)
        # The pieces compressed once: kept on disk with the fonts (compressing them was most
        # of the start of a run that draws a card), made here when not kept.
        parts = [self.first, self.own, *self.glyphs[128:256]]
        source = b"\0".join((_PIECES, zlib.ZLIB_RUNTIME_VERSION.encode(), program))
        pieces = _unpacked(kept("pieces", source, lambda: _packed(parts), ".bin"), len(parts))
        if pieces is None:  # never, for a file whose digest holds: made again all the same
            pieces = _unpacked(_packed(parts), len(parts))
            assert pieces is not None
        self.first_deflated, self.own_deflated, *others = pieces
        self.packed = dict(enumerate(others, 128))
        self.own_loca = [len(self.glyphs[0])]
        for glyph in self.glyphs[32:128]:
            self.own_loca.append(self.own_loca[-1] + len(glyph))

    def _piece(self, glyph: int) -> bytes:
        """Glyph `glyph`, compressed on its own (the other characters: on first use)."""
        found = self.packed.get(glyph)
        if found is None:
            packer = zlib.compressobj(9, zlib.DEFLATED, -12, 4)
            data = self.glyphs[glyph]
            found = self.packed[glyph] = packer.compress(data) + packer.flush(zlib.Z_FULL_FLUSH)
            self.sums[glyph] = _checksum(data)
        return found

    def keeping(
        self, others: tuple[int, ...], placed: tuple[tuple[int, int], ...] = ()
    ) -> tuple[bytes, int]:
        """The program with glyphs 0 and 32-127, `others` (codes 128-255, in order) and
        `placed` (a code of `FREE` and the glyph drawn there, in order of code),
        compressed (zlib), and its length."""
        glyphs = self.glyphs
        pieces = [self._piece(glyph) for _, glyph in placed]
        at = dict(placed)
        offsets = [0]
        total = len(glyphs[0])
        for code in range(1, 32):
            offsets.append(total)
            if code in at:
                total += len(glyphs[at[code]])
        offsets.extend(total - self.own_loca[0] + o for o in self.own_loca)
        total = offsets[-1]
        wanted = iter((*others, 256))
        next_kept = next(wanted)
        for code in range(128, 256):
            if code == next_kept:
                total += len(glyphs[code])
                next_kept = next(wanted)
            offsets.append(total)
        loca = struct.pack(f">{len(offsets)}I", *offsets)
        metrics = [self.metrics[code] for code in range(32)]
        for code, glyph in placed:
            metrics[code] = self.metrics[glyph]
        hmtx = b"".join(metrics)
        extra = b"".join(glyphs[glyph] for _, glyph in placed)
        kept = b"".join(glyphs[code] for code in others)
        glyf_size = total
        sums = self.sums
        glyf_sum = self.own_sum + sum(sums[glyph] for _, glyph in placed)
        glyf_sum += sum(sums[code] for code in others)
        records = dict(self.records)
        records[b"glyf"] = (glyf_sum & 0xFFFFFFFF, self.glyf_at, glyf_size)
        hmtx_sum = (_checksum(hmtx) + self.rest_sum) & 0xFFFFFFFF
        records[b"hmtx"] = (hmtx_sum, self.head_size, 4 * 256)
        records[b"loca"] = (_checksum(loca), self.glyf_at + glyf_size, len(loca))
        count = len(self.tags)
        power = 1 << (count.bit_length() - 1)
        directory = struct.pack(
            ">IHHHH", 0x00010000, count, 16 * power, power.bit_length() - 1, 16 * (count - power)
        ) + b"".join(struct.pack(">4sIII", tag, *records[tag]) for tag in self.tags)
        # Small and new each time: compressed quickly, in a small window.
        first = zlib.compressobj(6, zlib.DEFLATED, -12, 4)
        last = zlib.compressobj(6, zlib.DEFLATED, -12, 4)
        check = zlib.adler32(hmtx, zlib.adler32(directory))
        for data in (self.first, extra, self.own, kept, loca):
            check = zlib.adler32(data, check)
        data = b"".join(
            (
                b"\x78\xda",
                first.compress(directory + hmtx) + first.flush(zlib.Z_FULL_FLUSH),
                self.first_deflated,
                *pieces,
                self.own_deflated,
                *(self.packed[code] for code in others),
                last.compress(loca) + last.flush(),
                struct.pack(">I", check),
            )
        )
        size = len(directory) + len(hmtx) + len(self.first) + glyf_size - len(glyphs[0])
        return data, size + len(loca)


_PIECES = b"pieces-1"
"""Names the way the pieces are made and laid out in their kept file: change it whenever
either changes. zlib's release is in the name too: another may compress differently, and
a card must have the same bytes whether its pieces were kept or made."""


def _packed(parts: list[bytes]) -> bytes:
    """`parts` compressed one after the other in one deflate stream, a full flush after
    each (so a piece needs nothing before it and any can follow any), each piece's length
    first: the tables and glyph 0, glyphs 32-127, then each of glyphs 128-255."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    pieces = [packer.compress(part) + packer.flush(zlib.Z_FULL_FLUSH) for part in parts]
    return struct.pack(f">{len(pieces)}I", *map(len, pieces)) + b"".join(pieces)


def _unpacked(data: bytes, count: int) -> list[bytes] | None:
    """The `count` pieces `_packed` laid out in `data`; None when `data` is not that."""
    head = 4 * count
    if len(data) < head:
        return None
    lengths = struct.unpack(f">{count}I", data[:head])
    if head + sum(lengths) != len(data):
        return None
    pieces, at = [], head
    for length in lengths:
        pieces.append(data[at : at + length])
        at += length
    return pieces


def _padded(data: bytes) -> bytes:
    return data + bytes(-len(data) % 4)


def _checksum(data: bytes) -> int:
    padded = _padded(data)
    return int(sum(struct.unpack(f">{len(padded) // 4}I", padded))) & 0xFFFFFFFF


def _ps_name(table: bytes) -> bytes:
    """The PostScript name (name ID 6) from a `name` table."""
    count, strings = struct.unpack(">HH", table[2:6])
    for n in range(count):
        platform, _, _, name_id, length, offset = struct.unpack(
            ">6H", table[6 + 12 * n : 18 + 12 * n]
        )
        if name_id == 6:
            raw = table[strings + offset : strings + offset + length]
            text = raw.decode("utf-16-be") if platform in (0, 3) else raw.decode("latin-1")
            return "".join(c for c in text if c.isalnum() or c in "-_").encode("ascii")
    return b"Handwriting-Forms"
