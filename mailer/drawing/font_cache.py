"""Fonts made from other fonts, kept on disk between runs.

Making the pen font (the handwriting with its other letter forms, `variants`) takes fontTools
about half a second, and every command that draws a card would pay it at start: more than
the drawing of a few hundred cards. The result depends only on the font file and on how the
forms are made, so it is kept in a cache folder and read back next time.

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
        return Path(chosen).expanduser().absolute()
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "mailer" / "cache" / "fonts"
    base = os.environ.get("XDG_CACHE_HOME")
    if base:
        return Path(base) / "mailer" / "fonts"
    try:
        return Path.home() / ".cache" / "mailer" / "fonts"
    except RuntimeError:  # no home folder known
        return None


def kept(kind: str, source: bytes, make: Callable[[], bytes]) -> bytes:
    """`make()`, read from the cache when it was made before from the same `source`."""
    folder = cache_dir()
    if folder is None:
        return make()
    name = hashlib.sha256(
        b"\0".join((kind.encode(), RECIPE, fonttools_release(), source))
    ).hexdigest()[:40]
    path = folder / f"{kind}-{name}.ttf"
    try:
        found = path.read_bytes()
    except OSError:  # not made yet, or unreadable: made again
        found = b""
    data, digest = found[:-_DIGEST], found[-_DIGEST:]
    if found and hashlib.sha256(data).digest() == digest:
        return data
    data = make()
    # A read-only or full disk only means the next run makes it again.
    with contextlib.suppress(WriteError, OSError):
        write_bytes_atomic(path, data + hashlib.sha256(data).digest())
    return data


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
