"""The pure rules of responses (`domain.responses`): money as shops write it, the window,
which of several cards is credited, and what a call log row records."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from mailer.domain.card_codes import candidate, display
from mailer.domain.models import Outcome
from mailer.domain.responses import (
    AmountError,
    MatchedBy,
    ResponseKind,
    SentCard,
    amounts_in,
    call_response,
    credit,
    credited_card,
    read_amount,
    response_key,
)
from tests.builders import call_record


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("$40", 4000),
        ("40.00", 4000),
        ("40", 4000),
        ("1,234.50", 123450),
        ("USD 40", 4000),
        ("40 €", 4000),
        ("€40,50", 4050),
        ("1.234,50 €", 123450),
        ("1 234,50", 123450),
        ("$1,234", 123400),
        ("0.5", 50),
        ("  $ 19.99 ", 1999),
        ("", None),
        ("   ", None),
    ],
)
def test_amounts_as_shops_write_them(text: str, cents: int | None) -> None:
    assert read_amount(text) == cents


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("ten dollars", "not a sum of money"),
        ("-$5.00", "a refund is not a response"),
        ("(40.00)", "a refund is not a response"),
        ("$", "has no number"),
        ("12.345.6", "not a sum of money"),
        ("4O.00", "not a sum of money"),
        ("12345678901234567890", "more than one order could be"),
        ("9" * 5000, "more than one order could be"),
        ("1000000.01", "more than one order could be"),
    ],
)
def test_what_is_no_amount_says_why(text: str, why: str) -> None:
    with pytest.raises(AmountError, match=why):
        read_amount(text)


def test_money_in_a_note_needs_a_currency_or_cents() -> None:
    assert amounts_in("ordered 2 jars, $45 total, call at 5") == [4500]
    assert amounts_in("paid 45.00 cash") == [4500]
    assert amounts_in("40 € et 12 EUR") == [4000, 1200]
    assert amounts_in("2 jars, call back at 5, 62704") == []


def card(key: str, sent: date, arrives: date) -> SentCard:
    return SentCard(key, "C001", candidate(key), sent, arrives)


NOV = card("nov", date(2026, 11, 23), date(2026, 11, 27))
JAN = card("jan", date(2027, 1, 11), date(2027, 1, 14))


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2026, 11, 26), None),  # before it arrived
        (date(2026, 11, 27), NOV),  # the day it arrived
        (date(2027, 1, 13), NOV),  # the January card is not there yet
        (date(2027, 1, 14), JAN),  # the latest card in hand
        (date(2027, 1, 26), JAN),  # both inside their window: the latest
        (date(2027, 3, 15), JAN),  # 60 days after January's: still inside
        (date(2027, 3, 16), None),  # 61 days after: outside
    ],
)
def test_the_latest_card_that_arrived_inside_its_window(on: date, expected: SentCard) -> None:
    assert credited_card([JAN, NOV], on, 60) == expected


def test_a_code_counts_from_the_day_the_card_was_sent() -> None:
    early = date(2026, 11, 25)
    assert credited_card([NOV], early, 60) is None
    assert credited_card([NOV], early, 60, by_code=True) == NOV
    said = credit([NOV], date(2026, 11, 22), 60, MatchedBy.CODE)
    assert said.card is None
    assert said.detail == f"before card {display(NOV.code)} was sent (2026-11-23)"
    assert said.contact_id == "C001"


def test_why_not_credited_names_the_days() -> None:
    late = credit([NOV], date(2027, 2, 5), 60, MatchedBy.PHONE)
    assert late.detail == (
        "70 days after their card arrived (2026-11-27), outside the 60-day window"
    )
    assert credit([], date(2027, 2, 5), 60, MatchedBy.PHONE).detail == ("no card was sent to them")


def test_a_response_key_is_the_sources_own_id_and_day_else_what_the_row_says() -> None:
    row = {"at": "2026-11-28T09:00", "amount": "4000", "phone": ""}
    day = date(2026, 11, 28)
    order = ResponseKind.ORDER
    assert response_key(order, "shop", " #1001 ", day, row) == "order|shop|id|#1001|2026-11-28"
    assert response_key(order, "shop", "#1001", day, {}) == "order|shop|id|#1001|2026-11-28"
    next_party = date(2026, 12, 5)
    assert response_key(order, "shop", "1", day, {}) != response_key(
        order, "shop", "1", next_party, {}
    )
    by_row = response_key(ResponseKind.CLICK, "clicks", "", day, row)
    assert by_row == response_key(ResponseKind.CLICK, "clicks", "", day, {**row, "phone": ""})
    assert by_row != response_key(ResponseKind.CLICK, "clicks", "", day, {**row, "amount": "1"})
    assert by_row != response_key(ResponseKind.ORDER, "clicks", "", day, row)


def test_what_a_call_records() -> None:
    code = candidate("step")
    ordered = call_record(
        outcome=Outcome.ORDERED,
        called_at=datetime(2026, 11, 30, 10, 0),
        notes=f"she read {display(code)} to me",
        extra={"Amount": "$52", "amount": "$52"},
    )
    found = call_response(ordered)
    assert found is not None
    assert (found.kind, found.amount_cents, found.codes) == (ResponseKind.ORDER, 5200, (code,))
    assert found.key == f"call|{ordered.call_key}"
    assert (found.file, found.line, found.source) == ("calls.csv", 2, "calls")
    reply = call_record(outcome=Outcome.CALLBACK, notes=f"code {code}, call Friday")
    assert call_response(reply) is not None
    assert call_response(reply).kind is ResponseKind.REPLY  # type: ignore[union-attr]
    for outcome in (Outcome.VOICEMAIL, Outcome.OPT_OUT, Outcome.WRONG_NUMBER):
        assert call_response(call_record(outcome=outcome, notes=code)) is None
    assert call_response(call_record(outcome=Outcome.ORDERED, notes="2 jars")) is None
    assert call_response(call_record(outcome=Outcome.CONNECTED, notes="$40 maybe")) is None
