"""Synthetic offer cards for the benches: fictitious contacts in a few Midwest towns, as the
ledger hands mail steps over (the plan has normalized each address once)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

from mailer.domain.addresses import with_mail_address
from mailer.domain.models import Action, Address, CallRecord, MailStep, Outcome, Plan
from mailer.ledger import Ledger

PLANNED_ON = date(2026, 11, 22)

# Accented Latin names (WinAnsi) that Helvetica and Caveat both draw, so the plain-ReportLab
# baseline prints them correctly too; names outside WinAnsi (Łukasz, Nguyễn) make mailer embed
# a fallback font subset, a cost the baseline can't even pay.
FIRST = ("Mary", "José", "Zoë", "Aarav", "Siobhán", "Chloé", "Björn", "Renée", "Amélie",
         "Ngozi", "Hannah", "Søren", "Inés", "Matthew", "François", "Dagný")  # fmt: skip
LAST = ("Albright", "Núñez", "Lindqvist", "Patel", "O'Connor", "Dubois", "Åkesson", "Fontaine",
        "Gagnon", "Okafor", "Kowalski", "Jørgensen", "Muñoz", "Reyes", "Müller",
        "Þórsdóttir")  # fmt: skip
STREETS = ("Maple Ave", "Oak St", "Lakeview Dr", "Prairie Rd", "Elm Ct", "Willow Ln")
CITIES = (("Springfield", "IL", "62704"), ("Peoria", "IL", "61602"),
          ("Madison", "WI", "53703"), ("Des Moines", "IA", "50309"))  # fmt: skip


def person(i: int) -> tuple[str, str]:
    return FIRST[i % len(FIRST)], LAST[(i // len(FIRST) + i) % len(LAST)]


def offer_step(i: int) -> MailStep:
    """Contact number `i`'s offer card."""
    first, last = person(i)
    city, state, zip_code = CITIES[i % len(CITIES)]
    record = CallRecord(
        file="bench.csv",
        row=i + 2,
        contact_id=f"B{i:06d}",
        outcome=Outcome.VOICEMAIL,
        called_at=datetime(2026, 11, 21, 10, 5),
        first_name=first,
        last_name=last,
        phone=f"(217) 555-{i % 10000:04d}",
        email=f"contact{i}@example.com",
        address=Address(
            f"{100 + i % 9000} {STREETS[i % len(STREETS)]}",
            f"Apt {i % 40 + 1}" if i % 3 == 0 else "",
            city,
            state,
            zip_code,
        ),
    )
    return MailStep(
        record=with_mail_address(record),
        action=Action.MAIL,
        reason="voicemail on the first call",
        template="offer",
        send_date=date(2026, 11, 23),
        expected_delivery=date(2026, 11, 27),
        offer_expires=date(2026, 12, 7),
        follow_up_call=date(2026, 11, 30),
    )


def offer_steps(n: int, start: int = 0) -> Iterator[MailStep]:
    """N offer cards, made as they are read. `start` gives another run other contacts and
    addresses, so that no run profits from another's caches."""
    return (offer_step(i) for i in range(start, start + n))


def ledger_with_offers(path: Path, n: int) -> None:
    """A ledger file with N offer cards planned and none drawn: what `mailer render` reads
    after a big calling session."""
    steps = tuple(offer_steps(n))
    with Ledger.open(path) as ledger:
        ledger.record_plan(
            Plan(today=PLANNED_ON, steps=steps, rejections=(), notices=(), rows=len(steps))
        )
