"""`mailer columns FILE`: how a call log's columns and words are read, and a mapping snippet."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from mailer.cli.common import (
    CleanConsole,
    ConfigOption,
    DbOption,
    TodayOption,
    handles_errors,
    load_config,
    out,
    resolve_today,
)
from mailer.cli.planning_cmds import (
    DateOrderOption,
    DelimiterOption,
    SheetOption,
    SourceOption,
    date_order_value,
    delimiter_value,
    show_notices,
)

WIDTH = 80


@handles_errors
def columns(
    file: Annotated[
        Path,
        typer.Argument(
            help="A call log: CSV, .xlsx, or a Google Voice Takeout folder.",
            metavar="FILE",
            show_default=False,
        ),
    ],
    source: SourceOption = None,
    delimiter: DelimiterOption = None,
    date_order: DateOrderOption = "mdy",
    sheet: SheetOption = None,
    today: TodayOption = None,
    config: ConfigOption = None,
    db: DbOption = Path("mailer.db"),
) -> None:
    """Show how FILE's columns are read: the field each header feeds, each outcome word with
    its count and meaning, a few call dates as read, the preset detected, and a snippet for
    mailer.toml covering what could not be mapped. Plans and records nothing."""
    from mailer.config import call_zone
    from mailer.reading.column_report import analyze_columns
    from mailer.reading.sources import mapping_for

    resolve_today(today)  # the common options are accepted everywhere: this reads only FILE
    del db  # and plans and records nothing
    settings = load_config(config)
    report = analyze_columns(
        file,
        mapping=mapping_for(settings, source),
        delimiter=delimiter_value(delimiter),
        date_order=date_order_value(date_order),
        zone=call_zone(settings.calls),
        sheet=sheet,
    )
    show_notices(tuple(report.notices))
    console = CleanConsole(width=min(out.width, WIDTH))
    if report.preset is None:
        console.print("source: no preset matched; read with the built-in header names")
    else:
        console.print(f"source: {escape(report.preset.title)} ({report.how})")
    console.print(f"header on row {report.header_row}, {report.rows} data rows")

    headers = Table(title="Columns", title_justify="left", expand=False)
    headers.add_column("header", overflow="fold", max_width=34)
    headers.add_column("read as", no_wrap=True)
    headers.add_column("by", overflow="fold", max_width=26)
    for use in report.columns:
        style = "dim" if use.field in ("unused", "ignored") else ""
        headers.add_row(escape(use.header), use.field, escape(use.origin), style=style)
    console.print(headers)

    if report.outcomes:
        words = Table(title="Outcome words", title_justify="left")
        words.add_column("word", overflow="fold", max_width=36)
        words.add_column("rows", justify="right", no_wrap=True)
        words.add_column("outcome", no_wrap=True)
        words.add_column("meaning", overflow="fold")
        for w in report.outcomes:
            outcome = w.outcome.value if w.outcome is not None else "[red]unknown[/red]"
            words.add_row(escape(w.word), str(w.count), outcome, w.meaning)
        console.print(words)

    if report.dates:
        dates = Table(title="Call dates, as read", title_justify="left")
        dates.add_column("written", overflow="fold", max_width=36)
        dates.add_column("read as", overflow="fold")
        for d in report.dates:
            read = d.read_as.isoformat(sep=" ", timespec="minutes") if d.read_as else "not a date"
            dates.add_row(escape(d.text), read)
        console.print(dates)
        if any(d.read_as is not None for d in report.dates):
            zone = settings.calls.timezone or "this computer's zone"
            console.print(f"times are in {zone} ([calls] timezone)", style="dim", markup=False)

    if report.snippet:
        console.print("\nPaste into mailer.toml and fill in each ?:", style="bold")
        console.print(escape(report.snippet), soft_wrap=True)
    else:
        console.print("\nevery column and word is understood: nothing to map")
