"""Cards for the ledger's mail steps: draw the ones not drawn yet, record them, and list
every card of an output folder in `manifest.csv`."""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from pathlib import Path

from mailer.config import Config
from mailer.domain.models import Action, MailStep
from mailer.drawing.batch import CardRenderer, Outcome, RenderedCard, RenderFailure
from mailer.errors import MailerError, UsageError, WriteError
from mailer.files import write_csv_rows
from mailer.ledger import Ledger, Piece, PieceStatus

RECORD_CHUNK = 64
"""Cards recorded in the ledger per write transaction while drawing."""

MANIFEST_COLUMNS = (
    "contact_id",
    "template",
    "file",
    "size",
    "mode",
    "pages",
    "bytes",
    "sha256",
    "code",
    "variant",
)


@dataclass
class CardBatch:
    """What a drawing run did: counts, and the cards it could not draw."""

    drawn: int = 0
    already: int = 0
    """Cards that were drawn before, into this folder, and left alone."""
    failures: list[RenderFailure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# A card still to draw at this stage: no card yet, or one only planned or drawn (perhaps
# in another mode or size, or into a folder since deleted).
DRAWABLE: frozenset[PieceStatus | None] = frozenset(
    {None, PieceStatus.PLANNED, PieceStatus.RENDERED}
)


KEPT_STEPS = 2048
"""Due steps that `undrawn` keeps for the drawing: a batch of up to this many is read from
the ledger once (parsing a step is about a fiftieth of a millisecond), a bigger one reads
the rest again a page at a time, so memory stays bounded by this many steps."""


@dataclass
class Undrawn:
    """The cards still to draw: their steps' keys in planning order, how many more were
    left out because their moment has passed, and the first steps as read."""

    keys: list[str]
    stale: int
    kept: dict[str, MailStep]
    """The steps of the first keys (at most `KEPT_STEPS`), by key."""

    def steps(self, ledger: Ledger, limit: int | None = None) -> Iterator[MailStep]:
        """The steps of the first `limit` keys (every key when None), in order: those kept
        as they were read, the rest read again a page at a time. Each kept step is let go
        as it is handed out."""
        keys = self.keys[:limit]
        head = keys[: len(self.kept)]  # the kept steps are those of the first keys
        for key in head:
            yield self.kept.pop(key)
        yield from ledger.steps_by_key(keys[len(head) :])


def undrawn(
    ledger: Ledger, mode: str, size: str, today: date, *, keep: int = KEPT_STEPS
) -> Undrawn:
    """The mail steps whose card is still to draw (in planning order: a long-used ledger is
    read a page at a time), the first `keep` of them kept, and how many more were left out
    because their moment has passed. Opted-out contacts are never due (`Ledger.due_cards`)."""
    found = Undrawn([], 0, {})
    # Each step's call record is read only for the steps kept: a count needs none.
    for due in ledger.due_rows(DRAWABLE, today=today):
        if due.piece is not None and _drawn(due.piece, mode, size):
            continue
        if due.passed:  # `card_moment_passed`, asked of the ledger
            found.stale += 1
            continue
        if len(found.kept) < keep:
            step = due.step()
            key = step.step_key
            found.keys.append(key)
            found.kept[key] = step
        else:
            found.keys.append(due.step_key)
    return found


def undrawn_keys(ledger: Ledger, mode: str, size: str, today: date) -> tuple[list[str], int]:
    """`undrawn` as step keys alone, and how many were left out as passed."""
    found = undrawn(ledger, mode, size, today, keep=0)
    return found.keys, found.stale


def _drawn(piece: Piece, mode: str, size: str) -> bool:
    return (
        piece.status is PieceStatus.RENDERED
        and (piece.mode, piece.size) == (mode, size)
        and piece.file is not None
        and Path(piece.file).is_file()
    )


def draw_cards(
    ledger: Ledger,
    config: Config,
    steps: Iterable[MailStep],
    *,
    mode: str,
    out_dir: Path,
    jobs: int = 1,
    count: int | None = None,
    on_progress: Callable[[Outcome | None], None] | None = None,
) -> CardBatch:
    """Draw the cards of `steps` that need it into `out_dir/cards/`, record them in the
    ledger a chunk at a time as their files are written, and rewrite
    `out_dir/manifest.csv`.
    `count` (how many steps, when known) helps share the work among `jobs` processes;
    `on_progress` hears of every step: its outcome, or None when it was drawn before.

    Steps are read as the drawing needs them and nothing is kept per card but the pieces
    in flight, so `steps` may be a generator over a ledger of any size. A run interrupted
    at any point leaves every card either recorded or still to draw."""
    size = config.mail.size
    batch = CardBatch()
    pieces: dict[str, int] = {}
    drawn: list[tuple[int, str, str]] = []
    not_drawn: list[tuple[int, str]] = []

    def todo() -> Iterator[MailStep]:
        # A chunk of steps at a time: one read for their cards, one write for the new ones.
        remaining = iter(steps)
        while chunk := list(islice(remaining, RECORD_CHUNK)):
            keys = [s.step_key for s in chunk]  # made once a step: each is a few joins
            known = ledger.pieces_for_steps(keys)
            fresh = []
            for key, step in zip(keys, chunk, strict=True):
                piece = known.get(key)
                done = piece is not None and (
                    piece.status not in DRAWABLE or _drawn(piece, mode, size)
                )
                if done:
                    batch.already += 1
                    if on_progress is not None:
                        on_progress(None)
                else:
                    fresh.append(step)
            pieces.update(ledger.ensure_pieces(fresh, mode, size))
            yield from fresh

    recorded = 0

    def record() -> None:
        nonlocal recorded
        # Taken off the lists first: a write that fails is not tried again for them.
        cards, failed = drawn[:], not_drawn[:]
        drawn.clear()
        not_drawn.clear()
        ledger.record_drawing(cards, failed)
        recorded += len(cards)

    renderer = CardRenderer(config, mode=mode, out_dir=out_dir / "cards", jobs=jobs)
    # Absolute, resolved once: the next command may run from another folder.
    cards_dir = str((out_dir / "cards").resolve())
    # Another process drawing from this ledger would choose the same cards: wait for it.
    with ledger.exclusive("drawing cards"):
        try:
            try:
                for outcome in renderer.render(todo(), count=count):
                    piece_id = pieces.pop(outcome.step_key)
                    if isinstance(outcome, RenderedCard):
                        file = f"{cards_dir}{os.sep}{outcome.path.name}"
                        drawn.append((piece_id, file, outcome.sha256))
                        batch.drawn += 1
                    else:
                        batch.failures.append(outcome)
                        not_drawn.append((piece_id, outcome.message))
                    if len(drawn) + len(not_drawn) >= RECORD_CHUNK:
                        record()
                    if on_progress is not None:
                        on_progress(outcome)
            except BaseException:
                # Stopped: the cards whose files are written are recorded if the ledger
                # can take them; if it can't (the same full disk), the first error is the
                # one to tell, and those cards are simply drawn again next run.
                with contextlib.suppress(MailerError):
                    record()
                raise
            record()  # the last chunk (a write per chunk, not per card)
        except WriteError as exc:  # a full or read-only disk: say what is safe
            kept = (
                "1 card drawn before it is"
                if recorded == 1
                else f"{recorded} cards drawn before it are"
            )
            raise WriteError(exc.message, hint=f"{exc.hint} (the {kept} in the ledger)") from None
        batch.warnings = renderer.warnings
        write_manifest(ledger, out_dir)
    return batch


def write_manifest(ledger: Ledger, out_dir: Path) -> int:
    """One line per card whose file is in `out_dir/cards/`, from the ledger (read a page at
    a time, written as read); returns the number of lines."""
    cards_dir = (out_dir / "cards").resolve()
    folder = str(cards_dir)
    listed = 0

    def rows() -> Iterator[list[str]]:
        nonlocal listed
        for card in ledger.card_files():
            # Drawing records resolved paths: a folder named as this one's is this one.
            parent, _, name = card.file.rpartition(os.sep)
            if parent != folder:
                path = Path(card.file)
                if str(path.parent) != folder and path.resolve().parent != cards_dir:
                    continue
                name = path.name
            try:
                found = os.stat(card.file)  # noqa: PTH116 (a Path a card costs more than this)
            except (OSError, ValueError):  # deleted since, or never written here
                continue
            if not stat.S_ISREG(found.st_mode):
                continue
            listed += 1
            yield [
                card.contact_id,
                card.template,
                f"cards/{name}",
                card.size,
                card.mode,
                "2",
                str(found.st_size),
                card.sha256,
                card.card_code or "",
                card.variant or "",
            ]

    write_csv_rows(out_dir / "manifest.csv", MANIFEST_COLUMNS, rows())
    return listed


def steps_to_preview(ledger: Ledger, contact: str | None) -> list[MailStep]:
    """A contact's cards, latest first, by contact id or else by name ("Amy Carter", case
    and spacing aside); else the cards not printed or sent yet (every card when all are): a
    ledger used for months would otherwise show last spring's cards. A name that several
    contacts share is refused with their ids."""
    steps = ledger.steps(Action.MAIL)
    if contact:
        wanted = " ".join(contact.split()).casefold()
        by_id = [s for s in reversed(steps) if s.contact_id.casefold() == wanted]
        if by_id:
            return by_id
        by_name = [
            s for s in reversed(steps) if " ".join(s.record.name.split()).casefold() == wanted
        ]
        ids = sorted({s.contact_id for s in by_name})
        if len(ids) > 1:
            raise UsageError(
                f"{len(ids)} contacts with a card are called {contact!r}: {', '.join(ids)}",
                hint=f"name one by its id, e.g. --contact {ids[0]}",
            )
        return by_name
    unsent = {PieceStatus.PLANNED, PieceStatus.RENDERED}
    done = {p.step_key for p in ledger.pieces() if p.status not in unsent}
    return [s for s in steps if s.step_key not in done] or steps
