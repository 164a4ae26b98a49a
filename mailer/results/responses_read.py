"""Response files in: a shop's or a party-plan sheet's orders, a link shortener's or a QR
service's clicks (README, "Recording responses"), opened by the call-log reader's own
openers (`reading.source_files`: encodings, Excel workbooks, stray quotes, true line numbers)
and read by header.

Every data row ends up as a `Response` or as a rejection with its line number (the header
is line 1); blank rows are not data rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qsl, urlsplit

from mailer.domain.card_codes import ALPHABET, LENGTH, codes_in, display, read_code
from mailer.domain.contact_book import email_key, street_key
from mailer.domain.datetext import accepted_formats, parse_call_moment, why_not_a_date
from mailer.domain.identity import id_key, normalize_phone
from mailer.domain.models import Notice
from mailer.domain.responses import AmountError, Response, ResponseKind, read_amount, response_key
from mailer.errors import InputError
from mailer.reading.fields import normalize_country, split_name
from mailer.reading.source_files import EMPTY_FILE_HINT, Cell, Line, as_text, read_lines

# What each column a response file may have is called, after folding case and punctuation.
_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": (
        "code", "card code", "promo", "promo code", "promotion code", "coupon", "coupon code",
        "discount", "discount code", "discount codes", "offer code", "voucher", "voucher code",
    ),
    "order_id": (
        "order id", "order", "order number", "order no", "order ref", "transaction id",
        "transaction", "receipt", "receipt number", "invoice", "invoice number",
    ),
    # A bare "id" is left alone: in one export it names the order, in another the customer
    # or the link, and taking it for the row's own id would fold different rows into one.
    "click_id": ("click id", "scan id", "event id", "visit id"),
    "at": (
        "date", "order date", "created at", "created", "paid at", "placed at", "processed at",
        "timestamp", "time", "date time", "click time", "clicked at", "click date", "scan time",
        "scanned at", "scan date", "when",
    ),
    "amount": (
        "amount", "total", "order total", "grand total", "total price", "total amount",
        "sale", "sales", "revenue", "price", "value", "subtotal",
    ),
    "phone": (
        "phone", "phone number", "mobile", "cell", "telephone", "customer phone",
        "billing phone", "shipping phone",
    ),
    "email": (
        "email", "e mail", "email address", "e mail address", "customer email", "billing email",
    ),
    "contact_id": (
        "customer id", "contact id", "client id", "customer number", "customer no",
    ),
    "name": (
        "name", "customer", "customer name", "full name", "billing name", "shipping name",
        "guest", "hostess",
    ),
    "first_name": ("first name", "billing first name", "shipping first name", "given name"),
    "last_name": ("last name", "billing last name", "shipping last name", "surname"),
    "street": (
        "address", "address1", "address 1", "address line 1", "street", "street address",
        "billing address1", "shipping address1", "billing street", "shipping street",
    ),
    "street2": ("address2", "address 2", "address line 2", "billing address2",
                "shipping address2"),
    "postal_code": (
        "zip", "zip code", "postal code", "postcode", "billing zip", "shipping zip",
        "billing postal code", "shipping postal code",
    ),
    "country": ("country", "billing country", "shipping country", "country code"),
    "url": ("url", "link", "long url", "destination", "destination url", "landing page",
            "page", "page url", "full url", "target"),
    "notes": ("notes", "note", "comment", "comments", "message", "customer note", "memo"),
}  # fmt: skip
_FIELD_OF = {name: field_ for field_, names in _COLUMNS.items() for name in names}
_WORDS = {
    "order_id": "order id", "click_id": "click id", "at": "date", "contact_id": "customer id",
    "first_name": "first name", "last_name": "last name", "street": "address",
    "street2": "address2", "postal_code": "postal code", "url": "link",
}  # fmt: skip
"""A field as the seller calls it, where the name in `_COLUMNS` differs."""
_ORDER_SIGNS = frozenset({"amount", "order_id"})
_CLICK_SIGNS = frozenset({"url", "click_id"})
_CODE_SHAPE = re.compile(f"[{ALPHABET}]{{{LENGTH}}}")

KIND_HINT = "say what the file holds with --kind order, --kind click or --kind reply"


@dataclass
class ResponseFile:
    """What one response file held."""

    file: str
    kind: ResponseKind
    source: str
    responses: list[Response] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    own_ids: list[str] = field(default_factory=list)
    """Each response's own order or click id ("" for none), in step with `responses`."""
    notices: list[Notice] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    """The header each field was read from (the first, when several hold it)."""


def read_response_file(
    path: Path,
    *,
    kind: ResponseKind | None,
    source: str | None,
    date_order: Literal["mdy", "dmy"] = "mdy",
    zone: tzinfo | None = None,
    sheet: str | None = None,
) -> ResponseFile:
    """Read one response file. `kind` is the file's kind when it doesn't say (orders have an
    amount or an order id, clicks a link or a click id); `source` the word it is recorded
    under (by default the kind's: orders, clicks, replies). Raises `InputError` when the
    file can't be read, its header names nothing a response has, or its kind can't be
    told."""
    file = str(path)
    notices: list[Notice] = []
    try:
        lines = read_lines(path, file, None, notices, sheet)
    except InputError as exc:  # the openers' advice is about call logs: say a response file's
        if exc.hint != EMPTY_FILE_HINT:
            raise
        raise InputError(exc.message, _HEADER_HINT) from None
    header = next((line for line in lines if not line.is_blank), None)
    if header is None:
        raise InputError(f"{file} is empty: no header and no rows", _HEADER_HINT)
    columns = _columns(header.cells)
    if "at" not in columns or not (columns.keys() - {"at", "order_id", "click_id", "amount"}):
        seen = ", ".join(repr(as_text(c)) for c in header.cells[:6] if as_text(c))
        missing = "a date" if "at" not in columns else "who or which card (code, phone, ...)"
        raise InputError(f"{file}: the first row ({seen}) names no column for {missing}",
                         _HEADER_HINT)  # fmt: skip
    found_kind = kind or _kind_of(set(columns))
    if found_kind is None:
        raise InputError(f"{file}: can't tell whether it holds orders or clicks", KIND_HINT)
    result = ResponseFile(file, found_kind, source or _SOURCE_OF[found_kind], notices=notices)
    result.columns = {_WORDS.get(f, f): as_text(header.cells[i[0]]) for f, i in columns.items()}
    refused: dict[str, int] = {}  # an order or click id -> the line of its refused row
    for line in lines:
        if line.number <= header.number or line.is_blank:
            continue
        own_id, found = _row(line, columns, result, date_order, zone)
        if isinstance(found, str):
            result.rejected.append((line.number, found))
            if own_id:
                refused.setdefault(own_id, line.number)
        else:
            result.responses.append(found)
    _whole_orders(result, refused)
    return result


def _whole_orders(result: ResponseFile, refused: Mapping[str, int]) -> None:
    """One order (or click) written on several rows is one response: its amount and codes
    are taken from whichever row carries them (a shop puts the total on the first item row,
    another on the last). A row refused refuses its whole order, so a corrected file
    imported again records the order whole, never a part of it first."""
    kept: list[Response] = []
    first: dict[str, int] = {}
    for response, own_id in zip(result.responses, result.own_ids, strict=True):
        if own_id in refused:
            why = f"line {refused[own_id]} of the same {result.kind} {own_id} was refused"
            result.rejected.append((response.line, f"{why}: correct it and import again"))
            continue
        at = first.get(response.key)
        if at is None:
            first[response.key] = len(kept)
        else:
            lead = kept[at]
            kept[at] = replace(
                lead,
                amount_cents=lead.amount_cents
                if lead.amount_cents is not None
                else response.amount_cents,
                codes=tuple(dict.fromkeys(lead.codes + response.codes)),
            )
        kept.append(response)
    result.responses = kept
    result.rejected.sort()


_SOURCE_OF = {
    ResponseKind.ORDER: "orders",
    ResponseKind.CLICK: "clicks",
    ResponseKind.REPLY: "replies",
}
_HEADER_HINT = (
    "give the file a header row naming its columns, for example: "
    "order id,date,total,code,phone,email,name"
)


def _key(header: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", header.casefold()).split())


def _columns(cells: list[Cell]) -> dict[str, list[int]]:
    """Each known field and the columns holding it, in order (a shop writes a billing and a
    shipping phone: the first one filled in is used)."""
    found: dict[str, list[int]] = {}
    for i, cell in enumerate(cells):
        text = as_text(cell).casefold().replace("#", " number")
        name = _FIELD_OF.get(_key(text))
        if name is not None:
            found.setdefault(name, []).append(i)
    return found


def _kind_of(names: set[str]) -> ResponseKind | None:
    """What a file holds when it doesn't say: orders have an amount or an order id, clicks
    a link."""
    if names & _ORDER_SIGNS:
        return ResponseKind.ORDER
    if names & _CLICK_SIGNS:
        return ResponseKind.CLICK
    return None


def _row(
    line: Line,
    columns: dict[str, list[int]],
    result: ResponseFile,
    date_order: Literal["mdy", "dmy"],
    zone: tzinfo | None,
) -> tuple[str, Response | str]:
    """The row's own order or click id, and the response it records or why it can't be
    used."""
    if line.problem:
        return "", line.problem

    def cell(name: str, wanted: Callable[[str], bool] = bool) -> str:
        """The first of the field's cells that is `wanted` (filled in, by default)."""
        for i in columns.get(name, ()):
            if i < len(line.cells) and wanted(text := as_text(line.cells[i])):
                return text
        return ""

    own_id = cell("click_id" if result.kind is ResponseKind.CLICK else "order_id")
    at = _moment(line, columns.get("at", [None])[0], date_order, zone)
    if isinstance(at, str):
        return own_id, at
    try:
        amount = read_amount(cell("amount"))
    except AmountError as exc:
        return own_id, str(exc)
    codes = _codes(cell("code"), cell("url"), cell("notes"))
    if isinstance(codes, str):
        return own_id, codes
    first, last = cell("first_name"), cell("last_name")
    # A shop's `Name` column may hold the order's number ("#1001"): a name has a letter.
    if not (first or last) and (name := cell("name", _has_letter)):
        first, last = split_name(name)
    street = " ".join(p for p in (cell("street"), cell("street2")) if p)
    country = (normalize_country(cell("country")) if cell("country") else "") or "US"
    content = {
        "at": at.isoformat(timespec="minutes"),
        "amount": "" if amount is None else str(amount),
        "codes": ",".join(codes),
        "phone": normalize_phone(cell("phone"), country) if cell("phone") else "",
        "email": email_key(cell("email")),
        "contact": id_key(cell("contact_id")),
        "name": " ".join(f"{first} {last}".casefold().split()),
        "street": street_key(street),
        "postal": "".join(cell("postal_code").split()).casefold(),
        "url": cell("url"),
        "notes": " ".join(cell("notes").split()),
    }
    result.own_ids.append(own_id)
    return own_id, Response(
        key=response_key(result.kind, result.source, own_id, at.date(), content),
        kind=result.kind,
        at=at,
        source=result.source,
        file=result.file,
        line=line.number,
        amount_cents=amount,
        codes=codes,
        contact_id=cell("contact_id"),
        phone=cell("phone"),
        email=cell("email"),
        first_name=first,
        last_name=last,
        street=street,
        postal_code=cell("postal_code"),
        country=country,
    )


def _has_letter(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def _moment(
    line: Line, index: int | None, date_order: Literal["mdy", "dmy"], zone: tzinfo | None
) -> datetime | str:
    raw = line.cells[index] if index is not None and index < len(line.cells) else ""
    if isinstance(raw, datetime):
        return raw
    text = raw.strip()
    if not text:
        return "no date: every response needs the day it happened"
    moment = parse_call_moment(text, date_order, zone)
    if moment is None:
        why = why_not_a_date(text, date_order)
        return f"date {text!r} can't be read ({why}); write it as {accepted_formats(date_order)}"
    return moment


def _codes(code_cell: str, url: str, notes: str) -> tuple[str, ...] | str:
    """The valid card codes a row carries, strongest first; a rejection for a code that has
    a card code's shape but a wrong character (misheard or mistyped: never guessed)."""
    found: list[str] = []
    explicit = [code_cell]
    try:
        link = urlsplit(url)
    except ValueError:  # not a link at all ("http://[oops"): read as text
        link = urlsplit("")
        notes = f"{notes} {url}"
    query = parse_qsl(link.query)
    # Only the code column and the link's `code` parameter (where mailer puts it) must hold
    # a card code: any other value (a shop's own coupon, `utm_campaign=weekend`) is only
    # searched for one.
    explicit += [value for name, value in query if name.casefold() == "code"]
    notes = " ".join([notes, *(value for name, value in query if name.casefold() != "code")])
    for text in explicit:
        if not text:
            continue
        if code := read_code(text):
            found.append(code)
            continue
        # The card's code alone, or after the offer code ("NOTE20-7K3P-QX9"): its last part.
        after_offer = text.split("-", 1)[1] if "-" in text else ""
        shape = next(
            (
                cleaned
                for part in (text, after_offer)
                if _CODE_SHAPE.fullmatch(cleaned := re.sub(r"[\s\-_.]", "", part).upper())
            ),
            "",
        )
        if shape and not codes_in(text):
            return (
                f"code {display(shape)!r} is not a card's code: a character is wrong (its "
                "check character does not match); check it against the card and import again"
            )
        found += codes_in(text)
    found += codes_in(link.path) + codes_in(notes)
    return tuple(dict.fromkeys(found))
