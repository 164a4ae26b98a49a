"""Contact files into book entries: CSV and .xlsx sheets (Google Contacts and Outlook CSV
exports, or plain headers like a call log's) and vCard files.

Every entry of a file ends up in one of three lists: `entries` (read), `skipped` (readable
but with nothing a call row could use: no name, address or birthday) or `rejected` (can't
be read, or nothing identifies the person), each with its line number: the spreadsheet row
(header = 1) or the line a vCard's BEGIN:VCARD is on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from mailer.contacts.vcard import Card, Property, parse_cards
from mailer.domain.address_text import address_parts
from mailer.domain.contact_book import Contact
from mailer.domain.datetext import parse_past_date
from mailer.domain.identity import contact_identity
from mailer.domain.models import CALL_FIELDS, Address, Notice
from mailer.errors import InputError
from mailer.reading.fields import column_for, normalize_country, pad_zip, split_name
from mailer.reading.source_files import (
    Line,
    as_text,
    decode_text,
    read_lines,
    read_regular_file,
)

NO_YEAR = 1904
"""The year given to a birthday written without one (a leap year, so 29 February stays)."""


@dataclass
class ContactFile:
    """What one contact file held."""

    file: str
    entries: list[Contact] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    kind: str = ""
    """What the header looked like: "Google Contacts CSV", "Outlook CSV", "vCard", "plain"."""


def read_contact_file(path: Path, today: date) -> ContactFile:
    """Read one contact file (.vcf, .csv, .tsv, .txt, .xlsx). Raises `InputError` when the
    file can't be read at all or its header names nothing a contact has."""
    file = str(path)
    if path.suffix.lower() in (".vcf", ".vcard"):
        return _read_vcard(path, file, today)
    result = ContactFile(file)
    lines = read_lines(path, file, None, result.notices)
    header = next((line for line in lines if not line.is_blank), None)
    if header is None:
        raise InputError(f"{file} is empty: no header and no rows", _HEADER_HINT)
    columns = _Columns([as_text(c) for c in header.cells])
    if not columns.known:
        seen = ", ".join(repr(as_text(c)) for c in header.cells[:6] if as_text(c))
        raise InputError(f"{file}: the first row ({seen}) names no contact column", _HEADER_HINT)
    result.kind = columns.kind
    for line in lines:
        if line.number <= header.number or line.is_blank:
            continue
        _take(result, line.number, _row_entry(columns, line, file, today, result))
    return result


_HEADER_HINT = (
    "export the contacts as Google CSV, Outlook CSV or vCard, or give a header row such as "
    "first_name,last_name,phone,email,address_line1,city,state,postal_code"
)


def _take(result: ContactFile, number: int, found: Contact | str) -> None:
    if isinstance(found, str):
        result.rejected.append((number, found))
    elif not (found.name or found.address.line1 or found.address.line2 or found.birthday):
        result.skipped.append((number, "nothing a call could use: no name, address or birthday"))
    else:
        result.entries.append(found)


# -- sheets ------------------------------------------------------------------------------

_PHONE_COLUMNS = (
    "mobile phone",
    "primary phone",
    "home phone",
    "business phone",
    "other phone",
    "home phone 2",
    "business phone 2",
    "car phone",
    "company main phone",
)
_EMAIL_COLUMNS = ("e-mail address", "e-mail 2 address", "e-mail 3 address")
# An address set: Google's "Address 1 - " or Outlook's "Home "; the field each suffix holds.
_GOOGLE_PARTS = {
    "street": "line1",
    "extended address": "line2",
    "po box": "po_box",
    "city": "city",
    "region": "state",
    "postal code": "postal_code",
    "country": "country",
}
_OUTLOOK_PARTS = {
    "street": "line1",
    "street 2": "line2",
    "street 3": "line3",
    "city": "city",
    "state": "state",
    "postal code": "postal_code",
    "country/region": "country",
    "country": "country",
}
_OUTLOOK_SETS = ("home", "business", "other")


def _key(header: str) -> str:
    return " ".join(header.casefold().replace("_", " ").split())


class _Columns:
    """Where each contact field is in a header."""

    def __init__(self, header: list[str]) -> None:
        keys = [_key(h) for h in header]
        self.plain: dict[str, int] = {}
        self.phones: list[int] = []
        self.emails: list[int] = []
        self.address_sets: list[dict[str, int]] = []
        google: dict[int, dict[str, int]] = {}
        outlook: dict[str, dict[str, int]] = {}
        numbered_phone = re.compile(r"phone (\d+) - value")
        numbered_email = re.compile(r"e-?mail (\d+) - value")
        numbered_address = re.compile(r"address (\d+) - (.+)")
        for i, key in enumerate(keys):
            if numbered_phone.fullmatch(key) or key in _PHONE_COLUMNS:
                self.phones.append(i)
            elif numbered_email.fullmatch(key) or key in _EMAIL_COLUMNS:
                self.emails.append(i)
            elif (m := numbered_address.fullmatch(key)) and m[2] in _GOOGLE_PARTS:
                google.setdefault(int(m[1]), {})[_GOOGLE_PARTS[m[2]]] = i
            elif (
                (word := key.split(" ", 1))[0] in _OUTLOOK_SETS
                and word[1:]
                and (word[1] in _OUTLOOK_PARTS)
            ):
                outlook.setdefault(word[0], {})[_OUTLOOK_PARTS[word[1]]] = i
            elif key in ("given name", "family name", "name"):
                self.plain.setdefault(
                    {"given name": "first_name", "family name": "last_name"}.get(key, "name"), i
                )
            elif (column := column_for(header[i])) in _PLAIN_FIELDS:
                self.plain.setdefault(column, i)
                if column == "phone":
                    self.phones.append(i)
                elif column == "email":
                    self.emails.append(i)
        self.address_sets = [google[n] for n in sorted(google)]
        self.address_sets += [outlook[s] for s in _OUTLOOK_SETS if s in outlook]
        self.kind = (
            "Google Contacts CSV"
            if google or any(k.startswith("phone 1 - ") for k in keys)
            else ("Outlook CSV" if outlook else "plain")
        )
        self.known = bool(self.plain or self.phones or self.emails or self.address_sets)


# The call-log fields a book entry holds: who the person is and where they live, not what
# happened on a call.
_PLAIN_FIELDS = frozenset(CALL_FIELDS) - {"outcome", "called_at", "notes", "callback_on"}


def _row_entry(
    columns: _Columns, line: Line, file: str, today: date, result: ContactFile
) -> Contact | str:
    if line.problem:
        return line.problem
    cells = line.cells

    def at(i: int | None) -> str:
        return as_text(cells[i]) if i is not None and i < len(cells) else ""

    def plain(name: str) -> str:
        return at(columns.plain.get(name))

    first, last = plain("first_name"), plain("last_name")
    if not (first or last) and plain("name"):
        first, last = split_name(plain("name"))
    phone = next((v for i in columns.phones if (v := _first_value(at(i)))), "")
    email = next((v for i in columns.emails if (v := _first_value(at(i)))), "")
    address = Address(
        line1=plain("address_line1"),
        line2=plain("address_line2"),
        city=plain("city"),
        state=plain("state"),
        postal_code=plain("postal_code"),
        country=plain("country"),
    )
    if not (address.line1 or address.line2):
        for parts in columns.address_sets:
            found = {name: at(i) for name, i in parts.items()}
            if found.get("line1") or found.get("line2") or found.get("po_box"):
                address = _address_of(found)
                break
    at_birthday = columns.plain.get("birthday", len(cells))
    birthday_cell = cells[at_birthday] if at_birthday < len(cells) else ""
    birthday = _birthday(birthday_cell, today, file, line.number, result)
    return _entry(
        plain("contact_id"), first, last, phone, email, address, birthday, file, line.number, result
    )


def _first_value(text: str) -> str:
    """Google puts several values in one cell, separated by ' ::: '."""
    return text.split(":::")[0].strip()


def _address_of(found: dict[str, str]) -> Address:
    street = found.get("line1", "").splitlines() or [""]
    line1 = street[0].strip() or found.get("po_box", "")
    extra = [s.strip() for s in street[1:]]
    line2 = ", ".join(p for p in (*extra, found.get("line2", ""), found.get("line3", "")) if p)
    return Address(
        line1=line1,
        line2=line2,
        city=found.get("city", ""),
        state=found.get("state", ""),
        postal_code=found.get("postal_code", ""),
        country=found.get("country", ""),
    )


def _entry(
    given_id: str,
    first: str,
    last: str,
    phone: str,
    email: str,
    address: Address,
    birthday: date | None,
    file: str,
    number: int,
    result: ContactFile,
) -> Contact | str:
    a = address  # a whole address in the street column is split as a call log's is
    parts, unsplit = address_parts(
        a.line1, a.line2, a.city, a.state, a.postal_code, normalize_country(a.country)
    )
    if unsplit:
        result.notices.append(Notice(file, number, unsplit))
    country = parts.country
    address = Address(parts.line1, parts.line2, parts.city, parts.state, parts.postal_code)
    postal = address.postal_code
    if country == "US" and postal:
        postal = pad_zip(postal, address.state) or postal
    address = Address(address.line1, address.line2, address.city, address.state, postal, country)
    contact_id = contact_identity(
        contact_id=given_id,
        phone=phone,
        email=email,
        first_name=first,
        last_name=last,
        postal_code=postal,
        phone_region=country,
    )
    if not contact_id:
        return "nothing identifies this person: no id, phone, email, or name and postal code"
    return Contact(
        contact_id=contact_id,
        first_name=first,
        last_name=last,
        phone=phone,
        email=email,
        address=address,
        birthday=birthday,
        source_file=file,
        source_line=number,
    )


_NO_YEAR = re.compile(r"--(\d{2})-?(\d{2})")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})(?:T.*)?")


def _birthday(
    value: str | datetime, today: date, file: str, line: int, result: ContactFile
) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    text = value.strip()
    if not text or text in ("0/0/00", "0/0/0000"):  # Outlook's empty date
        return None
    if m := _NO_YEAR.fullmatch(text):
        text = f"{NO_YEAR}-{m[1]}-{m[2]}"
    elif m := _COMPACT.fullmatch(text):
        text = f"{m[1]}-{m[2]}-{m[3]}"
    day = parse_past_date(text, today)
    if day is None:
        result.notices.append(Notice(file, line, f"birthday {value!r} is not a date; ignored"))
    return day


# -- vCard -------------------------------------------------------------------------------


def _read_vcard(path: Path, file: str, today: date) -> ContactFile:
    result = ContactFile(file, kind="vCard")
    # The call logs' own reading: pipes and devices refused, the same encodings understood.
    text = decode_text(read_regular_file(path, file), file, result.notices)
    cards, stray = parse_cards(text)
    if not cards:
        raise InputError(
            f"{file}: no BEGIN:VCARD card in the file",
            "export the contacts as vCard (.vcf), or give a CSV with a header row",
        )
    for number, why in stray:
        result.notices.append(Notice(file, number, f"line ignored: {why}"))
    for card in cards:
        if card.problem:
            result.rejected.append((card.line, card.problem))
            continue
        _take(result, card.line, _card_entry(card, file, today, result))
    return result


def _card_entry(card: Card, file: str, today: date, result: ContactFile) -> Contact | str:
    first = last = ""
    if (n := card.first("N")) is not None:
        parts = [*n.parts(), "", ""]
        last, first = parts[0], parts[1]
    org = card.first("ORG")
    organization = org.parts()[0].strip() if org is not None else ""
    if not (first or last) and (fn := card.first("FN")) is not None:
        full = fn.text()
        if full and full != organization:  # a company's card has its name as FN
            first, last = split_name(full)
    first, last = (" ".join(_commas(p).split()) for p in (first, last))
    phone = _preferred(card.all("TEL"), ("cell", "mobile", "iphone"))
    if phone.casefold().startswith("tel:"):
        phone = phone[4:]
    email = _preferred(card.all("EMAIL"), ())
    address = Address()
    if adr := _preferred_property(card.all("ADR"), ("home",)):
        address = _adr(adr)
    bday = card.first("BDAY")
    birthday = _birthday(bday.text(), today, file, card.line, result) if bday else None
    return _entry("", first, last, phone, email, address, birthday, file, card.line, result)


def _commas(text: str) -> str:
    """A 4.0 component may list values with commas ("Mary,Ann"): they read as one name."""
    return text.replace(",", " ")


def _preferred_property(props: list[Property], kinds: tuple[str, ...]) -> Property | None:
    usable = [p for p in props if p.value.strip()]
    for wanted in ("pref", *kinds):
        for p in usable:
            if wanted in p.types:
                return p
    return usable[0] if usable else None


def _preferred(props: list[Property], kinds: tuple[str, ...]) -> str:
    found = _preferred_property(props, kinds)
    return found.text() if found is not None else ""


def _adr(prop: Property) -> Address:
    parts = [*prop.parts(), "", "", "", "", "", "", ""][:7]
    po_box, extended, street, city, region, code, country = parts
    lines = [s.strip() for s in street.replace(",\n", "\n").splitlines() if s.strip()]
    line1 = lines[0] if lines else (f"PO Box {po_box}" if po_box and po_box.isdigit() else po_box)
    line2 = ", ".join(p for p in (*lines[1:], extended) if p)
    return Address(line1, line2, city, region, code, country)
