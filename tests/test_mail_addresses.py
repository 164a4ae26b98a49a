"""A plan's addresses the quick way (`domain.mail_addresses`) are what `addresses` says of
them the full way: whether each takes a card, and its printed lines and fields, whatever
its parts and whichever houses of its street and city the plan read first; and through
`mailer plan`, a log of households plans the same with the quick way turned off."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mailer.domain import mail_addresses
from mailer.domain.addresses import mailability_problem, normalize
from mailer.domain.mail_addresses import MailAddresses, mail_problem
from mailer.domain.models import Action, Address
from tests.builders import invoke, open_ledger, write_file

NUMBERS = ("1418", "7", "012", "12A", "", "\u0661\u0662", "99999", "1-2", "²")
STREETS = (
    "Oak Ridge Dr", "Maple Ave", "maple  ave", "Maple Ave.", "W Washington St", "Elm Street",
    "Main St Apt 4", "B Place", "Lake Shore Dr E", "Old Mill Road", "", " Elm St", "Elm St ",
    "Elm\tSt", "PO Box", "Hwy 5", "Rue Saint-Denis", "Grand Blvd,", "Straße Ave",
)  # fmt: skip
SEPARATORS = (" ", " ", "  ", "\t", "\u00a0")
CITIES = (
    "Springfield", "springfield", " Springfield ", "", " ", "St. Louis", "Fort Wayne",
    "O'Fallon", "New York", "Chatham", "Mt Vernon", "Ville-Marie",
)  # fmt: skip
STATES = ("IL", "IL", "il", "Illinois", "ON", "XX", "", " IL", "MA", "PR", "QC")
POSTALS = ("62704", "62704", "2134", "62704-1234", "6270", "", "00501", "M5V 2T6", " 62704")
ARABIC_INDIC_ZIP = "\u0666\u0662\u0667\u0660\u0664"  # digits, but not ASCII ones
COUNTRIES = ("US", "US", "", "USA", "CA", "GB", "us")

written = st.builds(
    lambda number, separator, street, line2, city, state, postal, country: Address(
        f"{number}{separator}{street}" if number or street else "",
        line2,
        city,
        state,
        postal,
        country,
    ),
    st.sampled_from(NUMBERS),
    st.sampled_from(SEPARATORS),
    st.sampled_from(STREETS),
    st.sampled_from(("", "", " ", "Apt 2", "PO Box 4")),
    st.sampled_from(CITIES),
    st.sampled_from(STATES),
    st.sampled_from((*POSTALS, ARABIC_INDIC_ZIP)),
    st.sampled_from(COUNTRIES),
)


@settings(max_examples=600, deadline=None)
@given(st.lists(written, min_size=1, max_size=8))
@example([Address("1418 Oak Ridge Dr", "", "Springfield", "IL", "62704", "US")] * 2)
@example(  # another house of a street and city read before
    [
        Address("12 Maple Ave", "", "Springfield", "IL", "62704", "US"),
        Address("9 Maple Ave", "", "Springfield", "IL", "62701", "US"),
    ]
)
@example([Address("12 MAPLE AVE", "", "SPRINGFIELD", "IL", "62704", "US")])  # as printed
@example([Address("012 Maple Ave", "", "Springfield", "IL", "62704", "US")])
@example([Address("12 Maple Ave", "", "Springfield", "ON", "62704", "US")])
@example([Address("12 Maple Ave", "", " ", "IL", "62704", "US")])  # no city
def test_a_plans_addresses_are_what_the_full_rules_say(addresses: list[Address]) -> None:
    plan = MailAddresses()
    for address in [*addresses, *addresses]:  # each asked again: the kept answer
        assert mail_problem(address) == mailability_problem(address)
        full = normalize.__wrapped__(address)  # (a plan asks only for mailable ones)
        assert plan.mailed(address) == (full.lines, full.address)


def test_a_copy_of_an_address_is_read_again() -> None:
    """Addresses are kept by identity, and the object with them: an equal address made
    anew is another entry, read to the same answer."""
    plan = MailAddresses()
    first = Address("12 Maple Ave", "", "Springfield", "IL", "62704", "US")
    again = Address("12 Maple Ave", "", "Springfield", "IL", "62704", "US")
    assert plan.mailed(first) == plan.mailed(again)
    assert len(plan._mailed) == 2


def _households_log(folder: Path) -> Path:
    rows = []
    for i in range(60):
        street = ("Maple Ave", "Oak Ridge Dr", "Elm St Apt 2", "PO Box", "maple ave")[i % 5]
        city = ("Springfield", "Chatham", "St. Louis", "", "Boston")[i % 4]
        state, postal = ("MA", "2134") if city == "Boston" else ("IL", f"627{i % 7:02d}")
        outcome = ("voicemail", "no_answer", "busy", "connected")[i % 4]
        rows.append(
            f"C{i % 45},Mary{i},{100 + i % 9} {street},{city},{state},{postal},US,{outcome},"
            f"2026-11-{10 + i % 11} 10:{i % 60:02d}\n"
        )
    header = "contact_id,first_name,address_line1,city,state,postal_code,country,outcome,"
    return write_file(folder, "log.csv", header + "called_at\n" + "".join(rows))


def test_a_log_of_households_plans_the_same_without_the_quick_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`mailer plan` records each card with the address it prints: the same with every
    address read the full way."""
    log = _households_log(tmp_path)

    def plan(db: Path) -> tuple[str, list[tuple[str, tuple[str, ...], Address | None]]]:
        result = invoke("plan", log, "--today", "2026-11-22", "--db", db)
        assert result.exit_code == 0, result.stderr
        with open_ledger(db) as ledger:
            cards = ledger.steps(Action.MAIL)
        return result.stdout, [
            (s.contact_id, s.record.mail_lines, s.record.mail_address) for s in cards
        ]

    quick = plan(tmp_path / "quick.db")
    with monkeypatch.context() as patched:
        patched.setattr(mail_addresses.MailAddresses, "_quick", lambda _self, _address: None)
        patched.setattr(mail_addresses, "US_STATES", frozenset())
        assert plan(tmp_path / "full.db") == quick
    assert len(quick[1]) > 20
    assert ("C0", ("100 MAPLE AVE", "CHATHAM IL 62703")) in [c[:2] for c in quick[1]]
