"""ReportLab's imposition of print sheets, kept as the reference the placed sheets
(`mailer.printing.sheet_writer`) are held to: each card drawn by ReportLab straight into its
slot on a canvas, in part documents of a few hundred cards saved as they fill (ReportLab
keeps a document's pages until it is saved), then joined into one file a part at a time.

The library once printed this way; it now places the drawn cards' own PDFs. The tests draw
the same sheets here and compare them, page by page, with what the library writes.

Joining the parts: each part is read, renumbered and written out before the next is read.
Object numbers change (every `N 0 R` outside strings), and the six-letter tags of embedded
font subsets, which ReportLab starts afresh in every document, get a tag of their own per
part (two different subsets under one name confuse viewers and printers that cache fonts by
name). The file ID is a digest of what was written, so the same parts give the same bytes.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import BinaryIO, TypeVar

from reportlab.pdfgen.canvas import Canvas

from mailer.drawing.geometry import Rect
from mailer.printing.imposition import (
    MARK_WIDTH,
    ImpositionResult,
    add_points,
    by_sheet,
    mark_lines,
    print_instructions,
)
from mailer.printing.joining import (
    NAME_TAG,
    OBJECT_HEADER,
    REFERENCE,
    JoinError,
    cross_references,
    pdf_value,
)
from mailer.printing.stocks import Stock, mirrors_columns

T = TypeVar("T")
DrawCard = Callable[[Canvas, float, float, T], None]

PART_CARDS = 400
"""Cards per part document: ReportLab holds a part's pages (about 20 KB a card) until the
part is saved; each part embeds its own font subsets (about 30 KB a part in the file)."""
_PAGES = 2
"""The joined file's page tree: object 1 is the catalog, 2 the pages, 3 the document info."""
_INFO = 3


def impose(
    items: Iterable[T],
    stock: Stock,
    out: Path | BinaryIO,
    *,
    duplex: str,
    draw_front: DrawCard[T],
    draw_back: DrawCard[T],
    offset_front: tuple[float, float] = (0.0, 0.0),
    offset_back: tuple[float, float] = (0.0, 0.0),
    crop_marks: bool | None = None,
    part_cards: int = PART_CARDS,
) -> ImpositionResult:
    """Write `items` onto sheets of `stock` as a PDF, in the order given.

    With `long-edge` or `short-edge` duplex the pages go front 1, back 1, front 2, ...; with
    `none` all fronts come first, then all backs, for feeding the stack through again by hand.
    Each back sits exactly behind its own front once the sheet is turned over (see
    `stocks.mirrors_columns`). `offset_front`/`offset_back` (points, x right, y up) add to the
    stock's own offsets to correct printer drift. Crop marks go on the fronts; `None` means the
    stock's default: marks on plain stock, none on perforated stock.
    """
    mirrors_columns(duplex, stock.landscape)  # rejects an unknown mode before writing anything
    per_sheet = stock.per_sheet
    with_marks = (not stock.perforated) if crop_marks is None else crop_marks
    front_shift = add_points(stock.front_offset, offset_front)
    back_shift = add_points(stock.back_offset, offset_back)
    fronts, backs = stock.slots(), stock.back_slots(duplex)
    sheet_rect = Rect(0.0, 0.0, stock.sheet_width, stock.sheet_height)
    marks = mark_lines(fronts, sheet_rect) if with_marks else []
    part_sheets = max(1, part_cards // per_sheet)
    sheets = cards = 0
    # Parts beside the output, so a full disk is the output's own error.
    where = out.parent if isinstance(out, Path) else None
    with tempfile.TemporaryDirectory(prefix=".print-parts-", dir=where) as folder:
        parts = _Parts(Path(folder), stock, separate_backs=duplex == "none")
        for sheet in by_sheet(items, per_sheet):
            if sheets % part_sheets == 0:
                parts.start()
            _page(parts.fronts, sheet, fronts, front_shift, draw_front, marks)
            _page(parts.backs, sheet, backs, back_shift, draw_back, [])
            sheets += 1
            cards += len(sheet)
        if not sheets:
            parts.start()  # a file with no cards is still a PDF
        parts.finish()
        title = f"mailer: {cards} cards on {stock.name}"
        if isinstance(out, Path):
            with out.open("wb") as target:
                join_parts(parts.in_order(), target, title=title)
        else:
            join_parts(parts.in_order(), out, title=title)
    return ImpositionResult(
        sheets=sheets,
        pages=2 * sheets,
        cards=cards,
        instructions=print_instructions(stock, duplex, sheets),
    )


class _Parts:
    """The small documents a batch is drawn into, a few hundred cards each: fronts and backs
    in one document each sheet after the other, or (duplex `none`) in two, all fronts
    first."""

    def __init__(self, folder: Path, stock: Stock, *, separate_backs: bool) -> None:
        self.folder = folder
        self.stock = stock
        self.separate_backs = separate_backs
        self.front_files: list[Path] = []
        self.back_files: list[Path] = []
        self._open: list[Canvas] = []

    def start(self) -> None:
        self.finish()
        self.fronts = self._new(self.front_files)
        self.backs = self._new(self.back_files) if self.separate_backs else self.fronts

    def _new(self, files: list[Path]) -> Canvas:
        path = self.folder / f"part-{len(self.front_files) + len(self.back_files):05d}.pdf"
        files.append(path)
        canvas = Canvas(str(path), pagesize=self.stock.pagesize, invariant=True, pageCompression=1)
        canvas.setCreator("mailer")
        self._open.append(canvas)
        return canvas

    def finish(self) -> None:
        """Save the open documents: their pages leave memory."""
        for canvas in self._open:
            canvas.save()
        self._open = []

    def in_order(self) -> list[Path]:
        return [*self.front_files, *self.back_files] if self.separate_backs else self.front_files


def _page(
    canvas: Canvas,
    cards: Sequence[T],
    slots: Sequence[Rect],
    shift: tuple[float, float],
    draw: DrawCard[T],
    marks: Sequence[tuple[float, float, float, float]],
) -> None:
    canvas.saveState()
    # Drift moves everything the printer puts on this side, marks included.
    canvas.translate(*shift)
    for card, slot in zip(cards, slots, strict=False):
        canvas.saveState()
        # A card never paints over its neighbour, whatever the template draws.
        clip = canvas.beginPath()
        clip.rect(slot.x, slot.y, slot.w, slot.h)
        canvas.clipPath(clip, stroke=0, fill=0)
        draw(canvas, slot.x, slot.y, card)
        canvas.restoreState()
    if marks:
        canvas.setLineWidth(MARK_WIDTH)
        canvas.setStrokeColorRGB(0, 0, 0)
        canvas.lines(marks)
    canvas.restoreState()
    canvas.showPage()


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
