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
from functools import lru_cache

from mailer.domain.addresses import restore_zip_zeros
from mailer.domain.countries import country_code
from mailer.domain.models import Outcome
from mailer.domain.names import split_full_name

COLUMN_ALIASES: Mapping[str, tuple[str, ...]] = {
    "contact_id": ("id", "contact id", "customer id", "client id", "lead id", "person id"),
    "first_name": ("first", "first name", "given name", "firstname"),
    "last_name": ("last", "last name", "surname", "family name", "lastname"),
    "name": (
        "full name",
        "customer name",
        "contact name",
        "client name",
        "contact",
        "lead name",
        "customer",
        "person",
        "guest name",
        "hostess",
    ),
    "phone": (
        "phone number",
        "mobile",
        "cell",
        "telephone",
        "tel",
        "cell phone",
        "mobile phone",
        "number",
        "dialed number",
        "called number",
        "contact phone",
        "to number",
        "customer phone",
        "phone 1",
    ),
    "email": ("e-mail", "email address", "e-mail address", "contact email"),
    "address_line1": (
        "address",
        "address1",
        "address 1",
        "address line 1",
        "street",
        "street address",
        "mailing address",
        "mailing street",
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
    "city": ("town", "mailing city"),
    "state": (
        "st",
        "province",
        "region",
        "state/province",
        "mailing state",
        "mailing state/province",
    ),
    "postal_code": (
        "zip",
        "zip code",
        "zipcode",
        "postcode",
        "postal",
        "zip/postal code",
        "mailing zip",
        "mailing zip/postal code",
        "mailing postal code",
    ),
    "country": ("country code", "mailing country"),
    "birthday": ("birth date", "date of birth", "dob", "birthdate"),
    "outcome": (
        "disposition",
        "call disposition",
        "disposition name",
        "call outcome",
        "outcome",
        "call result",
        "result",
        "activity result",
        "status",
        "call status",
        "lead status",
    ),
    "called_at": (
        "date",
        "call date",
        "called on",
        "timestamp",
        "call time",
        "date/time",
        "date time",
        "started at",
        "start time",
        "call start time",
        "activity date",
        "date created",
        "created at",
        "call date/time",
    ),
    "notes": ("note", "comments", "comment", "call notes", "description"),
    "callback_on": ("callback date", "call back on", "callback on", "call back date"),
}
"""Canonical column -> the other header spellings accepted for it. Matching ignores case,
surrounding spaces, and spaces, `_` and `-` inside ("Call-Result" is "call result")."""

_STATUS_HEADERS = ("status", "call status", "lead status")
"""Outcome-like headers that are trusted last: a call's status is often the dialer's own
word ("Completed", "Failed") or a lead's stage, where a disposition is what the seller chose
(README, "Where your calls come from")."""

CALL_ID_HEADERS = (
    "call id",
    "activity id",
    "engagement id",
    "call uuid",
    "call sid",
    "session id",
    "uniqueid",
    "interaction id",
    "conversation id",
)
"""Headers that name a call, never a person: such a column is never the contact id."""

_OUTCOME_SPELLINGS = {
    Outcome.VOICEMAIL: "vm|left vm|left voicemail|left message|lm|left msg|machine|voice mail"
    "|left voice mail|answering machine|message left|voicemail left|vm left|left a voicemail"
    "|left a message|vm dropped|vm drop|voicemail drop|left live message|machine left message"
    "|answering machine left message|answer machine",
    Outcome.NO_ANSWER: "no answer|didn't answer|did not answer|unanswered|rang out|not answered"
    "|no pickup|no response|gatekeeper|vm full|voicemail full|mailbox full|voice mail full"
    "|no voicemail|not available|unavailable|ring no answer|missed|missed call"
    "|no response/busy|no answer/busy|noanswer",
    Outcome.BUSY: "busy|line busy|busy signal",
    Outcome.CONNECTED: "talked|spoke|reached|answered|conversation|contacted|spoke with"
    "|connected|call connected|contact made|spoke to contact|reached contact|live answer"
    "|human|interested|talked to|spoke to",
    Outcome.CALLBACK: "call back|callback requested|call back later|call me back|callbk"
    "|callback scheduled|requested callback|call back requested|follow up|follow-up",
    Outcome.WRONG_NUMBER: "wrong number|wrong #|bad number|disconnected|not in service"
    "|invalid number|wrong person|disconnected number|number disconnected|bad phone",
    Outcome.OPT_OUT: "opt out|opted out|do not call|dnc|do not contact|remove me|unsubscribe"
    "|unsubscribed|take me off your list|take me off the list|take me off|remove from list"
    "|remove me from your list|do not call list|dnc request|don't call|dont call"
    "|never call again|do not call (dnc)|stop calling|stop",
    Outcome.NOT_INTERESTED: "not interested|ni|no interest|declined|refused|refusal"
    "|no thanks|not now|bad fit|not a fit|said no",
    Outcome.ORDERED: "sale|sold|purchased|bought|order placed|placed order|placed an order"
    "|closed won|won|sale made|made a purchase",
    Outcome.TEXTED: "text|text sent|sms|sms sent|sent text|sent a text|text message",
    Outcome.APPOINTMENT: "appointment set|appt set|appt|meeting booked|meeting scheduled"
    "|meeting set|demo booked|demo scheduled|booked|party booked|booked a party|booked party"
    "|appointment booked|appointment scheduled",
}
OUTCOME_ALIASES: Mapping[str, Outcome] = {
    alias: outcome
    for outcome, spellings in _OUTCOME_SPELLINGS.items()
    for alias in (outcome.value, *spellings.split("|"))
}
"""Outcome spelling -> outcome. Matching ignores case, punctuation and spaces."""

OUTCOME_MEANINGS: Mapping[Outcome, str] = {
    Outcome.VOICEMAIL: "left a voicemail",
    Outcome.NO_ANSWER: "nobody answered",
    Outcome.BUSY: "line busy",
    Outcome.CONNECTED: "spoke with them",
    Outcome.CALLBACK: "asked for a call back",
    Outcome.WRONG_NUMBER: "wrong number",
    Outcome.OPT_OUT: "asked not to be contacted",
    Outcome.NOT_INTERESTED: "spoke, not interested",
    Outcome.ORDERED: "spoke and bought",
    Outcome.TEXTED: "sent a text",
    Outcome.APPOINTMENT: "meeting booked",
}
"""What each outcome means, in a seller's words (for `mailer columns`)."""


def _compact(text: str) -> str:
    """The matching key of a header: case-folded, no spaces, `_` or `-`."""
    return re.sub(r"[\s_\-]+", "", text.casefold())


def header_key(text: str) -> str:
    """The key two spellings of one header share ("Call-Result" and "call result")."""
    return _compact(text)


def outcome_key(text: str) -> str:
    """The key two spellings of one outcome word share ("Left VM" and "left-vm")."""
    folded = unicodedata.normalize("NFKC", text).casefold().replace("#", "number")
    return re.sub(r"[\W_]+", "", folded)


_COLUMN_INDEX = {
    _compact(alias): column
    for column, aliases in COLUMN_ALIASES.items()
    for alias in (column, *aliases)
}
_OUTCOME_INDEX = {outcome_key(alias): outcome for alias, outcome in OUTCOME_ALIASES.items()}
_STATUS_KEYS = frozenset(_compact(h) for h in _STATUS_HEADERS)
_CALL_ID_KEYS = frozenset(_compact(h) for h in CALL_ID_HEADERS)


def column_for(header: str) -> str | None:
    """The canonical column a header cell names ("Call-Result" -> "outcome"), or None."""
    return _COLUMN_INDEX.get(_compact(header))


def outcome_column_rank(header: str) -> int:
    """How far an outcome-like column is trusted: 0 for a disposition, call result or
    outcome, 1 for a status (the dialer's word or the lead's stage, not the seller's)."""
    return 1 if _compact(header) in _STATUS_KEYS else 0


def names_calls(header: str) -> bool:
    """True for a header that names a call ("Call ID", "Activity ID"), never a person."""
    return _compact(header) in _CALL_ID_KEYS


def parse_outcome(text: str) -> Outcome | None:
    """The outcome a dialer or a person wrote ("Left VM", "wrong #", "DNC"), or None."""
    return _OUTCOME_INDEX.get(outcome_key(text))


def normalize_country(text: str) -> str:
    """ISO-2 for a country's name or code ("USA", "United States" -> "US", "Deutschland"
    -> "DE", see `domain.countries`); empty means US; a name we don't know is kept as
    written."""
    code = country_code(text)
    return code if code is not None else text.strip()


@lru_cache(maxsize=4096)  # a log repeats its contacts' ZIP codes; pure over text
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
    """First and last name of a full name, by `domain.names.split_full_name`: "Albright, Mary"
    is last-first, honorifics are dropped, a middle name and a suffix stay with the last name
    ("Mary Anne van der Berg" -> "Mary", "Anne van der Berg"), and a name written all in
    capitals is capitalised ("MARY ALBRIGHT" -> "Mary", "Albright")."""
    return split_full_name(full)
