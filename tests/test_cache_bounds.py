"""The domain's caches that a plan fills a contact at a time keep a few thousand entries,
however long the call log: a season's log of tens of thousands of contacts plans in the
memory of a few thousand (issue 14). Each is asked about more distinct contacts than it
keeps, as a long log asks it (`normalize`, slow to ask, shares `mailability_problem`'s
bound)."""

from __future__ import annotations

from mailer.domain import addresses, identity, names
from mailer.domain.models import Address

KEPT = 4096
NAMES_KEPT = 16384
"""A log's people come back far apart more often than its addresses (which the cadence and
`normalize` ask for one after the other), and an all-caps name is slow to tidy again."""
CONTACTS = KEPT + 500


def test_the_caches_a_plan_fills_per_contact_stay_bounded() -> None:
    for n in range(NAMES_KEPT + 500):
        names.tidy_names(f"Mary{n}", "Albright")
    info = names.tidy_names.cache_info()
    assert info.maxsize is not None
    assert info.currsize <= info.maxsize <= NAMES_KEPT
    for n in range(CONTACTS):
        identity.normalize_phone(f"(217) 55{n // 1000}-{n % 1000:04d}")
        address = Address(f"{100 + n} Elm St", "", "Springfield", "IL", "62704", "US")
        assert addresses.mailability_problem(address) is None
    for cached in (
        identity.normalize_phone,
        addresses.mailability_problem,
        addresses.normalize,
    ):
        info = cached.cache_info()
        assert info.maxsize is not None, cached
        assert info.maxsize <= KEPT, cached
        assert info.currsize <= KEPT, cached
