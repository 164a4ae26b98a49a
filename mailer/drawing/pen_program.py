"""The pen font's program as cards embed it, cut so that a card's copy, holding only the
other forms that card draws, is put together from pieces compressed once (`card_fonts`'
`PenEmbedding` uses it)."""

from __future__ import annotations

import itertools
import struct
import zlib


class SplitProgram:
    """A TrueType program whose glyph n draws code n, cut for keeping some of its glyphs:
    the tables but `glyf` and `loca` come first in the file, then `glyf` (glyphs 0-127,
    then those kept), then `loca`. Everything but the table directory and `loca` is
    compressed once: the tables and glyphs 0-127 together, each other glyph on its own, so
    a program for a new set of glyphs is mostly pieces put together."""

    def __init__(self, program: bytes) -> None:
        count = struct.unpack(">H", program[4:6])[0]
        tables = {}
        for n in range(count):
            tag, _, offset, length = struct.unpack(">4sIII", program[12 + 16 * n : 28 + 16 * n])
            tables[tag] = program[offset : offset + length]
        head = bytearray(tables[b"head"])
        head[8:12] = bytes(4)  # no whole-file checksum: it would differ from card to card
        long_loca = struct.unpack(">h", head[50:52])[0] == 1
        head[50:52] = struct.pack(">h", 1)  # written long
        tables[b"head"] = bytes(head)
        loca = tables.pop(b"loca")
        glyf = tables.pop(b"glyf")
        size = 4 if long_loca else 2
        ends = struct.unpack(f">{len(loca) // size}{'I' if long_loca else 'H'}", loca)
        step = 1 if long_loca else 2
        self.glyphs = [_padded(glyf[a * step : b * step]) for a, b in itertools.pairwise(ends)]
        self.name = _ps_name(tables[b"name"])
        self.tags = sorted([*tables, b"glyf", b"loca"])
        fixed = b"".join(_padded(tables[tag]) for tag in sorted(tables))
        self.own = b"".join(self.glyphs[:128])
        self.own_sum = _checksum(self.own)
        self.head_size = 12 + 16 * len(self.tags)
        self.records = {}
        offset = self.head_size
        for tag in sorted(tables):
            self.records[tag] = (_checksum(tables[tag]), offset, len(tables[tag]))
            offset += len(_padded(tables[tag]))
        self.glyf_at = offset
        self.fixed = fixed + self.own
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        self.fixed_deflated = packer.compress(self.fixed) + packer.flush(zlib.Z_FULL_FLUSH)
        # A full flush after each: a piece needs nothing before it, so any can follow any.
        self.packed = [packer.compress(g) + packer.flush(zlib.Z_FULL_FLUSH) for g in self.glyphs]
        self.sums = [_checksum(g) for g in self.glyphs]
        self.own_loca = [0]
        for glyph in self.glyphs[:128]:
            self.own_loca.append(self.own_loca[-1] + len(glyph))

    def keeping(self, others: tuple[int, ...]) -> tuple[bytes, int]:
        """The program with glyphs 0-127 and `others` (in order), compressed (zlib), and
        its length."""
        glyphs = self.glyphs
        kept = b"".join(glyphs[code] for code in others)
        offsets = list(self.own_loca)
        total = offsets[-1]
        wanted = iter((*others, 256))
        next_kept = next(wanted)
        for code in range(128, 256):
            if code == next_kept:
                total += len(glyphs[code])
                next_kept = next(wanted)
            offsets.append(total)
        loca = struct.pack(f">{len(offsets)}I", *offsets)
        glyf_size = len(self.own) + len(kept)
        records = dict(self.records)
        glyf_sum = self.own_sum + sum(self.sums[code] for code in others)
        records[b"glyf"] = (glyf_sum & 0xFFFFFFFF, self.glyf_at, glyf_size)
        records[b"loca"] = (sum(offsets) & 0xFFFFFFFF, self.glyf_at + glyf_size, len(loca))
        count = len(self.tags)
        power = 1 << (count.bit_length() - 1)
        directory = struct.pack(
            ">IHHHH", 0x00010000, count, 16 * power, power.bit_length() - 1, 16 * (count - power)
        ) + b"".join(struct.pack(">4sIII", tag, *records[tag]) for tag in self.tags)
        # Small and new each time: compressed quickly, in a small window.
        first = zlib.compressobj(6, zlib.DEFLATED, -12, 4)
        last = zlib.compressobj(6, zlib.DEFLATED, -12, 4)
        check = zlib.adler32(self.fixed, zlib.adler32(directory))
        check = zlib.adler32(loca, zlib.adler32(kept, check))
        data = b"".join(
            (
                b"\x78\xda",
                first.compress(directory) + first.flush(zlib.Z_FULL_FLUSH),
                self.fixed_deflated,
                *(self.packed[code] for code in others),
                last.compress(loca) + last.flush(),
                struct.pack(">I", check),
            )
        )
        return data, len(directory) + len(self.fixed) + len(kept) + len(loca)


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
