"""Every command's help at 80 columns, and the options every command shares."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main

from tests.builders import EXAMPLE_CALLS, EXAMPLE_CONFIG, invoke


def command_paths() -> list[tuple[str, ...]]:
    """Every command and group of `mailer`, walked from the root (so a new one is included)."""
    from mailer.cli import app

    root = typer.main.get_command(app)
    found: list[tuple[str, ...]] = []

    def walk(command: object, path: tuple[str, ...]) -> None:
        found.append(path)
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            walk(sub, (*path, name))

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
