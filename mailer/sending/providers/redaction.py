"""Keeping the API key out of every message: the key in any form a server may echo it.

A server that echoes request headers sends the key back as written (`x-api-key`), as the
base64 of `key:` (HTTP Basic), upper- or lower-cased, cut short, or url-encoded. Each of
those forms is masked wherever a run of `MIN_RUN` or more of its characters shows up, so a
truncated echo is caught too. Only the mode prefix (`test_`, `live_sk_`, ...) may be shown:
it says which kind of key was used and is the same for every account.
"""

from __future__ import annotations

import base64
import urllib.parse
from collections.abc import Iterable

MODE_PREFIXES = ("live_sk_", "test_sk_", "live_pk_", "test_pk_", "live_", "test_")

MIN_RUN = 6
"""The shortest run of a key's characters worth masking: five random characters of a key of
twenty or more give nothing useful away, and shorter runs would mask ordinary words."""

MASK = "***"


def mode_prefix(key: str) -> str:
    return next((p for p in MODE_PREFIXES if key.startswith(p)), "")


def redacted_key(key: str) -> str:
    """What may be shown of a key: its mode prefix only (`live_***`, `test_sk_***`)."""
    return mode_prefix(key) + MASK


def key_forms(key: str) -> list[str]:
    """Every form of `key` a server might echo, lower-cased (matching ignores case)."""
    if not key:
        return []
    secret = key[len(mode_prefix(key)) :] or key
    forms = {secret, key}
    for raw in (key, f"{key}:"):
        encoded = base64.b64encode(raw.encode()).decode()
        forms |= {encoded, encoded.rstrip("="), base64.urlsafe_b64encode(raw.encode()).decode()}
    forms |= {urllib.parse.quote(key, safe=""), urllib.parse.quote_plus(key)}
    return sorted({f.lower() for f in forms if f})


class Redactor:
    """Masks `key` in every form; built once per client, used on every message."""

    def __init__(self, key: str) -> None:
        self._forms = key_forms(key)
        self._prefix = mode_prefix(key).lower()
        # A key shorter than usual is masked only in runs as long as its secret part.
        self._run = max(1, min(MIN_RUN, len(key) - len(self._prefix)))
        # Every run of that many characters of any form: a message position that starts
        # one of these starts a leak, which is then extended as far as the form allows.
        run = self._run
        self._seeds = {f[i : i + run] for f in self._forms for i in range(len(f) - run + 1)}

    def __call__(self, message: str) -> str:
        if not self._seeds or len(message) < self._run:
            return message
        spans = list(self._leaks(message.lower()))
        if not spans:
            return message
        parts: list[str] = []
        at = 0
        for start, end in spans:
            parts += [message[at:start], MASK]
            at = end
        parts.append(message[at:])
        return "".join(parts)

    def _leaks(self, low: str) -> Iterable[tuple[int, int]]:
        """Non-overlapping (start, end) spans of `low` that are runs of some key form."""
        run = self._run
        i = 0
        while i <= len(low) - run:
            if low[i : i + run] not in self._seeds:
                i += 1
                continue
            end = max(self._extend(low, i, form) for form in self._forms)
            start = i
            # Keep a mode prefix that is written just before the secret part: it is shown
            # anyway, and `test_sk_***` tells the reader more than `***`.
            if self._prefix and low[start : start + len(self._prefix)] == self._prefix:
                start += len(self._prefix)
            if end - start >= run:
                yield start, end
            i = end

    def _extend(self, low: str, start: int, form: str) -> int:
        """The end of the longest run from `start` that is a substring of `form`."""
        end = start + self._run
        if low[start:end] not in form:
            return start
        while end < len(low) and low[start : end + 1] in form:
            end += 1
        return end


def redact(message: str, key: str) -> str:
    """`message` with `key` masked in every form (see `Redactor`)."""
    return Redactor(key)(message) if key else message
