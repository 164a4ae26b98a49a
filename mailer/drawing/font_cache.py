"""Fonts made from other fonts, kept on disk between runs.

Making the pen font (the handwriting with its other letter forms, `variants`) takes fontTools
about half a second, and every command that draws a card would pay it at start: more than
the drawing of a few hundred cards. The result depends only on the font file and on how the
forms are made, so it is kept in a cache folder and read back next time. So are the pen
font's pieces as cards embed them, compressed once (`pen_program`): compressing them was
most of the start of a run that draws a card.

The folder is `MAILER_CACHE_DIR` when set, else the user's cache folder (`$XDG_CACHE_HOME`
or `~/.cache`, `%LOCALAPPDATA%` on Windows) under `mailer/fonts`. A kept file is named by a
digest of what made it (its kind, `RECIPE`, the fontTools release and the source bytes), and
ends with a digest of its own bytes: a file cut short or changed is made again, never used.
The cache only saves time: a folder that can't be read or written is passed over silently,
and deleting it is always safe.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import sys
from collections.abc import Callable
from functools import cache
from importlib.util import find_spec
from pathlib import Path

from mailer.errors import WriteError
from mailer.files import write_bytes_atomic

CACHE_ENV = "MAILER_CACHE_DIR"
RECIPE = b"pen-forms-3"
"""Change it whenever the way a kept font is made changes: old files are then not found."""
_DIGEST = 32


def cache_dir() -> Path | None:
    """Where kept fonts go, or None when there is no home for them."""
    chosen = os.environ.get(CACHE_ENV)
    if chosen:
        try:
            return Path(chosen).expanduser().absolute()
        except RuntimeError:  # `~someone` with no such user, or `~` with no home known
            return None
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "mailer" / "cache" / "fonts"
    base = os.environ.get("XDG_CACHE_HOME")
    if base:
        return Path(base) / "mailer" / "fonts"
    try:
        return Path.home() / ".cache" / "mailer" / "fonts"
    except RuntimeError:  # no home folder known
        return None


def kept(kind: str, source: bytes, make: Callable[[], bytes], suffix: str = ".ttf") -> bytes:
    """`make()`, read from the cache when it was made before from the same `source`; kept
    in a file ending in `suffix`."""
    folder = cache_dir()
    if folder is None:
        return make()
    name = hashlib.sha256(
        b"\0".join((kind.encode(), RECIPE, fonttools_release(), source))
    ).hexdigest()[:40]
    path = folder / f"{kind}-{name}{suffix}"
    found = read_kept(path)
    data, digest = found[:-_DIGEST], found[-_DIGEST:]
    if found and hashlib.sha256(data).digest() == digest:
        return data
    data = make()
    keep(path, data)
    return data


def keep(path: Path, data: bytes) -> None:
    """`data` kept at `path` with a digest of its bytes, in a folder and file only this user
    may write (what `read_kept` asks of them). A read-only or full disk only means the next
    run makes it again."""
    with contextlib.suppress(WriteError, OSError):
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_bytes_atomic(path, data + hashlib.sha256(data).digest(), mode=0o600)


def read_kept(path: Path) -> bytes:
    """A kept file's bytes, or nothing when it is missing, unreadable or not safely ours.

    A kept compiled template is run as code, so a file is used only when it and its folder
    belong to this user and no one else may write to them: a `MAILER_CACHE_DIR` on a shared
    folder (a team share, `/tmp`) then can't be used to plant one. It is opened without
    following a link or waiting on a pipe, and read only if it is a regular file."""
    try:
        if not _ours(os.lstat(path.parent), stat.S_ISDIR):
            return b""
        fd = os.open(path, os.O_RDONLY | _NO_LINK | _NO_WAIT)
    except OSError:  # not made yet, or unreadable: made again
        return b""
    try:
        with os.fdopen(fd, "rb") as file:
            return file.read() if _ours(os.fstat(file.fileno()), stat.S_ISREG) else b""
    except OSError:
        return b""


def _ours(found: os.stat_result, kind: Callable[[int], bool]) -> bool:
    """`found` is of `kind`, belongs to this user and is writable by no one else (on a
    system with users and modes; elsewhere, of `kind`)."""
    if not kind(found.st_mode):
        return False
    if not hasattr(os, "geteuid"):
        return True
    return found.st_uid == os.geteuid() and not found.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


_NO_LINK = getattr(os, "O_NOFOLLOW", 0)
_NO_WAIT = getattr(os, "O_NONBLOCK", 0)


@cache
def fonttools_release() -> bytes:
    """What names the installed fontTools release: its package's `__init__.py`, which holds
    its version string, read as bytes. Importing fontTools for `fontTools.version` would
    set up its logging at every start, when the pen font is only ever read from here."""
    spec = find_spec("fontTools")
    if spec is not None and spec.origin is not None:
        with contextlib.suppress(OSError):
            return Path(spec.origin).read_bytes()
    import fontTools  # an unusual install (a zip, a frozen program): its version says it

    return str(fontTools.version).encode()
