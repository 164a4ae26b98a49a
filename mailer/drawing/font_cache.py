"""Fonts made from other fonts, kept on disk between runs.

Making the pen font (the handwriting with its other letter forms, `variants`) takes fontTools
about half a second, and every command that draws a card would pay it at start: more than
the drawing of a few hundred cards. The result depends only on the font file and on how the
forms are made, so it is kept in a cache folder and read back next time. So are the pen
font's pieces as cards embed them, compressed once (`pen_program`): compressing them was
most of the start of a run that draws a card.

The folder is `MAILER_CACHE_DIR` when set, else the user's cache folder under `mailer/fonts`
(`cache_folder` chooses it, and reads and writes kept files for every part). A kept file is
named by a digest of what made it (its kind, `RECIPE`, the fontTools release and the source
bytes), and ends with a digest of its own bytes: a file cut short or changed is made again,
never used.
The cache only saves time: a folder that can't be read or written is passed over silently,
and deleting it is always safe.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable
from functools import cache
from importlib.util import find_spec
from pathlib import Path

from mailer import cache_folder
from mailer.cache_folder import keep, read_kept, whole

RECIPE = b"pen-forms-3"
"""Change it whenever the way a kept font is made changes: old files are then not found."""


def cache_dir() -> Path | None:
    """Where kept fonts go (`cache_folder` chooses), or None when there is no home for
    them."""
    return cache_folder.cache_dir("fonts")


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
    found = whole(read_kept(path))
    if found is not None:
        return found
    data = make()
    keep(path, data)
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
