"""The values of a call log: which header means which field, which spelling means which
outcome, and the normalizers for the cells people type (ZIP, country, name).

Who a row is (contact ids, phone numbers) is `mailer.domain.identity`, and the key an extra
column gets for templates is `mailer.domain.slugs.extra_column_key`: the ledger and the card
templates ask those rules too, so they live below every stage. Pure functions over text:
nothing here reads a file or knows about rows.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from mailer.domain.addresses import restore_zip_zeros
from mailer.domain.models import Outcome

COLUMN_ALIASES: Mapping[str, tuple[str, ...]] = {
    "contact_id": ("id", "contact id", "customer id", "client id"),
    "first_name": ("first", "first name", "given name"),
    "last_name": ("last", "last name", "surname", "family name"),
    "name": ("full name", "customer name", "contact name", "client name"),
    "phone": ("phone number", "mobile", "cell", "telephone", "tel", "cell phone", "mobile phone"),
    "email": ("e-mail", "email address", "e-mail address"),
    "address_line1": (
        "address",
        "address1",
        "address 1",
        "address line 1",
        "street",
        "street address",
        "mailing address",
    ),
    "address_line2": (
        "address2",
        "address 2",
        "address line 2",
        "apt",
        "apt/suite",
        "suite",
        "unit",
    ),
    "city": ("town",),
    "state": ("st", "province", "region", "state/province"),
    "postal_code": ("zip", "zip code", "zipcode", "postcode", "postal", "zip/postal code"),
    "country": ("country code",),
    "birthday": ("birth date", "date of birth", "dob", "birthdate"),
    "outcome": ("result", "call result", "disposition", "status", "call outcome"),
    "called_at": ("date", "call date", "called on", "timestamp", "call time", "date/time"),
    "notes": ("note", "comments", "comment"),
    "callback_on": ("callback date", "call back on", "callback on", "call back date"),
}
"""Canonical column -> the other header spellings accepted for it. Matching ignores case,
surrounding spaces, and spaces, `_` and `-` inside ("Call-Result" is "call result")."""

_OUTCOME_SPELLINGS = {
    Outcome.VOICEMAIL: "vm|left vm|left voicemail|left message|lm|left msg|machine|voice mail"
    "|left voice mail|answering machine|message left",
    Outcome.NO_ANSWER: "no answer|didn't answer|did not answer|unanswered|rang out|not answered"
    "|no pickup",
    Outcome.BUSY: "busy|line busy|busy signal",
    Outcome.CONNECTED: "talked|spoke|reached|answered|conversation|contacted|spoke with",
    Outcome.CALLBACK: "call back|callback requested|call back later|call me back",
    Outcome.WRONG_NUMBER: "wrong number|wrong #|bad number|disconnected|not in service"
    "|invalid number",
    Outcome.OPT_OUT: "opt out|opted out|do not call|dnc|do not contact|remove me|unsubscribe"
    "|unsubscribed",
}
OUTCOME_ALIASES: Mapping[str, Outcome] = {
    alias: outcome
    for outcome, spellings in _OUTCOME_SPELLINGS.items()
    for alias in (outcome.value, *spellings.split("|"))
}
"""Outcome spelling -> outcome. Matching ignores case, punctuation and spaces."""


def _compact(text: str) -> str:
    """The matching key of a header: case-folded, no spaces, `_` or `-`."""
    return re.sub(r"[\s_\-]+", "", text.casefold())


def _outcome_key(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold().replace("#", "number")
    return re.sub(r"[\W_]+", "", folded)


_COLUMN_INDEX = {
    _compact(alias): column
    for column, aliases in COLUMN_ALIASES.items()
    for alias in (column, *aliases)
}
_OUTCOME_INDEX = {_outcome_key(alias): outcome for alias, outcome in OUTCOME_ALIASES.items()}


def column_for(header: str) -> str | None:
    """The canonical column a header cell names ("Call-Result" -> "outcome"), or None."""
    return _COLUMN_INDEX.get(_compact(header))


def parse_outcome(text: str) -> Outcome | None:
    """The outcome a dialer or a person wrote ("Left VM", "wrong #", "DNC"), or None."""
    return _OUTCOME_INDEX.get(_outcome_key(text))


_COUNTRIES = {
    alias: code
    for code, aliases in {
        "US": ("us", "usa", "united states", "united states of america", "america"),
        "CA": ("ca", "can", "canada"),
        "GB": ("gb", "uk", "united kingdom", "great britain", "england", "scotland", "wales"),
        "MX": ("mx", "mex", "mexico"),
    }.items()
    for alias in aliases
}


def normalize_country(text: str) -> str:
    """ISO-2 for the common spellings ("USA", "United States" -> "US"); empty means US."""
    key = " ".join(text.replace(".", "").casefold().split())
    if not key:
        return "US"
    if key in _COUNTRIES:
        return _COUNTRIES[key]
    return key.upper() if len(key) == 2 else text.strip()


def pad_zip(text: str, state: str) -> str | None:
    """A US ZIP or ZIP+4, hyphenated, with the leading zeros a spreadsheet dropped put back
    when the state's ZIP codes start with 0 (see `addresses.restore_zip_zeros`), or None
    when `text` is not a US ZIP at all. A short ZIP elsewhere is returned unpadded, for the
    mailability check to report."""
    value = text.strip()
    if value.endswith(".0") and value[:-2].isdigit():
        value = value[:-2]  # a number formatted by a tool that added a decimal
    if match := re.fullmatch(r"(\d{3,5})(?:[- ](\d{4}))?", value):
        zip5 = restore_zip_zeros(match[1], state)
        return f"{zip5}-{match[2]}" if match[2] else zip5
    if re.fullmatch(r"\d{7,9}", value):
        digits = restore_zip_zeros(value, state)
        return f"{digits[:5]}-{digits[5:]}" if len(digits) == 9 else digits
    return None


def split_name(full: str) -> tuple[str, str]:
    """First and last name of a full name: "Albright, Mary" is last-first; otherwise the
    first word is the first name and the rest the last ("Mary Anne van der Berg" -> "Mary",
    "Anne van der Berg")."""
    if "," in full:
        last, _, first = full.partition(",")
        return " ".join(first.split()), " ".join(last.split())
    words = full.split()
    if not words:
        return "", ""
    return words[0], " ".join(words[1:])
