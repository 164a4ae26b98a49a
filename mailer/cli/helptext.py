"""How `--help` looks: a flag shows no value placeholder.

Typer's rich help puts the type of every option in a column, `<bool>` for a flag too. A flag
takes no value, so `--reprint <bool>` reads as if it wanted `true` or `false` after it: the
command and group classes here blank that column for flags (the help option included).
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperCommand, TyperGroup, TyperOption


def _plain_flags(params: list[Any]) -> list[Any]:
    for param in params:
        if isinstance(param, TyperOption) and param.is_flag and param.metavar is None:
            param.metavar = ""
    return params


class Command(TyperCommand):
    """A command whose help shows flags without a value placeholder."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _plain_flags(super().get_params(ctx))


class Group(TyperGroup):
    """A group (the `mailer` root, `mailer contacts`) whose help shows flags plainly."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _plain_flags(super().get_params(ctx))
