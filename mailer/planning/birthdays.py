"""Birthday cards: which birthday a card sent now would greet, if any (README, "The
cadence"). Pure: no I/O, no clock."""

from __future__ import annotations

from datetime import date, timedelta

from mailer.config import Config
from mailer.domain.models import CallRecord, ContactHistory, PastMailing

BIRTHDAY_TEMPLATE = "birthday"

# A birthday card sent in the half year before a birthday was that birthday's card.
_SAME_BIRTHDAY = timedelta(days=183)


def birthday_card_due(
    record: CallRecord, history: ContactHistory, config: Config, send: date, delivery: date
) -> date | None:
    """The birthday a card sent today would greet, or None: it must arrive before the day,
    within the window, and be the first card for that birthday."""
    if not config.cadence.birthday or record.birthday is None:
        return None
    birthday = _next_birthday(record.birthday, delivery)
    if (birthday - send).days > config.cadence.birthday_window_days:
        return None
    if any(_greets(m, birthday) for m in history.mailings):
        return None
    return birthday


def _greets(mailing: PastMailing, birthday: date) -> bool:
    return mailing.template == BIRTHDAY_TEMPLATE and (
        birthday - _SAME_BIRTHDAY < mailing.send_date <= birthday
    )


def _next_birthday(born: date, after: date) -> date:
    """The first birthday strictly after `after`; Feb 29 is kept on Feb 28 in common years."""
    for year in (after.year, after.year + 1):
        try:
            day = born.replace(year=year)
        except ValueError:
            day = date(year, 2, 28)
        if day > after:
            return day
    raise AssertionError("a birthday comes round every year")
