"""Which project a command works on, and whose name goes on the cards.

A project is a folder holding `mailer.toml`; its ledger is the `mailer.db` beside it. Like
git, a command looks for the file in the current folder and then in each folder above it,
so a command run from a sub-folder still finds its ledger, and one run in the wrong folder
says so instead of starting an empty ledger. `--db` (or `MAILER_DB`) names a ledger outright;
`--config` (or `MAILER_CONFIG`) names the settings, and then the ledger sits beside them.

The seller's details come only from their own `mailer.toml`. The fictitious demo seller
(`DEMO`) signs cards only when asked for by name (`--demo`); a real run with a detail missing
is refused, naming the keys (`missing_details`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from mailer.config import Config, Offer, ReturnAddress, Sender
from mailer.errors import ConfigError, NoLedgerError

CONFIG_NAME = "mailer.toml"
LEDGER_NAME = "mailer.db"

DEMO = Config(
    sender=Sender(
        name="Jamie Rivera",
        company="Prairie Lantern Candles",
        phone="(217) 555-0100",
        email="jamie@example.com",
        return_address=ReturnAddress("PO Box 1207", "", "Springfield", "IL", "62705", "US"),
    ),
    offer=Offer(
        headline="Your holiday candles, 20% off",
        details="20% off any order of two or more jars, shipping included.",
        code="NOTE20",
        url="https://example.com/note20",
        tip="Trim the wick to 1/4 inch before each burn for a clean, even flame.",
    ),
)
"""The built-in demo: a fictitious candle seller, for `--demo` and the tests."""

OFFER_TEMPLATE = "offer"

# What a card can't go out without: who it is from, and where it comes back to. The rest
# (company, phone, email, line2, the offer's code, web address and tip) is printed when set
# and simply left off when not.
REQUIRED_SENDER = ("name",)
REQUIRED_RETURN = ("line1", "city", "state", "postal_code")


def missing_details(config: Config) -> tuple[str, ...]:
    """The keys a real run needs that `config` leaves empty, as written in mailer.toml:
    the sender's name and return address, and the offer's headline when the cadence mails
    the offer card (its front states the offer)."""
    sender, ra = config.sender, config.sender.return_address
    missing = [f"sender.{k}" for k in REQUIRED_SENDER if not getattr(sender, k).strip()]
    missing += [f"sender.return_address.{k}" for k in REQUIRED_RETURN if not getattr(ra, k).strip()]
    sends_offer = OFFER_TEMPLATE in config.cadence.outcomes.values()
    if sends_offer and not config.offer.headline.strip():
        missing.append("offer.headline")
    return tuple(missing)


def require_details(config: Config) -> None:
    """Refuse a run that would print, record or send cards without the seller's details."""
    missing = missing_details(config)
    if not missing:
        return
    where = str(config.source) if config.source else f"no {CONFIG_NAME} found"
    raise ConfigError(
        f"{where}: the cards need {', '.join(missing)}",
        hint=f"set {'it' if len(missing) == 1 else 'them'} in {CONFIG_NAME} (`mailer init` "
        "writes one to fill in), or add --demo to try mailer with a fictitious seller",
    )


def demo_config(config: Config) -> Config:
    """`config` with the demo seller and offer in place of the seller's own."""
    return dataclasses.replace(config, sender=DEMO.sender, offer=DEMO.offer)


# ---- where the project is ---------------------------------------------------------------


@dataclass(frozen=True)
class Project:
    """Where a command's settings and ledger are, and how they were found."""

    config: Path | None
    """The mailer.toml in use; None when none was given or found."""
    ledger: Path
    ledger_from: str
    """How the ledger was chosen, for messages: "--db", "MAILER_DB", or "beside ..."."""
    searched: tuple[Path, ...] = ()
    """The folders looked in for mailer.toml (empty when a path was given)."""


def nearest_config(start: Path) -> tuple[Path | None, tuple[Path, ...]]:
    """The nearest mailer.toml in `start` or a folder above it, and the folders looked in.
    One in `start` itself comes back as `start / "mailer.toml"`; one above as a full path."""
    searched: list[Path] = []
    folder = start.absolute()
    for candidate in (folder, *folder.parents):
        searched.append(candidate)
        if _is_file(candidate / CONFIG_NAME):
            return (start if candidate == folder else candidate) / CONFIG_NAME, tuple(searched)
    return None, tuple(searched)


def _is_file(path: Path) -> bool:
    """A folder above that we may not look into holds no config of ours."""
    try:
        return path.is_file()
    except OSError:
        return False


def locate(
    start: Path,
    *,
    config: Path | None = None,
    db: Path | None = None,
    db_from: str = "--db",
) -> Project:
    """The project for a command run in `start`: `db` wins for the ledger; `config` wins for
    the settings (and puts the ledger beside it); else the nearest mailer.toml, else this
    folder."""
    searched: tuple[Path, ...] = ()
    if config is None:
        config, searched = nearest_config(start)
    if db is not None:
        return Project(config, db, db_from, searched)
    if config is not None:
        return Project(config, config.parent / LEDGER_NAME, f"beside {config}", searched)
    return Project(None, start / LEDGER_NAME, "this folder", searched)


def require_ledger(project: Project) -> None:
    """A command that only reads never creates a ledger: when there is none where the
    project says, refuse and say where it looked."""
    try:
        if project.ledger.exists():
            return
    except OSError:
        return  # there is something we can't look at: opening it says what is wrong
    raise NoLedgerError(*_no_ledger(project))


def _no_ledger(project: Project) -> tuple[str, str]:
    start = "`mailer plan CALLS.csv` or `mailer run CALLS.csv` starts one"
    if project.ledger_from in ("--db", "MAILER_DB"):
        return (
            f"no ledger at {project.ledger} (from {project.ledger_from})",
            f"check the path; {start}",
        )
    if project.config is not None:
        return (
            f"no ledger at {project.ledger} ({project.ledger_from})",
            f"nothing was planned in this project yet: {start}",
        )
    top = project.searched[0] if project.searched else Path.cwd()
    return (
        f"no {CONFIG_NAME} in {top} or any folder above it, and no ledger at {project.ledger}",
        f"cd into your project folder (where {CONFIG_NAME} and {LEDGER_NAME} are), or name "
        f"the ledger with --db or MAILER_DB",
    )
