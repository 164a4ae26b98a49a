"""Cards for the ledger's mail steps: draw the ones not drawn yet, record them, and list
every card of an output folder in `manifest.csv`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mailer.config import Config
from mailer.ledger import Ledger, Piece, PieceStatus
from mailer.models import Action, MailStep
from mailer.render.batch import Progress, RenderResult, render_cards
from mailer.tables import write_csv_rows

MANIFEST_COLUMNS = ("contact_id", "template", "file", "size", "mode", "pages", "bytes", "sha256")
# Once a card has been printed, sent, refused or cancelled, drawing it again would change
# history (a redrawn refused card would go out again without --retry-failed).
FINISHED = frozenset(
    {
        PieceStatus.PRINTED,
        PieceStatus.SUBMITTING,
        PieceStatus.SUBMITTED,
        PieceStatus.FAILED,
        PieceStatus.CANCELLED,
    }
)


@dataclass(frozen=True)
class CardBatch:
    result: RenderResult
    already: int
    """Cards that were drawn before, into this folder, and left alone."""


def undrawn_steps(ledger: Ledger, mode: str, size: str) -> list[MailStep]:
    """The recorded mail steps, of contacts not suppressed, whose card is still to draw."""
    suppressed = {contact for contact, _, _ in ledger.suppressed()}
    steps = [s for s in ledger.steps(Action.MAIL) if s.contact_id not in suppressed]
    return to_draw(ledger, steps, mode, size)


def to_draw(ledger: Ledger, steps: Sequence[MailStep], mode: str, size: str) -> list[MailStep]:
    """The steps whose card is not drawn yet (or whose file has gone missing)."""
    todo = []
    for step in steps:
        piece = ledger.piece_for_step(step.step_key)
        if piece is None or not (piece.status in FINISHED or _drawn(piece, mode, size)):
            todo.append(step)
    return todo


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
    steps: Sequence[MailStep],
    *,
    mode: str,
    out_dir: Path,
    jobs: int = 1,
    on_progress: Progress | None = None,
) -> CardBatch:
    """Draw the cards of `steps` that need it into `out_dir/cards/`, record each in the
    ledger, and rewrite `out_dir/manifest.csv`."""
    size = config.mail.size
    todo = to_draw(ledger, steps, mode, size)
    pieces = {s.step_key: ledger.ensure_piece(s, mode, size) for s in todo}
    result = render_cards(
        todo, config, mode=mode, out_dir=out_dir / "cards", jobs=jobs, on_progress=on_progress
    )
    for card in result.cards:
        # Absolute: the next command may run from another folder with the same ledger.
        path = str(card.path.resolve())
        ledger.record_render(pieces[card.step_key].id, path, card.sha256)
    write_manifest(ledger, out_dir)
    return CardBatch(result, already=len(steps) - len(todo))


def write_manifest(ledger: Ledger, out_dir: Path) -> list[Piece]:
    """One line per card whose file is in `out_dir/cards/`, from the ledger."""
    cards_dir = (out_dir / "cards").resolve()
    listed = []
    for piece in ledger.pieces():
        if not piece.file or piece.sha256 is None:
            continue
        path = Path(piece.file)
        if path.resolve().parent != cards_dir or not path.is_file():
            continue
        listed.append(piece)
    rows = [
        [
            p.contact_id,
            p.template,
            f"cards/{Path(p.file or '').name}",
            p.size,
            p.mode,
            "2",
            str(Path(p.file or "").stat().st_size),
            p.sha256 or "",
        ]
        for p in sorted(listed, key=lambda p: (p.contact_id, p.template))
    ]
    write_csv_rows(out_dir / "manifest.csv", MANIFEST_COLUMNS, rows)
    return listed


def steps_to_preview(ledger: Ledger, contact: str | None) -> list[MailStep]:
    """A contact's cards, latest first; else the cards not printed or sent yet (every card
    when all are): a ledger used for months would otherwise show last spring's cards."""
    steps = ledger.steps(Action.MAIL)
    if contact:
        return [s for s in reversed(steps) if s.contact_id == contact]
    unsent = {PieceStatus.PLANNED, PieceStatus.RENDERED}
    done = {p.step_key for p in ledger.pieces() if p.status not in unsent}
    return [s for s in steps if s.step_key not in done] or steps
