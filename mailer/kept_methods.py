"""The methods `@dataclass` writes for mailer's classes, kept compiled between runs.

The decorator writes each class's `__init__`, `__repr__`, `__eq__`, `__hash__` (and, for a
frozen class, `__setattr__` and `__delattr__`) as Python source and compiles it as the
class is made, at every start: for the sixty-odd classes `mailer render` loads, parsing
and compiling that source was about a fifth of the command's start-up, and Python keeps
none of it the way it keeps a module's bytecode. The code depends only on the source text,
so the code of each text made for a class of mailer's own modules is kept, by its text, in
one file in the cache folder (`cache_folder`): a later process runs the very code a compile
of that text gives, and compiles only a text it has not seen. The classes, their fields
and their methods stay exactly what the decorator makes.

`use()` (from `mailer/cli/__init__`, before any class of mailer is made) has the
`dataclasses` module run its source through `_run`; a class of any other module is compiled
as always. Only the command line does so: it is a process of mailer's own, where a
program that imports the library is left with `dataclasses` as it is. The command line
keeps a command's new texts when it ends (`keep_new`). The file is named
by Python's bytecode release, ends with a digest of its bytes and is read only when it is
safely this user's (`cache_folder.read_kept`): a damaged, stale or foreign file is passed
over and replaced, and a folder that can't be read or written only costs the compiles.
"""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import hashlib
import marshal
import sys
from collections.abc import Mapping
from importlib.util import MAGIC_NUMBER
from pathlib import Path
from types import CodeType
from typing import Any

from mailer.cache_folder import keep, part_dir, read_kept, whole

RECIPE = b"dataclass-methods-1"
"""Change it whenever the kept file's layout changes: an old file is then not found."""
_MOST = 4000
"""Texts kept at most (`mailer run`, `print`, `report` and `--help` together make about 600):
past it, a command keeps only the texts it used, so those of classes since changed don't
pile up."""

_kept: dict[str, CodeType] | None = None  # read at the first class, by `_table`
_new: dict[str, CodeType] = {}
_used: set[str] = set()


def use() -> None:
    """Have `dataclasses` run the methods it writes through `_run` (the name `exec` in its
    module is looked up there before the builtin)."""
    setattr(dataclasses, "exec", _run)  # noqa: B010 - mypy knows no such attribute


def _run(
    source: str | CodeType,
    globals: dict[str, Any] | None = None,
    locals: Mapping[str, object] | None = None,
    /,
) -> None:
    """`exec` as `dataclasses` calls it; a text for a class of mailer's own modules runs
    from its kept code. Any other text is compiled as `dataclasses` would: without this
    module's `__future__` flags, which `exec` of a text would take from its caller (a
    library's `__init__` would have its annotations left as text)."""
    if isinstance(source, str):
        ours = globals is not None and _ours(globals)
        source = code_for(source) if ours else _compiled(source)
    builtins.exec(source, globals, locals)  # noqa: S102 - what `dataclasses` asked to run


def _ours(module: dict[str, Any]) -> bool:
    """The class being made is in one of mailer's modules (whose classes are a known set:
    the kept file holds no class a test or another program makes)."""
    name = module.get("__name__")
    return isinstance(name, str) and name.startswith("mailer.")


def code_for(text: str) -> CodeType:
    """The code `exec(text)` would run: kept, or compiled now and kept at the command's end.
    Compiled as `exec` compiles a text (no `__future__` of this module inherited)."""
    kept = _table()
    _used.add(text)
    code = kept.get(text)
    if code is None:
        code = kept[text] = _new[text] = _compiled(text)
    return code


def _compiled(text: str) -> CodeType:
    """`text` compiled as `exec` in `dataclasses` compiles it: without the `__future__`
    flags of this module, which `compile` would otherwise take from its caller."""
    return compile(text, "<string>", "exec", dont_inherit=True)


def keep_new() -> None:
    """Keep the texts compiled since the file was read, with those it held."""
    path = kept_path()
    if not _new or path is None:
        return
    table = _table()
    if len(table) > _MOST:
        table = {text: table[text] for text in _used}
    keep(path, marshal.dumps(table))
    _new.clear()


def kept_path() -> Path | None:
    """`<digest>.bin` in the cache folder's `methods` part (`cache_folder`),
    named by this Python's bytecode release."""
    folder = part_dir("methods")
    if folder is None:
        return None
    made_by = (RECIPE, MAGIC_NUMBER, sys.implementation.cache_tag.encode())
    name = hashlib.sha256(b"\0".join(made_by)).hexdigest()[:40]
    return folder / f"{name}.bin"


def _table() -> dict[str, CodeType]:
    global _kept
    if _kept is None:
        _kept = _read()
    return _kept


def _read() -> dict[str, CodeType]:
    """The kept file's texts and code, or nothing when it is missing, damaged or not ours."""
    path = kept_path()
    data = whole(read_kept(path)) if path is not None else None
    if data is None:
        return {}
    with contextlib.suppress(Exception):  # written by this code, so only ever a table
        table = marshal.loads(data)  # noqa: S302 - our own file, digest and owner checked
        # Texts to code, each of them: anything else (a file of another layout with a whole
        # digest) would reach `exec` and stop the command.
        if isinstance(table, dict) and all(
            isinstance(text, str) and isinstance(code, CodeType) for text, code in table.items()
        ):
            return table
    return {}


def forget() -> None:
    """As in a new process: the file is read again at the next class (for tests)."""
    global _kept
    _kept = None
    _new.clear()
    _used.clear()
