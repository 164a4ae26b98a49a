"""The `mailer` command line: a thin Typer skin over the core modules.

Options, output and exit codes only; the work happens in the modules each command imports
when it runs. Each command's own module is imported only when that command runs (or when
the help lists it): `mailer render` doesn't pay for loading the other sixteen commands.
"""

from __future__ import annotations

import importlib
from typing import Annotated, Any, cast

import typer

from mailer import kept_methods

# Before any of mailer's classes is made: their dataclass methods run from code kept
# between runs (`kept_methods`). Here, not in the library: only mailer's own process does.
kept_methods.use()

from mailer import __version__  # noqa: E402
from mailer.cli.common import ExitCode  # noqa: E402
from mailer.cli.helptext import Command, Group  # noqa: E402

COMMANDS: dict[str, tuple[str, str, str]] = {
    "run": ("run_cmd", "run", "The main job"),
    "plan": ("planning_cmds", "plan", "Step by step"),
    "columns": ("columns_cmd", "columns", "Step by step"),
    "render": ("card_cmds", "render", "Step by step"),
    "preview": ("preview_cmd", "preview", "Step by step"),
    "print": ("card_cmds", "print_", "Step by step"),
    "followups": ("followups_cmd", "followups", "Step by step"),
    "report": ("report_cmd", "report", "Did it work?"),
    "send": ("send_cmds", "send", "Print-and-mail services"),
    "status": ("send_cmds", "status", "Print-and-mail services"),
    "cancel": ("send_cmds", "cancel", "Print-and-mail services"),
    "init": ("init_cmd", "init", "Setup and housekeeping"),
    "unsuppress": ("planning_cmds", "unsuppress", "Setup and housekeeping"),
    "contacts": ("contacts_cmds", "app", "Setup and housekeeping"),
    "responses": ("responses_cmd", "app", "Did it work?"),
}
"""Every command, in the order `mailer --help` lists them: its module under `mailer.cli`,
the function (or, for a group of commands, the Typer app) in it, and its help panel."""


class LazyGroup(Group):
    """The `mailer` root: a command is built from its module the first time it is asked
    for (to run it, or to list it in the help), never at start-up."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._built: dict[str, Any] = {}

    def list_commands(self, _ctx: Any) -> list[str]:
        return list(COMMANDS)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """As Typer resolves it, and a mistyped name still gets "Did you mean ...?": Typer
        looks for close names among the commands already built, which here is none."""
        try:
            return super().resolve_command(ctx, args)
        except typer.TyperException as error:  # Typer's usage error, named privately
            import difflib  # here: only a mistyped command needs it

            message = getattr(error, "message", None)
            close = difflib.get_close_matches(args[0], COMMANDS) if args else []
            unknown = isinstance(message, str) and message.startswith("No such command")
            if unknown and close and "Did you mean" not in str(message):
                names = ", ".join(repr(name) for name in close)
                error.message = f"{str(message).rstrip('.')}. Did you mean {names}?"
            raise

    def get_command(self, _ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return None
        if cmd_name not in self._built:
            self._built[cmd_name] = build_command(cmd_name)
        return self._built[cmd_name]


def build_command(name: str) -> Any:
    """The click command of `name`, made by Typer as it makes the commands registered on
    the root (the root's markup mode, no completion options of its own)."""
    module_name, attribute, panel = COMMANDS[name]
    found = getattr(importlib.import_module(f"mailer.cli.{module_name}"), attribute)
    holder = typer.Typer(rich_markup_mode="markdown", add_completion=False)
    holder.callback()(_nothing)  # a root with a callback is a group, whatever it holds
    if isinstance(found, typer.Typer):
        holder.add_typer(found, rich_help_panel=panel)
    else:
        holder.command(name, cls=Command, rich_help_panel=panel)(found)
    return cast("Group", typer.main.get_command(holder)).commands[name]


def _nothing() -> None:
    """The holder's callback in `build_command`: never run."""


app = typer.Typer(
    name="mailer",
    cls=LazyGroup,
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


def main() -> None:
    try:
        app()
    finally:  # however the command ended: the next start runs the code compiled in this one
        kept_methods.keep_new()
