"""The cache folder: what mailer made once and reads back on the next run.

The folder is `MAILER_CACHE_DIR` when set, else the user's cache folder (`$XDG_CACHE_HOME`
or `~/.cache`, `%LOCALAPPDATA%` on Windows) under `mailer/<part>`: `fonts` (the drawing's
made fonts, kept in `MAILER_CACHE_DIR` itself when that is set), `templates`, `tables` (the
tables planning reads from libraries, `kept_table`), `methods` (`kept_methods`). A kept
file ends with a digest of its own bytes and is written atomically (a unique temporary
file, then a rename): a file cut short or changed is made again, never used, and two
processes filling the folder at once each write a whole file that the other may read. The
cache only saves time: a folder that can't be read or written is passed over silently, and
deleting it is always safe.

Below every stage: the domain's tables use it (its one way to the disk), so it knows
nothing of mailer but `files` and `errors`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import sys
from collections.abc import Callable
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import TypeVar

from mailer.errors import WriteError
from mailer.files import write_bytes_atomic

CACHE_ENV = "MAILER_CACHE_DIR"
_DIGEST = 32
T = TypeVar("T")


def cache_dir(part: str) -> Path | None:
    """Where kept files of `part` go, or None when there is no home for them. With
    `MAILER_CACHE_DIR` set, that folder itself (the fonts' place since they were first
    kept; other parts ask for their own subfolder of it)."""
    chosen = os.environ.get(CACHE_ENV)
    if chosen:
        try:
            return Path(chosen).expanduser().absolute()
        # `~someone` with no such user, `~` with no home known, or a relative folder in a
        # working folder since removed (no folder to be relative to)
        except (RuntimeError, OSError):
            return None
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "mailer" / "cache" / part
    base = os.environ.get("XDG_CACHE_HOME")
    if base:
        return Path(base) / "mailer" / part
    try:
        return Path.home() / ".cache" / "mailer" / part
    except RuntimeError:  # no home folder known
        return None


def part_dir(part: str) -> Path | None:
    """`part`'s own folder: `MAILER_CACHE_DIR/<part>` when that is set, else `cache_dir`."""
    folder = cache_dir(part)
    if folder is None or not os.environ.get(CACHE_ENV):
        return folder
    return folder / part


def keep(path: Path, data: bytes) -> None:
    """`data` kept at `path` with a digest of its bytes, in a folder and file only this user
    may write (what `read_kept` asks of them). A read-only or full disk only means the next
    run makes it again."""
    with contextlib.suppress(WriteError, OSError):
        _make_folders(path.parent)
        write_bytes_atomic(path, data + hashlib.sha256(data).digest(), mode=0o600)


def _make_folders(folder: Path) -> None:
    """`folder` and each missing folder above it, made for this user alone: `mkdir`'s
    `parents` makes those above with the umask's mode, group-writable under a umask of 002,
    and `read_kept` then refuses every file kept in them (`MAILER_CACHE_DIR` holds the
    fonts itself, and is made as the parent of the first other part kept)."""
    missing = []
    while not folder.is_dir() and folder.parent != folder:
        missing.append(folder)
        folder = folder.parent
    for made in reversed(missing):
        made.mkdir(mode=0o700, exist_ok=True)


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


def whole(found: bytes) -> bytes | None:
    """A kept file's data when its digest holds, else None (cut short, changed, empty)."""
    data, digest = found[:-_DIGEST], found[-_DIGEST:]
    if found and hashlib.sha256(data).digest() == digest:
        return data
    return None


def kept_table(
    kind: str, made_by: bytes, make: Callable[[], object], read: Callable[[object], T]
) -> T:
    """`read(make())`, where `make` gives plain JSON data (dicts, lists, strings) that
    depends only on `made_by` (a library's release, the recipe): kept in the `tables` part
    as JSON and read back next time. Cold and warm give the same value, since both read it
    from the JSON text. A kept file whose digest fails, or that `read` refuses (it raises
    ValueError, TypeError or KeyError), is made again and replaced."""
    folder = part_dir("tables")
    if folder is None:
        return read(json.loads(_json(make())))
    name = hashlib.sha256(b"\0".join((kind.encode(), made_by))).hexdigest()[:40]
    path = folder / f"{kind}-{name}.json"
    data = whole(read_kept(path))
    if data is not None:
        with contextlib.suppress(ValueError, TypeError, KeyError):
            return read(json.loads(data))
    text = _json(make())
    value = read(json.loads(text))
    keep(path, text)
    return value


def _json(value: object) -> bytes:
    """`value` as JSON text in its own order (a table's order is the library's)."""
    return json.dumps(value, ensure_ascii=True, separators=(",", ":")).encode()


@cache
def library_release(package: str, distribution: str) -> bytes | None:
    """What names the installed release of `package` (distributed as `distribution`, its
    name with "_" for "-"), without importing it: the name of its `.dist-info` folder
    beside it ("holidays-0.109.dist-info"). None for a layout without one (a source
    checkout, an egg, a frozen program): its tables are then not kept."""
    spec = find_spec(package)
    if spec is None or spec.origin is None:
        return None
    prefix, found = f"{distribution}-", []
    with contextlib.suppress(OSError), os.scandir(Path(spec.origin).parent.parent) as entries:
        found = [e.name for e in entries if e.name.startswith(prefix)
                 and e.name.endswith(".dist-info")]  # fmt: skip
    return found[0].encode() if len(found) == 1 else None


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
