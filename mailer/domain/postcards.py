"""The closed sets of a postcard, defined once: how it is mailed (`CardMode`), its size
(`CardSize`, with its measurements) and how a printer turns the sheet (`Duplex`).

The values are the words the config file and the command line use, so a `StrEnum` member
compares equal to the text a seller typed.
"""

from __future__ import annotations

from enum import StrEnum


class CardMode(StrEnum):
    """Who prints and mails the card."""

    SELF = "self"
    """The seller prints at home, stamps and mails."""
    PROVIDER = "provider"
    """A print-and-mail service (Lob, PostGrid) prints and mails."""


class CardSize(StrEnum):
    """Card sizes, named short side by long side as the trade writes them."""

    POSTCARD = "4x6"
    LARGE = "6x9"
    JUMBO = "6x11"
    QUARTER_LETTER = "4.25x5.5"
    A6 = "a6"

    @property
    def inches(self) -> tuple[float, float]:
        """(length, height) in inches, landscape: the address runs along the length."""
        return _INCHES[self]


_INCHES = {
    CardSize.POSTCARD: (6.0, 4.0),
    CardSize.LARGE: (9.0, 6.0),
    CardSize.JUMBO: (11.0, 6.0),
    CardSize.QUARTER_LETTER: (5.5, 4.25),
    CardSize.A6: (148 / 25.4, 105 / 25.4),
}

PROVIDER_SIZES: tuple[CardSize, ...] = (CardSize.POSTCARD, CardSize.LARGE, CardSize.JUMBO)
"""What Lob and PostGrid print."""
SELF_MAIL_SIZES: tuple[CardSize, ...] = (
    CardSize.POSTCARD,
    CardSize.QUARTER_LETTER,
    CardSize.A6,
)
"""What the bundled print stocks hold."""


def sizes_for(mode: str) -> tuple[CardSize, ...]:
    """The sizes a card mode allows."""
    return PROVIDER_SIZES if mode == CardMode.PROVIDER else SELF_MAIL_SIZES


MIN_ASPECT, MAX_ASPECT = 1.3, 2.5
"""USPS letter-size machines take cards whose length / height is 1.3 to 2.5 (4x6 is 1.5;
quarter-letter, 5.5 x 4.25, is 1.29 and may be sorted by hand)."""


def aspect_ratio(length: float, height: float) -> float:
    return max(length, height) / min(length, height)


def machinable(length: float, height: float) -> bool:
    """Whether USPS machines sort a card of this size (either orientation)."""
    return MIN_ASPECT <= aspect_ratio(length, height) <= MAX_ASPECT


class Duplex(StrEnum):
    """How the printer turns a two-sided sheet (its own setting's words)."""

    LONG_EDGE = "long-edge"
    SHORT_EDGE = "short-edge"
    NONE = "none"
    """One-sided: all fronts, then all backs fed again by hand."""
