"""What every command shares: the options written after the command name, the consoles, the
error handling that turns a `MailerError` into one line and an exit code.

Heavy modules (ReportLab, openpyxl, requests) are imported inside the commands that need
them, so `mailer --help` stays fast.
"""

from __future__ import annotations

import functools
import math
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import date
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from mailer.errors import MailerError, UsageError
from mailer.files import clean_text

if TYPE_CHECKING:
    from mailer.config import Config
    from mailer.ledger import Ledger


class ExitCode(IntEnum):
    """Exit codes for scripting (also in the README)."""

    OK = 0
    FAILED = 1
    USAGE = 2
    PARTIAL = 3
    """Done, but some input rows or pieces were rejected."""
    NO_LEDGER = 4
    """A command that only reads found no ledger where it looked (`NoLedgerError`)."""
    BUSY = 5
    """Another process kept the ledger's lock, or a write to it, too long (`LedgerBusy`)."""
    INTERRUPTED = 130


class CleanConsole(Console):
    """A Rich console that lets no control character of the text it shows reach the
    terminal: a name or note from a call log can't recolour, retitle or clear it
    (`files.clean_text`); only Rich's own styling is sent. Emoji codes stay as written."""

    def __init__(self, **options: Any) -> None:
        super().__init__(highlight=False, emoji=False, **options)

    def render_str(self, text: str, **options: Any) -> Text:
        return super().render_str(clean_text(text), **options)


# Data goes to stdout, everything meant for the person at the keyboard to stderr.
out = CleanConsole()
err = CleanConsole(stderr=True)
if not out.is_terminal and "COLUMNS" not in os.environ:
    # Piped or captured output: 80 columns would truncate every name in the plan table.
    out.width = 160


def fit_terminal() -> None:
    """Follow a COLUMNS set after start-up (a test, a script that sets it per command): the
    tables and messages are laid out for that width."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        out.width = err.width = int(columns)


ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        envvar="MAILER_CONFIG",
        help="Config file. Default: the nearest mailer.toml in this folder or above.",
        show_default=False,
        dir_okay=False,
    ),
]
DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        envvar="MAILER_DB",
        help="Ledger database: history, suppression list, pieces. Default: mailer.db beside "
        "the config.",
        show_default=False,
        dir_okay=False,
    ),
]
DemoOption = Annotated[
    bool,
    typer.Option(
        "--demo",
        help="Use the fictitious demo seller and its offer: to try mailer before your own "
        "details are in mailer.toml.",
    ),
]
TodayOption = Annotated[
    str | None,
    typer.Option(
        "--today",
        envvar="MAILER_TODAY",
        help="Work as if today were this day: YYYY-MM-DD, tomorrow, or a weekday name.",
        metavar="DATE",
        show_default=False,
    ),
]


def warn(message: str) -> None:
    err.print(f"[yellow]warning:[/yellow] {escape(message)}")


def hint(message: str) -> None:
    """Messages quote config sections like [[print.stocks]]: never read them as markup."""
    err.print(f"[dim]hint:[/dim] {escape(message)}")


def parse_day(value: str | None, option: str, today: date | None = None) -> date | None:
    """The day `value` names (today, tomorrow, a weekday name or YYYY-MM-DD), counted from
    `today` (the --today date; the machine's date when None)."""
    if value is None:
        return None
    if len(value) == 10 and value[4] == value[7] == "-":
        try:  # YYYY-MM-DD, as scripts write it: no need to load the date reader
            return date.fromisoformat(value)
        except ValueError:
            pass  # the reader below says what is wrong with it
    from mailer.domain.datetext import DAY_WORDS, day_in_words

    day = day_in_words(value, today or date.today())
    if day is None:
        raise UsageError(
            f"{option} {value!r} is not a day", hint=f"write {DAY_WORDS}, e.g. {option} tomorrow"
        )
    return day


def resolve_today(value: str | None) -> date:
    day = parse_day(value, "--today") or date.today()
    if not 2000 <= day.year <= 2100:
        raise UsageError(f"--today {day} is out of range", hint="use a date between 2000 and 2100")
    return day


def load_config(path: Path | None, *, demo: bool = False) -> Config:
    """The config from --config (or MAILER_CONFIG), else the nearest mailer.toml in this
    folder or above, else the defaults (no seller set); `demo` puts the demo seller in."""
    from mailer import config as config_module
    from mailer.project import demo_config, locate

    settings = config_module.load(locate(Path(), config=path).config)
    if not demo:
        return settings
    settings = demo_config(settings)
    warn(f"--demo: the cards are signed by a fictitious seller, {settings.sender.name}")
    return settings


def require_details(settings: Config) -> None:
    """Refuse to draw, print, record or send cards without the seller's own details."""
    from mailer.project import require_details as require

    require(settings)


def mark_missing(settings: Config, what: str) -> bool:
    """Say plainly, before a plan or preview, that real cards would be refused and why.
    True when something is missing."""
    from mailer.project import missing_details

    missing = missing_details(settings)
    if missing:
        warn(f"no sender yet ({', '.join(missing)} not set): {what}")
        hint(
            "set them in mailer.toml: no card is drawn, printed or sent without them "
            "(--demo signs as a fictitious seller, to try mailer)"
        )
    return bool(missing)


@contextmanager
def open_ledger(
    db: Path | None,
    config: Path | None = None,
    *,
    create: bool = True,
    scratch: bool = False,
    work: str | None = None,
) -> Iterator[Ledger]:
    """The ledger from --db (or MAILER_DB), else the one beside the config in use, with its
    warnings said. A command that only reads (`create=False`) never starts one: it says where
    it looked instead. With `scratch` (a dry run) a missing ledger is an empty one that
    vanishes afterwards. With `work` (a command that draws, prints or sends), also its lock:
    a second such command waits for the first, up to MAILER_LOCK_WAIT seconds, then stops
    with exit code 5 having done nothing. A row damaged by hand is reported with the sqlite3
    command that fixes it, for this ledger's path."""
    import tempfile

    from mailer.ledger import Ledger
    from mailer.ledger.failures import DamagedRow
    from mailer.project import LEDGER_NAME, locate, require_ledger

    env = os.environ.get("MAILER_DB")
    origin = "MAILER_DB" if env and db is not None and Path(env) == db else "--db"
    project = locate(Path(), config=config, db=db, db_from=origin)
    path = project.ledger
    if not create and not scratch:
        require_ledger(project)
    with ExitStack() as stack:
        if scratch and not path.exists():
            spare = stack.enter_context(tempfile.TemporaryDirectory(prefix="mailer-"))
            path = Path(spare) / LEDGER_NAME
        ledger = Ledger.open(path)
        stack.callback(ledger.close)
        for warning in ledger.warnings:
            warn(warning)
        try:
            if work is None:
                yield ledger
                return
            wait = lock_wait()

            def waiting(holder: str) -> None:
                who = f" ({holder})" if holder else ""
                err.print(
                    f"waiting for another mailer command{who} to finish with {path} "
                    f"(up to {wait:g} s)...",
                    markup=False,
                )

            with ledger.exclusive(work, wait=wait, on_wait=waiting):
                yield ledger
        except DamagedRow as exc:  # the fix is a sqlite3 command: give it this ledger's path
            raise exc.at(path) from None


def lock_wait() -> float:
    """MAILER_LOCK_WAIT: how many seconds a command waits for another one's ledger lock."""
    from mailer.ledger.lock import LOCK_WAIT_S

    text = os.environ.get("MAILER_LOCK_WAIT", "").strip()
    if not text:
        return LOCK_WAIT_S
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not 0 <= seconds <= 86400:
        raise UsageError(
            f"MAILER_LOCK_WAIT={text!r} is not a number of seconds",
            hint="write 0 (never wait) to 86400, e.g. MAILER_LOCK_WAIT=300",
        )
    return seconds


P = ParamSpec("P")
R = TypeVar("R")


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


@contextmanager
def stopped_as_by_ctrl_c() -> Iterator[None]:
    """A SIGTERM (`kill`, `timeout`, a service manager) or a hang-up (the terminal closed)
    stops a command as Ctrl-C does: its temporary files removed, what was finished kept,
    exit 130. A signal already ignored (`nohup`) or handled stays so, and the handlers
    before the command come back after it."""
    kept: dict[int, Any] = {}
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is None or signal.getsignal(number) is not signal.SIG_DFL:
            continue
        try:
            kept[number] = signal.signal(number, _interrupt)
        except ValueError:  # not the main thread: signals stay the program's
            break
    try:
        yield
    finally:
        for number, handler in kept.items():
            signal.signal(number, handler)


def handles_errors(command: Callable[P, R]) -> Callable[P, R]:
    """One clear line for a `MailerError` (and its hint), 130 for Ctrl-C (or a SIGTERM or
    hang-up); never a traceback on user input."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        fit_terminal()
        try:
            with stopped_as_by_ctrl_c():
                unstorable_paths(kwargs.values())
                return command(*args, **kwargs)
        except MailerError as exc:
            err.print(f"[red]error:[/red] {escape(exc.message)}")
            if exc.hint:
                hint(exc.hint)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err.print(
                "[red]interrupted.[/red] What was finished is recorded in the ledger; "
                "run the same command again to carry on."
            )
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        except BrokenPipeError:
            # `mailer plan ... | head`: the reader went away; not an error worth a traceback.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(ExitCode.OK) from None

    return wrapper


def unstorable_paths(values: Iterable[object]) -> None:
    """A file or folder named on the command line whose name is not UTF-8 (as a name made
    on an older system may be) is refused here: the ledger and the output files keep every
    path as UTF-8 text, and could not store it."""
    for value in values:
        for path in value if isinstance(value, list | tuple) else (value,):
            if not isinstance(path, Path):
                continue
            try:
                str(path).encode("utf-8")
            except UnicodeEncodeError:
                shown = clean_text(
                    os.fsencode(path).decode("utf-8", "backslashreplace"), one_line=True
                )
                raise UsageError(
                    f"{shown}: this name is not UTF-8 text, and the ledger keeps every path "
                    "as UTF-8",
                    hint="rename the file or folder (or choose another name) and run again",
                ) from None


@contextmanager
def progress_bar(description: str, total: int) -> Iterator[Callable[[object], None]]:
    """A Rich progress bar on stderr for work that takes more than a moment; yields the
    callback that advances it by one. Where stderr is not a terminal the bar would show
    nothing (it is transient): no bar is made, sparing its import and its work a card."""
    if not err.is_interactive:
        yield _no_progress
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task(description, total=total)
        yield lambda _: progress.advance(task)


def _no_progress(_: object) -> None:
    """The progress callback where no bar is shown."""


def output_folder(out: Path | None, day: date) -> Path:
    """--out, or output/<today>/."""
    return out or Path("output") / day.isoformat()


def counted(n: int, word: str, words: str | None = None) -> str:
    """`1 card`, `2 cards`: a count with its noun in the right number."""
    return f"{n} {word if n == 1 else (words or word + 's')}"


def next_step(message: str) -> None:
    """The closing hint about what to do next."""
    err.print(f"[dim]next:[/dim] {escape(message)}")
