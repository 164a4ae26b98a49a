"""Compiled templates kept on disk between runs.

Jinja compiles a template's text into Python code the first time a process uses it: about
thirty milliseconds a file, paid again by every command that draws a card or writes a call
script. The compiled code depends only on the template's text, its file, Jinja's release,
Python's and the environment's settings, so it is kept (in `templates` beside the kept
fonts, see `font_cache`) under a digest of all of those but the text, with Jinja's own
checksum of the text inside: a changed template, another Jinja or another Python never uses
a stale file, and the next compile replaces it. Each file ends with a digest of its own
bytes, so a file cut short or changed is compiled again, never run; and, since it is run
as code, it is read only from a folder and file that are this user's alone (`read_kept`). A
folder that can't be read or written only costs the compile.
"""

from __future__ import annotations

import contextlib
import hashlib
import sys
from pathlib import Path

import jinja2
from jinja2.bccache import Bucket

from mailer.cache_folder import keep, part_dir, read_kept, whole

RECIPE = b"sandbox-1"
"""Change it whenever `templates.sandbox` changes the environment's settings."""


def templates_dir() -> Path | None:
    """Where compiled templates go: `templates` in `MAILER_CACHE_DIR` when set, else beside
    the fonts' folder in the user's cache folder (`~/.cache/mailer/templates`)."""
    return part_dir("templates")


class KeptBytecode(jinja2.BytecodeCache):
    """Jinja's bytecode cache in mailer's cache folder (see the module's words)."""

    def __init__(self, environment: str) -> None:
        self._environment = environment.encode()

    def _path(self, bucket: Bucket) -> Path | None:
        folder = templates_dir()
        if folder is None:
            return None
        made_by = (RECIPE, self._environment, jinja2.__version__.encode(),
                   sys.implementation.cache_tag.encode(), bucket.key.encode())  # fmt: skip
        name = hashlib.sha256(b"\0".join(made_by)).hexdigest()[:40]
        return folder / f"{name}.jinja"

    def load_bytecode(self, bucket: Bucket) -> None:
        path = self._path(bucket)
        if path is None:
            return
        # None when not compiled yet, unreadable, not ours, cut short or changed
        data = whole(read_kept(path))
        if data is not None:
            # Jinja checks its magic (its cache format, Python's release) and the text's
            # checksum, and leaves the bucket empty when either differs.
            with contextlib.suppress(Exception):
                bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: Bucket) -> None:
        path = self._path(bucket)
        if path is None or bucket.code is None:
            return
        keep(path, bucket.bytecode_to_string())
