"""Keys made from text people type: folded to lower-case ASCII where a letter has an ASCII
form, so that "Zoë", "ZOE" and "Zoe" give one key.

Two rules build on it: a contact's name id (`identity.contact_identity`) and the key under
which templates see an extra call-log column (`extra_column_key`). Pure functions over text.
"""

from __future__ import annotations

import re
import unicodedata

# Letters that carry no combining mark to strip but still have a usual ASCII spelling.
_FOLD = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe"}
    | {"Œ": "OE", "đ": "d", "Đ": "D", "ð": "d", "þ": "th", "ı": "i"}
)


def slug(text: str, joiner: str = "-") -> str:
    """Lower-case ASCII where a letter has an ASCII form (other letters are kept), every run
    of anything else turned into one `joiner`, none at either end ("Café Noir" -> "cafe-noir")."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[\W_]+", joiner, bare.casefold()).strip(joiner)


def extra_column_key(header: str) -> str:
    """The name templates use for an extra column: a Python identifier, so that
    `{{ contact.favorite_scent }}` works ("Favorite Scent" -> "favorite_scent", "Café" ->
    "cafe", "1st Visit" -> "_1st_visit"). Empty when the header has no letter or digit.

    The call-log reader stores an extra column under this key and card templates derive it
    again for records made elsewhere: both ask this one function, so they always agree.
    """
    name = slug(header, "_")
    return f"_{name}" if name[:1].isdigit() else name
