"""Home and office printing: the self-mail cards laid out on sheets, and what the batch
needs in stamps."""

from __future__ import annotations

import filecmp
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date
from itertools import chain, islice
from pathlib import Path

from mailer.config import Config
from mailer.domain.addresses import is_domestic, mail_to
from mailer.domain.models import MailStep
from mailer.domain.moments import card_moment_passed
from mailer.errors import MailerError, UsageError
from mailer.files import written_beside
from mailer.ledger import Ledger, PieceStatus
from mailer.printing.stocks import Stock, find_stock, load_stocks

Fetch = Callable[[Sequence[str]], Iterable[MailStep]]
"""Steps by step key, in the order asked (`Ledger.steps_by_key`)."""
Drawn = Callable[[Sequence[str]], Mapping[str, tuple[str, str]]]
"""The drawn card of each of these steps that can go on the sheets as it is: its file and
the SHA-256 the ledger recorded for it."""

FETCH_PAGE = 500
"""Steps read at a time while the sheets are drawn."""


@dataclass(frozen=True)
class PrintFailure:
    contact_id: str
    message: str
    hint: str = ""
    step_key: str = ""


@dataclass
class PrintReport:
    cards: int = 0
    sheets: int = 0
    pages: int = 0
    domestic: int = 0
    international: int = 0
    postage: float = 0.0
    instructions: str = ""
    path: Path | None = None
    """Where the sheets went: `out`, or `print-2.pdf` and so on when `out` holds another
    batch already."""
    printed: list[str] = field(default_factory=list)
    """Step keys of the cards on the sheets."""
    failures: list[PrintFailure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    stock: str = ""
    """The stock's name, for the summary."""


def printable_keys(
    ledger: Ledger, today: date, reprint: bool, *, step_keys: Collection[str] | None = None
) -> tuple[list[str], int]:
    """Self-mail cards that can go on sheets now (with `reprint`, also the last batch
    printed), as step keys in planning order (a long-used ledger is read a page at a time;
    `Ledger.steps_by_key` reads the steps again as the sheets need them), and how many were
    too late to print; only those of `step_keys` when given (a session's own cards).
    Opted-out contacts are never due (see `Ledger.due_cards`)."""
    chosen, stale = [], 0
    for step in printable_steps(ledger, today, reprint, step_keys=step_keys):
        if step is None:
            stale += 1
        else:
            chosen.append(step.step_key)
    return chosen, stale


def printable_steps(
    ledger: Ledger, today: date, reprint: bool, *, step_keys: Collection[str] | None = None
) -> Iterator[MailStep | None]:
    """`printable_keys` as the ledger is read: each card's step, or None for a card too late
    to print. `mailer run` hands the steps straight to `print_batch`, which would otherwise
    read each from the ledger again for the sheets' order."""
    statuses: set[PieceStatus | None] = {None, PieceStatus.PLANNED, PieceStatus.RENDERED}
    last_print = None
    if reprint:
        statuses.add(PieceStatus.PRINTED)
        printed = ledger.pieces(PieceStatus.PRINTED)
        last_print = max((p.printed_at for p in printed if p.printed_at), default=None)
    for due in ledger.due_cards(statuses, step_keys=step_keys):
        piece = due.piece
        if piece is not None and piece.mode == "provider":
            continue  # drawn for the provider: `mailer send` mails it
        printed_at = piece.printed_at if piece is not None else None
        if printed_at is not None and printed_at != last_print:
            continue  # printed in an earlier batch: only the last one prints again
        yield None if card_moment_passed(due.step, today) else due.step


def settle(partial: Path, out: Path) -> Path:
    """Give the finished file its name without losing an earlier batch: a second print the
    same day goes to print-2.pdf. The same sheets again (a re-run after an interruption: the
    output is byte-for-byte reproducible) replace their own file instead of adding one."""
    candidate, number = out, 1
    # Compared a block at a time: a big batch's file is never read into memory whole.
    while candidate.exists() and not filecmp.cmp(candidate, partial, shallow=False):
        number += 1
        candidate = out.with_name(f"{out.stem}-{number}{out.suffix}")
    partial.replace(candidate)
    return candidate


def stock_for(config: Config, name: str | None) -> Stock:
    where = str(config.source) if config.source else "mailer.toml"
    stocks = load_stocks(config.print.stocks, source=where)
    return find_stock(stocks, name or config.print.stock)


SortKey = Callable[[MailStep], tuple[str, str, str]]


def sort_key(order: str) -> SortKey | None:
    """Zip order is what a post office likes to receive; name order is easy to check."""

    def by_zip(step: MailStep) -> tuple[str, str, str]:
        address = mail_to(step.record)
        return (address.country, address.postal_code, step.record.last_name.casefold())

    def by_name(step: MailStep) -> tuple[str, str, str]:
        r = step.record
        return (r.last_name.casefold(), r.first_name.casefold(), r.contact_id)

    if order == "zip":
        return by_zip
    if order == "name":
        return by_name
    if order == "input":
        return None
    raise UsageError(f"--sort {order!r} is not supported", hint="use zip, name or input")


def print_sheets(
    steps: Iterable[MailStep],
    config: Config,
    stock: Stock,
    out: Path,
    *,
    duplex: str,
    sort: str = "zip",
    offset_front: tuple[float, float] = (0.0, 0.0),
    offset_back: tuple[float, float] = (0.0, 0.0),
    claim: Callable[[list[str]], AbstractContextManager[None]] | None = None,
    fetch: Fetch | None = None,
    drawn: Drawn | None = None,
) -> PrintReport:
    """Write `out` (a PDF of sheets) with every card that can be drawn; a card that can't is
    listed in `failures` and left off the sheets. `claim(step_keys)`, when given, holds the
    final renaming of the sheets: the cards on them are recorded printed in the same breath,
    and nothing is kept when it refuses.

    Memory stays flat however many cards there are: `steps` is read once for the order of
    the cards (only each card's sort key and step key are kept), and with `fetch` (the
    ledger's `steps_by_key`) the steps of the cards not drawn yet are read again a page
    at a time as their sheets are drawn; each is laid out just before its sheet is drawn.
    A drawn card (`drawn`) is placed from its file: its step is not read again."""
    from mailer.drawing.batch import card_pdf
    from mailer.drawing.geometry import card_geometry
    from mailer.drawing.painter import CardPainter
    from mailer.printing.sheet_writer import write_sheets

    report = PrintReport(warnings=stock.warnings())
    painter: CardPainter | None = None  # made only for a card not drawn yet: it takes a while
    order, kept, abroad = _print_order(steps, sort_key(sort), keep=fetch is None)
    get: Fetch = fetch or (lambda keys: (kept[key] for key in keys))
    stamps = config.print.stamps

    def card_pdfs() -> Iterator[bytes]:
        nonlocal painter
        for start in range(0, len(order), FETCH_PAGE):
            page = order[start : start + FETCH_PAGE]
            files = drawn(page) if drawn else {}
            # A drawn card is placed as it is: only the steps of the others are read again
            # (and the step of a drawn card whose file is gone or changed, when it comes).
            fetched = {step.step_key: step for step in get([k for k in page if k not in files])}
            for key in page:  # `order`'s own strings are kept, not each step's new copy
                data = _drawn_pdf(*files[key]) if key in files else None
                if data is None:
                    if key in files:
                        fetched.update((s.step_key, s) for s in get([key]))
                    step = fetched.pop(key, None)
                    if step is None:
                        continue
                    # A bad font or template folder stops the batch here, as one error.
                    painter = painter or CardPainter(config, "self", stock.card)
                    try:
                        data = card_pdf(painter, painter.prepare(step))
                    except MailerError as exc:
                        failure = PrintFailure(step.contact_id, exc.message, exc.hint, key)
                        report.failures.append(failure)
                        continue
                report.printed.append(key)
                if key not in abroad:
                    report.domestic += 1
                yield data

    cards = card_pdfs()
    first = next(cards, None)
    if first is None:
        return report  # no card could be drawn: no sheets

    def keep(partial: Path, final: Path) -> Path:
        with claim(report.printed) if claim else nullcontext():
            report.path = settle(partial, final)
        return report.path

    with written_beside(out, keep) as partial, partial.open("wb") as target:
        result = write_sheets(
            chain([first], cards),
            stock,
            target,
            duplex=duplex,
            trim=card_geometry(stock.card, "self").trim,
            offset_front=offset_front,
            offset_back=offset_back,
        )
    report.cards, report.sheets, report.pages = result.cards, result.sheets, result.pages
    report.instructions = result.instructions
    report.international = report.cards - report.domestic
    report.postage = report.domestic * stamps.domestic + report.international * stamps.international
    return report


def _drawn_pdf(file: str, sha256: str) -> bytes | None:
    """A drawn card's PDF, when it is still the file drawn (the same SHA-256) and the card
    writer's (the sheets place its pages as they are); else None: the card is drawn again
    in memory."""
    import hashlib

    try:
        data = Path(file).read_bytes()
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != sha256 or b"/Producer (mailer)" not in data:
        return None
    return data


def _print_order(
    steps: Iterable[MailStep], key: SortKey | None, *, keep: bool
) -> tuple[list[str], dict[str, MailStep], set[str]]:
    """The step keys in print order, (with `keep`) the steps by key, and the keys of the
    cards mailed abroad (their postage: a drawn card's step is not read again). A card is
    one string while the order is worked out (its sort key, its place in the input and its
    step key, joined by NULs, which no text of a step holds and which sort before every
    other character: the order of the tuples, in a tenth of their memory)."""
    kept: dict[str, MailStep] = {}
    abroad: set[str] = set()
    ranked: list[str] = []
    for index, step in enumerate(steps):
        step_key = step.step_key
        if keep:
            kept[step_key] = step
        if not is_domestic(mail_to(step.record)):
            abroad.add(step_key)
        parts = key(step) if key else ()
        ranked.append("\0".join((*parts, f"{index:012d}", step_key)))
    ranked.sort()
    return [entry.rsplit("\0", 1)[1] for entry in ranked], kept, abroad


def print_batch(
    ledger: Ledger,
    config: Config,
    steps: Iterable[MailStep],
    out: Path,
    today: date,
    *,
    stock_name: str | None = None,
    duplex: str | None = None,
    sort: str | None = None,
    offsets: tuple[tuple[float, float], tuple[float, float]] = ((0.0, 0.0), (0.0, 0.0)),
    reprint: bool = False,
) -> PrintReport:
    """Lay the cards out on sheets (the config's stock, duplex and order unless given) and
    record the ones on the sheets as printed `today`, holding the ledger's lock (see
    `Ledger.exclusive`). The sheets keep their name only once their cards are recorded:
    a card printed before (by another process, say) keeps the sheets from being written,
    unless `reprint` asks for the last batch again.

    `steps` is read once, and may be a generator over the ledger: the steps are read again
    from the ledger a page at a time as their sheets are drawn."""
    stock = stock_for(config, stock_name)

    def with_pieces() -> Iterator[MailStep]:
        remaining = iter(steps)
        while chunk := list(islice(remaining, FETCH_PAGE)):
            ledger.ensure_pieces(chunk, "self", stock.card)  # one write a page of cards
            yield from chunk

    def claim(keys: list[str]) -> AbstractContextManager[None]:
        ids: list[int] = []
        for start in range(0, len(keys), FETCH_PAGE):
            page = keys[start : start + FETCH_PAGE]
            cards = ledger.pieces_for_steps(page)
            ids.extend(cards[key].id for key in page)
        return ledger.printing(ids, today, reprint=reprint)

    def drawn(keys: Sequence[str]) -> dict[str, tuple[str, str]]:
        return {
            key: (piece.file, piece.sha256)
            for key, piece in ledger.pieces_for_steps(keys).items()
            if piece.status is PieceStatus.RENDERED
            and (piece.mode, piece.size) == ("self", stock.card)
            and piece.file is not None
            and piece.sha256 is not None
        }

    with ledger.exclusive("printing cards"):
        from mailer.printing.imposition import clear_old_parts

        clear_old_parts(out.parent)
        report = print_sheets(
            with_pieces(),
            config,
            stock,
            out,
            duplex=duplex or config.print.duplex,
            sort=sort or config.print.sort,
            offset_front=offsets[0],
            offset_back=offsets[1],
            claim=claim,
            fetch=ledger.steps_by_key,
            drawn=drawn,
        )
    report.stock = stock.name
    return report
