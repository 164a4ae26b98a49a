"""Rendering many cards: one PDF per mail step, written as it is drawn, optionally in worker
processes. A card that fails is recorded and the batch goes on.

PDFs are reproducible: ReportLab's invariant mode fixes the creation date and document id,
font subsets are named deterministically, so the same input gives byte-identical files.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence, Sized
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from mailer.config import Config
from mailer.domain.models import Action, MailStep
from mailer.drawing import orphans
from mailer.drawing.card_writer import CardWriter, Unsupported
from mailer.drawing.fonts import HAND
from mailer.drawing.geometry import size_warning
from mailer.drawing.painter import CardPainter, PreparedCard, reproducible_canvas, saved_pdf
from mailer.errors import MailerError, WriteError
from mailer.files import ensure_folder, write_bytes_atomic

if TYPE_CHECKING:
    from concurrent.futures import Future

CHUNK = 16
"""Cards per task sent to a worker: big enough to amortise the hand-off (a few percent of a
card's time), small enough to keep progress smooth and memory flat."""


@dataclass(frozen=True, slots=True)
class RenderedCard:
    step_key: str
    contact_id: str
    template: str
    path: Path
    size: str
    mode: str
    pages: int
    sha256: str
    bytes: int


@dataclass(frozen=True, slots=True)
class RenderFailure:
    step_key: str
    contact_id: str
    message: str
    hint: str = ""


@dataclass
class RenderResult:
    """Cards written (in input order), cards refused, and warnings for the user."""

    cards: list[RenderedCard] = field(default_factory=list)
    failures: list[RenderFailure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def card_filename(contact_id: str, template: str) -> str:
    """`<contact_id>-<template>.pdf`, safe on every file system. An id that had to be
    changed gets a short hash so that two ids can't end up as the same file."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", contact_id).strip("._") or "contact"
    safe = safe[:80]
    if safe != contact_id:
        safe += "-" + hashlib.sha256(contact_id.encode()).hexdigest()[:6]
    return f"{safe}-{template}.pdf"


def card_pdf(painter: CardPainter, card: PreparedCard, sides: str = "both") -> bytes:
    """One card as PDF bytes: `both` (page 1 front, page 2 back), `front` or `back`. The
    card writer makes them, ReportLab where the card needs what the writer doesn't cover
    (see `card_writer`)."""
    writer = _WRITERS.get(painter)
    if writer is None:
        writer = _WRITERS[painter] = CardWriter(painter.geometry, painter.config.sender.name)
    try:
        return writer.write(card, sides)
    except Unsupported:
        return reportlab_card_pdf(painter, card, sides)


_WRITERS: WeakKeyDictionary[CardPainter, CardWriter] = WeakKeyDictionary()


def reportlab_card_pdf(painter: CardPainter, card: PreparedCard, sides: str = "both") -> bytes:
    """One card drawn by ReportLab on a reproducible canvas: what the card writer falls
    back to, and what its output is compared with."""
    buffer = io.BytesIO()
    title = f"{card.template} card for {card.contact_id}"
    canvas = reproducible_canvas(buffer, painter.geometry.page_size, title)
    canvas.setAuthor(painter.config.sender.name)
    if sides in ("both", "front"):
        painter.draw_front(canvas, card)
        canvas.showPage()
    if sides in ("both", "back"):
        painter.draw_back(canvas, card)
        canvas.showPage()
    return saved_pdf(canvas, buffer)


_PAINTERS: dict[tuple[int, str, str], tuple[Config, CardPainter]] = {}


def painter_for(config: Config, mode: str, size: str | None = None) -> CardPainter:
    """A painter cached per (config object, mode, size): its fonts, templates and return
    address block are reused across calls."""
    key = (id(config), mode, size or config.mail.size)
    cached = _PAINTERS.get(key)
    if cached is None or cached[0] is not config:
        if len(_PAINTERS) > 8:
            _PAINTERS.clear()
        cached = _PAINTERS[key] = (config, CardPainter(config, mode, size))
    return cached[1]


def render_card_bytes(step: MailStep, config: Config, mode: str) -> bytes:
    """One card (front page, back page) as PDF bytes in memory."""
    painter = painter_for(config, mode)
    return card_pdf(painter, painter.prepare(step))


def render_sides(step: MailStep, config: Config, size: str | None = None) -> tuple[bytes, bytes]:
    """Provider artwork: the front and the back as two single-page PDFs in memory."""
    painter = painter_for(config, "provider", size)
    card = painter.prepare(step)
    return card_pdf(painter, card, "front"), card_pdf(painter, card, "back")


def render_card_pdf(step: MailStep, config: Config, size: str | None = None) -> bytes:
    """Provider artwork in one PDF: page 1 the front, page 2 the back."""
    painter = painter_for(config, "provider", size)
    return card_pdf(painter, painter.prepare(step), "both")


def _render_one(
    painter: CardPainter, step: MailStep, out_dir: Path
) -> RenderedCard | RenderFailure:
    try:
        card = painter.prepare(step)
        data = card_pdf(painter, card)
        path = out_dir / card_filename(step.contact_id, card.template)
        write_bytes_atomic(path, data)
    except WriteError:
        raise  # a full or read-only disk stops the batch: every later card would fail too
    except MailerError as exc:
        return RenderFailure(step.step_key, step.contact_id, exc.message, exc.hint)
    return RenderedCard(
        step_key=card.step_key,
        contact_id=step.contact_id,
        template=card.template,
        path=path,
        size=painter.size,
        mode=painter.mode,
        pages=2,
        sha256=hashlib.sha256(data).hexdigest(),
        bytes=len(data),
    )


# ---- worker processes ----------------------------------------------------------------------

_worker: CardPainter | None = None


def _init_worker(config: Config, mode: str) -> None:
    global _worker
    # Killed outright, the parent can't stop its workers: they stop themselves. Ctrl-C and
    # the like are the parent's: it stops handing out work and waits for the chunks in hand.
    orphans.end_with_parent()
    # Where workers are forked, the parent's painter comes along with its fonts registered
    # and its templates compiled; elsewhere this builds one.
    _worker = painter_for(config, mode)
    _worker.stacks[HAND].primary  # noqa: B018  register the fonts once per worker


def _render_chunk(
    steps: Sequence[MailStep], out_dir: Path
) -> tuple[list[RenderedCard | RenderFailure], tuple[str, ...]]:
    assert _worker is not None
    results = []
    with orphans.drawing():
        for step in steps:
            results.append(_render_one(_worker, step, out_dir))
            orphans.stop_if_told()
    return results, _worker.warnings


Outcome = RenderedCard | RenderFailure
Progress = Callable[[Outcome], None]


class CardRenderer:
    """Draws cards into one folder as a stream: steps are read as they are needed and each
    outcome is handed back as soon as it is known, in input order, so memory stays flat
    however many cards a batch has. Nothing else is kept."""

    def __init__(self, config: Config, *, mode: str, out_dir: Path, jobs: int = 1) -> None:
        # Validates size and mode and loads every font before any work: a bad templates.font
        # is one RenderError here, not a failure on every card or a broken worker pool.
        self.painter = painter_for(config, mode)
        self.config = config
        self.mode = mode
        self.out_dir = out_dir
        self.jobs = max(1, jobs)
        ensure_folder(out_dir)
        warning = size_warning(self.painter.size) if mode == "self" else None
        self._warnings: dict[str, None] = dict.fromkeys([warning] if warning else [])

    @property
    def warnings(self) -> list[str]:
        """Things to tell the user about the cards drawn so far (size, low-DPI images)."""
        return list(self._warnings)

    def render(
        self, steps: Iterable[MailStep], *, count: int | None = None
    ) -> Generator[Outcome, None, None]:
        """An outcome per mail step (other actions are skipped), in input order. `count`
        (the number of steps, when known) sizes the chunks sent to workers."""
        mail = (s for s in steps if s.action is Action.MAIL and s.template)
        if isinstance(steps, Sized) and count is None:
            count = len(steps)
        head = list(islice(mail, 2 * self.jobs))
        if self.jobs == 1 or len(head) < 2 * self.jobs:
            for step in chain(head, mail):
                yield _render_one(self.painter, step, self.out_dir)
            self._warnings.update(dict.fromkeys(self.painter.warnings))
            return
        yield from self._in_workers(chain(head, mail), count)

    def _in_workers(self, steps: Iterator[MailStep], count: int | None) -> Iterator[Outcome]:
        # Each worker keeps two chunks queued so it never waits, and no more: steps are read
        # from the caller only as fast as the workers draw them.
        # Imported here: a batch drawn in this process needs no pool.
        from concurrent.futures import ProcessPoolExecutor

        in_flight: deque[Future[tuple[list[Outcome], tuple[str, ...]]]] = deque()
        pool = ProcessPoolExecutor(
            max_workers=self.jobs, initializer=_init_worker, initargs=(self.config, self.mode)
        )
        try:
            for part in _chunks(steps, self.jobs, count):
                in_flight.append(pool.submit(_render_chunk, part, self.out_dir))
                if len(in_flight) > 2 * self.jobs:
                    yield from self._collect(in_flight.popleft())
            while in_flight:
                yield from self._collect(in_flight.popleft())
        finally:
            # Interrupted (Ctrl-C, the caller stopped reading): chunks not started are
            # dropped, the ones in hand finish; their cards are drawn again next time.
            pool.shutdown(wait=True, cancel_futures=True)

    def _collect(self, future: Future[tuple[list[Outcome], tuple[str, ...]]]) -> Iterator[Outcome]:
        outcomes, warnings = future.result()
        self._warnings.update(dict.fromkeys(warnings))
        yield from outcomes


def _chunks(steps: Iterator[MailStep], jobs: int, count: int | None) -> Iterator[list[MailStep]]:
    """Chunks of `CHUNK` steps, shrinking towards the end of a batch of known size (a
    quarter of each worker's share of what is left), so the workers finish together."""
    sent = 0
    while True:
        size = CHUNK if count is None else max(1, min(CHUNK, (count - sent) // (jobs * 4)))
        part = list(islice(steps, size))
        if not part:
            return
        sent += len(part)
        yield part


def render_cards(
    steps: Iterable[MailStep],
    config: Config,
    *,
    mode: str,
    out_dir: Path,
    jobs: int = 1,
    on_progress: Progress | None = None,
) -> RenderResult:
    """Write `out_dir/<contact_id>-<template>.pdf` for every mail step and collect the
    outcomes (in input order); failures are collected, not raised. For batches too big to
    hold their outcomes, use `CardRenderer` directly."""
    renderer = CardRenderer(config, mode=mode, out_dir=out_dir, jobs=jobs)
    result = RenderResult()
    for outcome in renderer.render(steps):
        if isinstance(outcome, RenderedCard):
            result.cards.append(outcome)
        else:
            result.failures.append(outcome)
        if on_progress is not None:
            on_progress(outcome)
    result.warnings.extend(renderer.warnings)
    return result
