"""The `mailer` command line: a thin Typer skin over the core modules.

Options, output and exit codes only; the work happens in the modules each command imports
when it runs.
"""

from __future__ import annotations

from typing import Annotated

import typer

from mailer import __version__
from mailer.cli import (
    card_cmds,
    columns_cmd,
    contacts_cmds,
    followups_cmd,
    init_cmd,
    planning_cmds,
    preview_cmd,
    report_cmd,
    responses_cmd,
    run_cmd,
    send_cmds,
)
from mailer.cli.common import ExitCode
from mailer.cli.helptext import Command, Group

app = typer.Typer(
    name="mailer",
    cls=Group,
    help=(
        "Call-Mail-Call after a calling session: plan who gets a personal, time-sensitive "
        "postcard and when to call back, render and print the cards or send them through a "
        "print-and-mail service, and keep the follow-up calls on your calendar.\n\n"
        "Start with **mailer init**, then **mailer run calls.csv**."
    ),
    epilog=(
        "Exit codes: 0 done; 1 failed (the message says what was kept and how to resume); "
        "2 usage error; 3 done, but some rows or cards were rejected; 4 no ledger found; "
        "5 ledger busy with another mailer command; 130 interrupted (Ctrl-C, kill or hang-up)."
    ),
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
    add_completion=False,
    # Never show local variables in a traceback: they can hold an API key.
    pretty_exceptions_show_locals=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mailer {__version__}")
        raise typer.Exit(ExitCode.OK)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Call-Mail-Call follow-up postcards."""


app.command(cls=Command, rich_help_panel="The main job")(run_cmd.run)
app.command(cls=Command, rich_help_panel="Step by step")(planning_cmds.plan)
app.command(cls=Command, rich_help_panel="Step by step")(columns_cmd.columns)
app.command(cls=Command, rich_help_panel="Step by step")(card_cmds.render)
app.command(cls=Command, rich_help_panel="Step by step")(preview_cmd.preview)
app.command("print", cls=Command, rich_help_panel="Step by step")(card_cmds.print_)
app.command(cls=Command, rich_help_panel="Step by step")(followups_cmd.followups)
app.command(cls=Command, rich_help_panel="Did it work?")(report_cmd.report)
app.command(cls=Command, rich_help_panel="Print-and-mail services")(send_cmds.send)
app.command(cls=Command, rich_help_panel="Print-and-mail services")(send_cmds.status)
app.command(cls=Command, rich_help_panel="Print-and-mail services")(send_cmds.cancel)
app.command(cls=Command, rich_help_panel="Setup and housekeeping")(init_cmd.init)
app.command(cls=Command, rich_help_panel="Setup and housekeeping")(planning_cmds.unsuppress)
app.add_typer(contacts_cmds.app, rich_help_panel="Setup and housekeeping")
app.add_typer(responses_cmd.app, rich_help_panel="Did it work?")


def main() -> None:
    app()
