"""`mailer report`: what the cards did, from the ledger: the funnel per group, the costs,
the experiment's comparison, as a table, CSV or JSON, and as a chart."""

from __future__ import annotations

import csv
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from mailer.cli.common import (
    ConfigOption,
    DbOption,
    TodayOption,
    counted,
    err,
    handles_errors,
    hint,
    load_config,
    open_ledger,
    out,
    parse_day,
    resolve_today,
)
from mailer.errors import UsageError
from mailer.files import clean_text, safe_cell

if TYPE_CHECKING:
    from mailer.results.report import Funnel, Report

FORMATS = ("table", "csv", "json")


@handles_errors
def report(
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="From this day (YYYY-MM-DD, today, a weekday name).",
            metavar="DATE",
            show_default=False,
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until", help="Up to this day, included.", metavar="DATE", show_default=False
        ),
    ] = None,
    by: Annotated[
        str,
        typer.Option("--by", help="Group by template, offer, week, source or variant."),
    ] = "template",
    format: Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")] = "table",
    chart: Annotated[
        Path | None,
        typer.Option(
            "--chart",
            help="Also draw the funnel and the responses per week into this .png or .pdf.",
            show_default=False,
            dir_okay=False,
        ),
    ] = None,
    today: TodayOption = None,
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Did it work? The funnel for each group: calls, cards sent, delivered, second calls
    reached, responses, orders, revenue, cost, cost per response and return on spend.

    Cards count by the day they went out; their second calls and responses whenever they
    came. A group with too few cards says so instead of naming a winner.
    """
    from mailer.ledger.results import read_results
    from mailer.results.report import Costs, GroupBy, Period, build_report

    if format not in FORMATS:
        raise UsageError(f"--format {format!r} is not supported", hint="use table, csv or json")
    if by not in tuple(GroupBy):
        raise UsageError(f"--by {by!r} is not a grouping", hint=f"use one of: {', '.join(GroupBy)}")
    if chart is not None and chart.suffix.lower() not in (".png", ".pdf"):
        raise UsageError(
            f"--chart {chart}: mailer draws charts as .png or .pdf",
            hint="name the file report.png or report.pdf",
        )
    day = resolve_today(today)
    period = Period(parse_day(since, "--since", day), parse_day(until, "--until", day))
    if period.since and period.until and period.since > period.until:
        raise UsageError(
            f"--since {period.since} is after --until {period.until}",
            hint="give the earlier day to --since",
        )
    settings = load_config(config)
    with open_ledger(db, config, create=False) as ledger:
        rows = read_results(ledger)
    result = build_report(
        rows, GroupBy(by), period, Costs.of(settings), settings.results.attribution_days
    )
    if format == "json":
        from mailer.results.report_documents import report_json

        sys.stdout.write(report_json(result))
    elif format == "csv":
        from mailer.results.report_documents import CSV_HEADER, csv_rows

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        writer.writerows([safe_cell(clean_text(cell)) for cell in row] for row in csv_rows(result))
    else:
        _table(result)
    if chart is not None:
        from mailer.results.chart import write_chart

        write_chart(result, _title(result), chart)
        err.print(f"chart: {chart}", markup=False)
    if not result.total.sent and not result.total.units:
        hint("no card sent in that time: `mailer run` prints the cards, `mailer send` sends them")
    elif not settings.results.print_cost and result.total.cost_cents:
        hint(
            "self-printed cards cost only their stamps here: set results.print_cost in "
            "mailer.toml to what a card costs you in stock and ink"
        )


def _title(result: Report) -> str:
    since, until = result.period.since, result.period.until
    when = (
        f"{since} to {until}"
        if since and until
        else f"since {since}"
        if since
        else f"up to {until}"
        if until
        else "all cards"
    )
    return f"Results by {result.by}, {when}"


def _table(result: Report) -> None:
    from mailer.cli.tables import Column, Row, print_table
    from mailer.results.report_documents import delivered, money

    columns = [
        Column(result.by.value, flex=True),
        *(
            Column(name, "right")
            for name in ("calls", "sent", "deliv", "2nd", "resp", "orders", "revenue", "cost")
        ),
    ]

    def row(f: Funnel) -> Row:
        cells = [
            f.group,
            *(str(n) for n in (f.calls, f.sent)),
            delivered(f) or "-",
            *(str(n) for n in (f.second_calls, f.responses, f.orders)),
            money(f.revenue_cents),
            money(f.cost_cents),
        ]
        return Row(cells, _notes(f))

    rows = [row(f) for f in result.groups]
    rows.append(row(result.total))
    print_table(out, _title(result), columns, rows)
    other = result.not_credited
    if other.responses:
        out.print(
            f"Not credited to a card: {counted(other.responses, 'response')}, "
            f"{counted(other.orders, 'order')}, {money(other.revenue_cents)}",
            markup=False,
        )
    if result.comparisons:
        out.print(Text("Experiment (response rates, 95% intervals)", style="bold"))
        for comparison in result.comparisons:
            lines = textwrap.wrap(
                comparison.verdict, out.width, initial_indent="- ", subsequent_indent="  "
            )
            for line in lines:
                out.print(line, markup=False, soft_wrap=True)


def _notes(f: Funnel) -> list[Text]:
    """The group's rate, cost per response and return, then (when so) that it is too early
    to tell."""
    from mailer.results.report_documents import money, percent, ratio

    parts = []
    if f.rate is not None:
        parts.append(f"{percent(f.rate)} responded ({f.responders} of {f.units})")
    if f.cost_per_response is not None:
        parts.append(f"{money(f.cost_per_response)} a response")
    if f.return_on_spend is not None:
        parts.append(f"return {ratio(f.return_on_spend)} on spend")
    notes = [Text("; ".join(parts), style="dim")] if parts else []
    if f.evidence:
        notes.append(Text(f.evidence, style="yellow"))
    return notes
