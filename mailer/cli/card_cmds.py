"""`mailer render`, `mailer print`, `mailer preview`: the cards themselves."""

from __future__ import annotations

import gc
import math
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Protocol

import typer
from rich.markup import escape

from mailer.cli.common import (
    ConfigOption,
    DbOption,
    DemoOption,
    ExitCode,
    TodayOption,
    counted,
    err,
    handles_errors,
    hint,
    load_config,
    next_step,
    open_ledger,
    output_folder,
    progress_bar,
    require_details,
    resolve_today,
    warn,
)
from mailer.domain.postcards import CardMode
from mailer.errors import UsageError
from mailer.files import ensure_folder

if TYPE_CHECKING:
    from mailer.config import Config
    from mailer.domain.models import MailStep
    from mailer.drawing.draw import CardBatch
    from mailer.ledger import Ledger
    from mailer.printing.sheets import PrintReport

OutOption = Annotated[
    Path | None,
    typer.Option(
        "--out",
        help="Output folder. Default: output/YYYY-MM-DD/ (the --today date).",
        file_okay=False,
        show_default=False,
    ),
]
JobsOption = Annotated[
    int, typer.Option("--jobs", "-j", min=1, max=64, help="Worker processes for drawing.")
]
ModeOption = Annotated[
    str | None,
    typer.Option(
        "--mode",
        help="self (you print and stamp) or provider (Lob or PostGrid print and mail). "
        "Default: [mail] mode in the config.",
        show_default=False,
    ),
]


def card_mode(config: Config, mode: str | None) -> str:
    chosen = mode or config.mail.mode
    if chosen not in tuple(CardMode):
        raise UsageError(f"--mode {chosen!r} is not supported", hint="use self or provider")
    return chosen


def draw_with_progress(
    ledger: Ledger,
    config: Config,
    steps: Iterable[MailStep],
    *,
    total: int,
    mode: str,
    folder: Path,
    jobs: int,
) -> CardBatch:
    """Draw cards with a progress bar (`total` steps), and report what could not be drawn."""
    from mailer.drawing.draw import draw_cards

    with start_up_set_aside(), progress_bar("drawing cards", total) as advance:
        batch = draw_cards(
            ledger,
            config,
            steps,
            mode=mode,
            out_dir=folder,
            jobs=jobs,
            count=total,
            on_progress=advance,
        )
    show_cards(batch)
    return batch


@contextmanager
def start_up_set_aside() -> Iterator[None]:
    """While the block runs, what start-up made (modules, fonts, templates) is set aside
    from the cycle collector: it lives as long as the process, and the collector's full
    runs while thousands of cards are drawn then walk only what the cards make (about 3%
    fewer instructions a card). Put back afterwards, so the process is left as it was."""
    if gc.get_freeze_count():  # set aside already, by whoever did it: theirs to undo
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def show_cards(batch: CardBatch) -> None:
    """The warnings of a drawing run, and each card it could not draw."""
    for warning in batch.warnings:
        warn(warning)
    say_failures("card not drawn", batch.failures)


MANY_FAILURES = 30
"""Past this many refused cards, the rest are counted, not listed (rejects.csv has each)."""


class _Refused(Protocol):
    @property
    def contact_id(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def hint(self) -> str: ...


def say_failures(what: str, failures: Sequence[_Refused]) -> None:
    """Each refused card with its fix, or the first few dozen and a count of the rest: a
    template that can't be drawn refuses every card, and a thousand lines help no one."""
    for failure in failures[:MANY_FAILURES]:
        say_failure(what, failure.contact_id, failure.message, failure.hint)
    if len(failures) > MANY_FAILURES:
        more = len(failures) - MANY_FAILURES
        err.print(f"[red]... and {counted(more, 'more card')}[/red] refused like these")
        hint("rejects.csv in the output folder lists every one, each with its fix")


def say_failure(what: str, contact_id: str, message: str, fix: str) -> None:
    # Messages quote paths, field names and template text: never read them as markup.
    err.print(f"[red]{what}:[/red] {escape(contact_id)}: {escape(message)}")
    if fix:
        hint(fix)


@handles_errors
def render(
    mode: ModeOption = None,
    jobs: JobsOption = 1,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Draw at most N cards.")
    ] = None,
    out_dir: OutOption = None,
    today: TodayOption = None,
    config: ConfigOption = None,
    db: DbOption = None,
    demo: DemoOption = False,
) -> None:
    """Draw the planned cards that are not drawn yet: one PDF per card (page 1 front, page 2
    back) in DIR/cards/, listed in DIR/manifest.csv. Running it again draws nothing twice,
    except a card drawn in another --mode or whose file has gone missing."""
    from mailer.drawing.draw import KEPT_STEPS, undrawn

    day = resolve_today(today)
    settings = load_config(config, demo=demo)
    chosen = card_mode(settings, mode)
    folder = output_folder(out_dir, day)
    with open_ledger(db, config, create=False, work="mailer render") as ledger:
        # Also cards drawn before in another mode or size, or whose file has gone missing.
        # The first steps are kept as read for the drawing: read once, not twice (and no
        # more of them than --limit draws).
        keep = min(KEPT_STEPS, limit or KEPT_STEPS)
        due = undrawn(ledger, chosen, settings.mail.size, day, keep=keep)
        keys, stale = due.keys, due.stale
        if stale:
            warn(
                f"{counted(stale, 'planned card')} {'was' if stale == 1 else 'were'} not "
                f"drawn: {'its' if stale == 1 else 'their'} offer has passed; plan again"
            )
        keys = keys[:limit]
        if not keys:
            err.print("no cards to draw: every planned card is drawn")
            next_step("`mailer plan CALLS.csv` after a calling session plans new ones")
            return
        require_details(settings)
        batch = draw_with_progress(
            ledger,
            settings,
            due.steps(ledger, limit),
            total=len(keys),
            mode=chosen,
            folder=folder,
            jobs=jobs,
        )
        # Only the refused cards' steps are read again, for rejects.csv.
        refused = list(ledger.steps_by_key(f.step_key for f in batch.failures))
    err.print(
        f"drew {counted(batch.drawn, 'card')} into {folder / 'cards'}/ "
        f"(list: {folder / 'manifest.csv'})",
        markup=False,
    )
    if batch.failures:
        from mailer.planning.documents import add_rejects
        from mailer.session import refused_cards

        add_rejects(folder / "rejects.csv", refused_cards(batch, refused))
        hint(f"the cards not drawn are in {folder / 'rejects.csv'}, each with its fix")
        raise typer.Exit(ExitCode.PARTIAL)
    if chosen == "self":
        next_step("`mailer print` lays them out on sheets for your printer")
    else:
        next_step("`mailer send` shows what would go to the provider")


def parse_offset(value: str | None, option: str) -> tuple[float, float]:
    """'X,Y' in inches, or with mm, pt or in after the numbers (one unit for both) -> points."""
    if not value:
        return (0.0, 0.0)
    units = {"mm": 72 / 25.4, "pt": 1.0, "in": 72.0}
    parts = [part.strip() for part in value.strip().lower().split(",")]
    written = {u for u in units for part in parts if part.endswith(u)}
    unit = written.pop() if len(written) == 1 else "in"
    try:
        x, y = (float(part.removesuffix(unit)) for part in parts)
    except ValueError:
        x = y = math.nan
    if not (math.isfinite(x) and math.isfinite(y)):
        raise UsageError(
            f"{option} {value!r} is not an offset",
            hint=f"write X,Y in inches (right and up), e.g. {option} 0.04,-0.02 or 1,-0.5mm",
        )
    return (x * units[unit], y * units[unit])


def print_summary(report: PrintReport, stock_name: str, out: Path, config: Config) -> None:
    stamps = config.print.stamps
    err.print(
        f"{counted(report.cards, 'card')} on {counted(report.sheets, 'sheet')} of {stock_name} "
        f"({counted(report.pages, 'page')}): {out}",
        markup=False,
    )
    parts = [f"{report.domestic} x ${stamps.domestic:.2f}"]
    if report.international:
        parts.append(f"{report.international} international x ${stamps.international:.2f}")
    err.print(
        f"stamps: {' + '.join(parts)} = ${report.postage:.2f} "
        f"(prices of {stamps.since.isoformat()}; check them in [print.stamps])",
        markup=False,
    )
    err.print(report.instructions, markup=False)


def do_print(
    ledger: Ledger,
    config: Config,
    steps: Iterable[MailStep],
    *,
    stock_name: str | None,
    duplex: str | None,
    sort: str | None,
    out: Path,
    today: date,
    offsets: tuple[tuple[float, float], tuple[float, float]] = ((0.0, 0.0), (0.0, 0.0)),
    reprint: bool = False,
) -> PrintReport:
    """Print the cards and say what it takes."""
    from mailer.printing.sheets import print_batch

    report = print_batch(
        ledger,
        config,
        steps,
        out,
        today,
        stock_name=stock_name,
        duplex=duplex,
        sort=sort,
        offsets=offsets,
        reprint=reprint,
    )
    show_print(report, out, config)
    return report


def show_print(report: PrintReport, out: Path, config: Config) -> None:
    """Warnings, the cards left off, and the summary of a print batch."""
    for warning in report.warnings:
        warn(warning)
    say_failures("card left off", report.failures)
    if report.cards:
        print_summary(report, report.stock, report.path or out, config)


@handles_errors
def print_(
    stock: Annotated[
        str | None,
        typer.Option(
            "--stock",
            help="avery-5389 (2 x 4x6 per letter sheet), avery-8387 (4 quarter-letter), "
            "letter-2up, letter-4up, a4-2up, a4-4up (four A6), a4-2up-quarter, or one "
            "from [[print.stocks]].",
            show_default=False,
        ),
    ] = None,
    duplex: Annotated[
        str | None,
        typer.Option(
            "--duplex",
            help="long-edge, short-edge (the printer's two-sided setting) or none (all "
            "fronts, then all backs, fed by hand).",
            show_default=False,
        ),
    ] = None,
    offset_front: Annotated[
        str | None,
        typer.Option(
            "--offset-front",
            help="Nudge fronts X,Y inches (right, up; as the stock's front_offset) for "
            "printer drift.",
            metavar="X,Y",
            show_default=False,
        ),
    ] = None,
    offset_back: Annotated[
        str | None,
        typer.Option(
            "--offset-back",
            help="Nudge backs X,Y inches (right, up).",
            metavar="X,Y",
            show_default=False,
        ),
    ] = None,
    sort: Annotated[
        str | None, typer.Option("--sort", help="zip, name or input.", show_default=False)
    ] = None,
    reprint: Annotated[
        bool, typer.Option("--reprint", help="Print the last printed batch again too.")
    ] = False,
    calibrate: Annotated[
        bool,
        typer.Option(
            "--calibrate",
            help="Write a calibration page (card outlines, a 1-inch ruler) to print on plain "
            "paper and hold against the stock.",
        ),
    ] = False,
    out_dir: OutOption = None,
    today: TodayOption = None,
    config: ConfigOption = None,
    db: DbOption = None,
    demo: DemoOption = False,
) -> None:
    """Lay the self-mail cards not printed yet on printable sheets: DIR/print.pdf.

    Each card is drawn straight into its place on the sheet, its back exactly behind its
    front for the chosen duplex setting. Ends with the number of stamps and their cost.
    """
    from mailer.printing.sheets import stock_for

    day = resolve_today(today)
    settings = load_config(config, demo=demo)
    folder = output_folder(out_dir, day)
    offsets = (
        parse_offset(offset_front, "--offset-front"),
        parse_offset(offset_back, "--offset-back"),
    )
    if calibrate:
        from mailer.printing.calibration import write_calibration

        chosen_stock = stock_for(settings, stock)
        target = folder / f"calibration-{chosen_stock.name}.pdf"
        ensure_folder(folder)
        write_calibration(
            chosen_stock, target, duplex=duplex or settings.print.duplex, offsets=offsets
        )
        err.print(f"wrote {target}", markup=False)
        next_step(
            "print it at 100% on plain paper, hold it against a sheet of the stock, and "
            "correct any drift with --offset-front/--offset-back"
        )
        return
    from mailer.printing.sheets import printable_keys

    with open_ledger(db, config, create=False, work="mailer print") as ledger:
        keys, stale = printable_keys(ledger, day, reprint)
        if stale:
            warn(
                f"{counted(stale, 'planned card')} {'was' if stale == 1 else 'were'} not "
                f"printed: {'its' if stale == 1 else 'their'} offer has passed; plan again"
            )
        if not keys:
            err.print("nothing to print: every planned card is printed or sent")
            next_step("add --reprint to print the last batch again")
            return
        require_details(settings)
        report = do_print(
            ledger,
            settings,
            ledger.steps_by_key(keys),  # read a page at a time as the sheets need them
            stock_name=stock,
            duplex=duplex,
            sort=sort,
            out=folder / "print.pdf",
            today=day,
            offsets=offsets,
            reprint=reprint,
        )
        left_off = list(ledger.steps_by_key(f.step_key for f in report.failures))
    if report.failures:
        from mailer.planning.documents import add_rejects, card_rejection

        by_key = {f.step_key: f for f in report.failures}
        add_rejects(
            folder / "rejects.csv",
            [
                card_rejection(
                    step,
                    f"card not drawn: {by_key[step.step_key].message}",
                    by_key[step.step_key].hint,
                )
                for step in left_off
            ],
        )
        hint(f"the cards left off are in {folder / 'rejects.csv'}, each with its fix")
        raise typer.Exit(ExitCode.PARTIAL)
    from mailer.domain.postal_days import when_to_post

    next_step(
        f"stamp and mail them {when_to_post(day)}; `mailer followups` lists the calls to make after"
    )
