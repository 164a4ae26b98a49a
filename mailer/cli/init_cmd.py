"""`mailer init`: the starter files of a new project."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from mailer.cli.common import (
    ConfigOption,
    DbOption,
    TodayOption,
    err,
    handles_errors,
    next_step,
    resolve_today,
)


@handles_errors
def init(
    directory: Annotated[
        Path, typer.Argument(help="Where to write the starter files.", file_okay=False)
    ] = Path(),
    today: TodayOption = None,
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Write a starter mailer.toml, a sample call log and an editable copy of the card
    templates. Never overwrites a file that exists.

    --today, --config and --db are accepted as by every command; init reads no settings
    and starts no ledger.
    """
    from mailer.scaffold import scaffold

    # The common options are accepted everywhere, so one command line can be reused; init
    # reads no settings and opens no ledger, so --config and --db change nothing here.
    resolve_today(today)
    del config, db

    result = scaffold(directory)
    for path in result.written:
        err.print(f"[green]wrote[/green] {escape(str(path))}")
    for path in result.kept:
        err.print(f"[dim]kept[/dim] {escape(str(path))} (exists; not overwritten)")
    go = "" if directory == Path() else f"`cd {directory}`, "
    next_step(
        f"edit {directory / 'mailer.toml'} (your name, offer and return address), then "
        f"{go}`mailer plan calls_sample.csv`"
    )
