"""The full address parser's answers (usaddress-scourgify), kept in the cache folder by its
release between runs.

A plan of a log whose streets the quick ways can't all read ("Oak Ridge Dr": RIDGE is a
street type too) asks the parser a few times, once a street (`house_numbers`); importing it
and its first answer (its YAML settings reader, its tagging model) are about 55 ms of CPU
at a process's first plan, a few dozen answers read back from the disk under one. The
answer is the parser's own, as plain text fields, for the record it was given: what
`addresses` makes of it is worked out from it every time, as before.

scourgify lets a settings file or its environment variables change its tables: then it is
asked every time, as before, and nothing is kept.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

_RECIPE = b"scourgify-answer-1"
"""Change it whenever `_asked` asks the parser another way: old files are then not found."""
_REFUSED = "refused"


@cache
def scourgify_release() -> bytes | None:
    """What names the parser's installed releases (scourgify, usaddress and the settings
    reader, yamlconf), or None when its answers are not to be kept: a layout without
    releases to name, or settings of its own (`scourgify_settings`)."""
    from mailer.cache_folder import library_release

    named = (
        library_release("scourgify", "usaddress_scourgify"),
        library_release("usaddress", "usaddress"),
        library_release("yamlconf", "yaml_config"),
    )
    if any(release is None for release in named) or scourgify_settings():
        return None
    return b"\0".join(release for release in named if release is not None)


def scourgify_settings() -> bool:
    """Whether scourgify may read tables of its own (yamlconf's search: an `ADDRESS_CONFIG`
    environment variable, or `config/address_constants.yaml` in the working folder)."""
    if any(name.startswith("ADDRESS_CONFIG") for name in os.environ):
        return True
    return Path("config", "address_constants.yaml").exists()


def parsed(record: dict[str, str]) -> dict[str, str | None] | None:
    """scourgify's `normalize_address_record(record)`, its fields as text (None for an
    empty one), or None when it raised (it refuses PO boxes, repeated labels and text it
    can't read; usaddress may raise others)."""
    release = scourgify_release()
    if release is None:
        return _answer(_asked(record))
    from mailer.cache_folder import kept_table

    made_by = b"\0".join((_RECIPE, release, json.dumps(record, sort_keys=True).encode()))
    return kept_table("parsed", made_by, lambda: _asked(record), _answer)


def _asked(record: dict[str, str]) -> dict[str, object]:
    """The parser's answer as kept: its fields as text, or that it refused."""
    try:
        from scourgify import normalize_address_record

        answer = normalize_address_record(record)
    except Exception:
        return {_REFUSED: True}
    # (What `addresses` reads of a field is its text or, when empty, nothing.)
    return {"fields": {str(k): str(v) if v else None for k, v in answer.items()}}


def _answer(kept: object) -> dict[str, str | None] | None:
    """A kept answer read back, refusing (TypeError, KeyError) anything else."""
    if not isinstance(kept, dict):
        raise TypeError("an answer is a table")
    if kept.get(_REFUSED) is True:
        return None
    fields = kept["fields"]
    if not isinstance(fields, dict):
        raise TypeError("an answer's fields are a table")
    if not all(isinstance(v, str | None) for v in fields.values()):
        raise TypeError("every field is text or nothing")
    return dict(fields)
