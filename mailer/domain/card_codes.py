"""Card codes: the short code printed on every sales card, so a response can be traced back
to the card that earned it (README, "Did it work?").

A code is six characters and a check character, from an alphabet a person can read out on the
phone without doubt: no 0/O, no 1/I/L. The check character (a weighted sum modulo 31, the
alphabet's size, a prime) catches every single wrong character and every swap of two, so a
code misheard on the phone is refused rather than credited to someone else's card.

A code is worked out from the card's step key, so the same card always gets the same code;
the ledger keeps the first one not already taken (`candidate(key, n)` for n = 0, 1, ...),
since six characters of 31 symbols (about 887 million codes) would still collide now and then
in a season of hundreds of thousands of cards.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
"""31 symbols: the digits 2-9 and the letters but I, L and O."""

BODY = 6
"""Characters before the check character."""

LENGTH = BODY + 1

_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_BASE = len(ALPHABET)


@cache
def _in_text() -> re.Pattern[str]:
    """A code inside free text: seven symbols of the alphabet, maybe split once by a dash or
    a space ("7K3-PQX9", "7K3P QX9"), standing on their own (not inside a longer word).
    Compiled when first needed: every command loads this module, few read codes in text."""
    return re.compile(
        r"(?<![0-9A-Za-z])([2-9A-HJKMNP-Za-hjkmnp-z]{3,4})[- ]?([2-9A-HJKMNP-Za-hjkmnp-z]{3,4})"
        r"(?![0-9A-Za-z])"
    )


def check_character(body: str) -> str:
    """The check character of a code's body: the whole code's weighted sum (weights 2, 3, ...
    on the body, 1 on the check) is a multiple of 31. With a prime base and weights all
    different and below it, any one wrong character and any swap of two characters change
    the sum by a non-multiple of 31."""
    total = sum((i + 2) * _VALUE[char] for i, char in enumerate(body))
    return ALPHABET[-total % _BASE]


def is_valid(code: str) -> bool:
    """True for a well-formed code (already upper-case, without separators)."""
    return (
        len(code) == LENGTH
        and all(c in _VALUE for c in code)
        and check_character(code[:BODY]) == code[BODY]
    )


def candidate(key: str, attempt: int = 0) -> str:
    """The `attempt`-th code for a card's key: the first is taken unless another card
    already holds it."""
    digest = hashlib.sha256(f"mailer-card-code\x1f{key}\x1f{attempt}".encode()).digest()
    number = int.from_bytes(digest[:8], "big")
    body = []
    for _ in range(BODY):
        number, index = divmod(number, _BASE)
        body.append(ALPHABET[index])
    text = "".join(body)
    return text + check_character(text)


def read_code(text: str) -> str | None:
    """A code as a person typed or said it ("7k3p-qx9", " 7K3P QX9 "), or None when the text
    is not exactly one valid code."""
    cleaned = re.sub(r"[\s\-_.]", "", text).upper()
    return cleaned if is_valid(cleaned) else None


def codes_in(text: str) -> list[str]:
    """Every valid code standing in free text (a call note, an order's comment), in order,
    each once. A word that merely looks like a code passes the check only one time in 31,
    so callers still match what is found against the codes the ledger gave out."""
    found: list[str] = []
    at = 0
    in_text = _in_text()
    while (match := in_text.search(text, at)) is not None:
        code = (match.group(1) + match.group(2)).upper()
        if is_valid(code):
            if code not in found:
                found.append(code)
            at = match.end()
        else:  # "the R2T3-DEH" first reads "theR2T3": look again from the next word on
            at = match.start() + 1
    return found


def display(code: str) -> str:
    """How a code is printed: in two groups, easy to read out ("7K3P-QX9")."""
    return f"{code[:4]}-{code[4:]}"
