"""Every command's help at 80 columns, and the options every command shares."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import typer.main

from tests.builders import EXAMPLE_CALLS, EXAMPLE_CONFIG, invoke


def command_paths() -> list[tuple[str, ...]]:
    """Every command and group of `mailer`, walked from the root (so a new one is included)."""
    from mailer.cli import app

    root = typer.main.get_command(app)
    found: list[tuple[str, ...]] = []

    def walk(command: Any, path: tuple[str, ...]) -> None:
        found.append(path)
        if not hasattr(command, "list_commands"):
            return
        context = typer.Context(command)
        for name in sorted(command.list_commands(context)):
            walk(command.get_command(context, name), (*path, name))

    walk(root, ())
    return found


def test_the_walk_finds_every_command() -> None:
    paths = command_paths()
    assert ("print",) in paths
    assert ("contacts", "edit") in paths
    assert len(paths) >= 18


@pytest.mark.parametrize("path", command_paths(), ids=lambda p: " ".join(p) or "mailer")
def test_help_fits_80_columns_without_bool_placeholders(
    path: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    result = invoke(*path, "--help")
    assert result.exit_code == 0, result.output
    assert "--help" in result.output
    assert "<bool>" not in result.output
    too_long = [line for line in result.output.splitlines() if len(line) > 80]
    assert too_long == []


PANELS = {
    "The main job": ["run"],
    "Step by step": ["plan", "columns", "render", "preview", "print", "followups"],
    "Did it work?": ["report", "responses"],
    "Print-and-mail services": ["send", "status", "cancel"],
    "Setup and housekeeping": ["init", "unsuppress", "contacts"],
}


def test_the_root_help_lists_every_command_in_its_panel_with_its_own_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The commands are built only when asked for: the root's help still lists each one,
    in its panel and order, beside the first words of its own help."""
    from mailer.cli import app

    monkeypatch.setenv("COLUMNS", "80")
    result = invoke("--help")
    assert result.exit_code == 0, result.output
    listed: dict[str, list[str]] = {}
    lines: dict[str, str] = {}
    panel = ""
    for line in result.output.splitlines():
        if line.startswith("╭─ "):
            panel = line.removeprefix("╭─ ").rstrip("─╮ ")
            listed[panel] = []
        elif line.startswith("│ ") and panel != "Options" and line[2] != " ":
            name, words = line[2:].rstrip("│ ").split(maxsplit=1)
            listed[panel].append(name)
            lines[name] = words
    listed.pop("Options")
    assert listed == PANELS
    root: Any = typer.main.get_command(app)
    context = typer.Context(root)
    for name, words in lines.items():
        command = root.get_command(context, name)
        assert command is not None
        assert command.help is not None
        assert command.help.split()[:4] == words.split()[:4], name


def test_a_command_help_is_the_command_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    result = invoke("render", "--help")
    assert result.exit_code == 0, result.output
    assert "Usage: mailer render [OPTIONS]" in result.output
    assert "Draw the planned cards that are not drawn yet" in result.output
    assert "--jobs" in result.output
    assert "--limit" in result.output
    group = invoke("contacts", "--help")
    assert group.exit_code == 0, group.output
    assert "Usage: mailer contacts [OPTIONS] COMMAND [ARGS]..." in group.output
    assert "--install-completion" not in group.output  # the root's settings, as before
    unknown = invoke("rendr")
    assert unknown.exit_code == 2
    assert "No such command 'rendr'. Did you mean 'render'" in unknown.output
    far = invoke("xyzzy")
    assert far.exit_code == 2
    assert "No such command 'xyzzy'." in far.output
    assert "Did you mean" not in far.output


COMMON = ("--today", "2026-11-22", "--config", EXAMPLE_CONFIG)


@pytest.mark.parametrize(
    "args",
    [
        ("plan", EXAMPLE_CALLS, "--dry-run"),
        ("columns", EXAMPLE_CALLS),
        ("render",),
        ("preview", "--no-open"),
        ("print",),
        ("followups",),
        ("send",),
        ("status",),
        ("cancel", "--pending"),
        ("unsuppress", "C999"),
        ("contacts", "list"),
        ("contacts", "show", "C999"),
    ],
    ids=lambda a: " ".join(str(x) for x in a[:2]),
)
def test_every_command_accepts_the_common_options(args: tuple[str, ...], tmp_path: Path) -> None:
    result = invoke(*args, *COMMON, "--db", tmp_path / "m.db")
    # Whatever the command says about an empty ledger or the demo config, it takes the options.
    assert "No such option" not in result.output
    assert "unexpected extra" not in result.output
    assert "Traceback" not in result.output


def test_init_accepts_the_common_options_and_writes_into_its_folder(tmp_path: Path) -> None:
    starter = tmp_path / "shop"
    result = invoke("init", starter, *COMMON, "--db", tmp_path / "m.db")
    assert result.exit_code == 0, result.output
    assert (starter / "mailer.toml").is_file()
    assert not (tmp_path / "m.db").exists()  # init starts no ledger, wherever --db points
    refused = invoke("init", tmp_path / "other", "--today", "someday")
    assert refused.exit_code == 2
    assert "--today 'someday' is not a day" in refused.stderr
    assert not (tmp_path / "other").exists()


def test_a_bad_today_is_refused_even_where_it_is_not_needed(tmp_path: Path) -> None:
    result = invoke("contacts", "list", "--today", "someday", "--db", tmp_path / "m.db")
    assert result.exit_code == 2
    assert "--today 'someday' is not a day" in result.stderr


@pytest.mark.parametrize(
    "text",
    ["2026-11-22", "2024-02-29", "2026-02-30", "2026-13-01", "2026-W47-1", "2026-1-022",
     "٢٠٢٦-١١-٢٢", " 2026-11-22", "2026-11-22 ", "tomorrow", "fri", "20261122"],
)  # fmt: skip
def test_a_day_on_the_command_line_reads_as_the_date_reader_reads_it(text: str) -> None:
    """An ISO day is read without loading the date reader: it means what the reader says."""
    from mailer.cli.common import parse_day
    from mailer.domain.datetext import day_in_words
    from mailer.errors import UsageError

    today = date(2026, 11, 20)
    expected = day_in_words(text, today)
    if expected is None:
        with pytest.raises(UsageError, match="is not a day"):
            parse_day(text, "--today", today)
    else:
        assert parse_day(text, "--today", today) == expected


@pytest.mark.parametrize(
    ("command", "files"),
    [
        (("plan",), "CALLS..."),
        (("run",), "CALLS..."),
        (("contacts", "import"), "FILE..."),
        (("responses", "import"), "FILE..."),
    ],
)
def test_a_command_that_takes_several_files_says_so(command: tuple[str, ...], files: str) -> None:
    usage = " ".join(invoke(*command, "-h").output.split())
    assert f"[OPTIONS] {{{files}}}" in usage
