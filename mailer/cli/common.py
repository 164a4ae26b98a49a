"""What every command shares: the options written after the command name, the consoles, the
error handling that turns a `MailerError` into one line and an exit code.

Heavy modules (ReportLab, openpyxl, requests) are imported inside the commands that need
them, so `mailer --help` stays fast.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from mailer.errors import MailerError, UsageError

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
    INTERRUPTED = 130


# Data goes to stdout, everything meant for the person at the keyboard to stderr.
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)
if not out.is_terminal and "COLUMNS" not in os.environ:
    # Piped or captured output: 80 columns would truncate every name in the plan table.
    out.width = 160

DEFAULT_CONFIG = Path("mailer.toml")
DEFAULT_DB = Path("mailer.db")

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        envvar="MAILER_CONFIG",
        help="Config file. Default: ./mailer.toml, or the built-in demo settings if absent.",
        show_default=False,
        dir_okay=False,
    ),
]
DbOption = Annotated[
    Path,
    typer.Option(
        "--db",
        envvar="MAILER_DB",
        help="Ledger database: history, suppression list, pieces.",
        dir_okay=False,
    ),
]
TodayOption = Annotated[
    str | None,
    typer.Option(
        "--today",
        envvar="MAILER_TODAY",
        help="Plan as if today were this date (YYYY-MM-DD).",
        metavar="DATE",
        show_default=False,
    ),
]


def warn(message: str) -> None:
    err.print(f"[yellow]warning:[/yellow] {escape(message)}")


def hint(message: str) -> None:
    """Messages quote config sections like [[print.stocks]]: never read them as markup."""
    err.print(f"[dim]hint:[/dim] {escape(message)}")


def parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    from mailer.domain.datetext import iso_date

    day = iso_date(value)
    if day is None:
        raise UsageError(
            f"{option} {value!r} is not a date", hint="write it as YYYY-MM-DD, e.g. 2026-11-23"
        )
    return day


def resolve_today(value: str | None) -> date:
    day = parse_day(value, "--today") or date.today()
    if not 2000 <= day.year <= 2100:
        raise UsageError(f"--today {day} is out of range", hint="use a date between 2000 and 2100")
    return day


def load_config(path: Path | None) -> Config:
    """The config from --config, ./mailer.toml, or the demo defaults (with a warning)."""
    from mailer import config as config_module

    if path is None:
        if DEFAULT_CONFIG.exists():
            path = DEFAULT_CONFIG
        else:
            warn("no mailer.toml here: using the built-in demo settings")
            hint("run `mailer init` to write a config you can edit")
            return config_module.DEFAULT
    return config_module.load(path)


@contextmanager
def open_ledger(path: Path) -> Iterator[Ledger]:
    from mailer.ledger import Ledger
    from mailer.ledger.failures import DamagedRow

    ledger = Ledger.open(path)
    try:
        yield ledger
    except DamagedRow as exc:  # the fix is a sqlite3 command: give it this ledger's path
        raise exc.at(path) from None
    finally:
        ledger.close()


P = ParamSpec("P")
R = TypeVar("R")


def handles_errors(command: Callable[P, R]) -> Callable[P, R]:
    """One clear line for a `MailerError` (and its hint), 130 for Ctrl-C; never a traceback
    on user input."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
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


@contextmanager
def progress_bar(description: str, total: int) -> Iterator[Callable[[object], None]]:
    """A Rich progress bar on stderr for work that takes more than a moment; yields the
    callback that advances it by one."""
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


def output_folder(out: Path | None, day: date) -> Path:
    """--out, or output/<today>/."""
    return out or Path("output") / day.isoformat()


def counted(n: int, word: str, words: str | None = None) -> str:
    """`1 card`, `2 cards`: a count with its noun in the right number."""
    return f"{n} {word if n == 1 else (words or word + 's')}"


def next_step(message: str) -> None:
    """The closing hint about what to do next."""
    err.print(f"[dim]next:[/dim] {escape(message)}")
