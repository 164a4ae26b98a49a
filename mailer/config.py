"""`mailer.toml`: the seller, the offer, the mail class, the cadence and the output choices.

Loaded into frozen dataclasses and validated; every error names the key and the fix. A key
left out takes the default below; the seller's own details (name, phone, return address, the
offer) default to nothing, never to someone else's.
"""

from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, tzinfo
from pathlib import Path
from typing import Any

from mailer.config_checks import MAX_URL_LENGTH as MAX_URL_LENGTH
from mailer.config_checks import validate
from mailer.config_ranges import MAX_OFFER_DAYS as MAX_OFFER_DAYS
from mailer.config_ranges import in_range
from mailer.domain.daytimes import DEFAULT_WINDOWS, CallWindow, configured_windows
from mailer.domain.experiments import Experiment
from mailer.domain.models import Address, Outcome
from mailer.domain.postal_days import TransitDays
from mailer.domain.responses import DEFAULT_ATTRIBUTION_DAYS
from mailer.errors import ConfigError


# The seller's own details default to "": a key left out is not printed. The fictitious
# demo seller lives in `mailer.project.DEMO`, for `--demo` alone.
@dataclass(frozen=True)
class ReturnAddress:
    line1: str = ""
    line2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = "US"

    def as_address(self) -> Address:
        return Address(
            self.line1, self.line2, self.city, self.state, self.postal_code, self.country
        )


@dataclass(frozen=True)
class Sender:
    name: str = ""
    company: str = ""
    phone: str = ""
    email: str = ""
    return_address: ReturnAddress = field(default_factory=ReturnAddress)

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.split() else self.name


@dataclass(frozen=True)
class Offer:
    headline: str = ""
    details: str = ""
    code: str = ""
    url: str = ""
    offer_days: int = 14
    tip: str = ""


@dataclass(frozen=True)
class Mail:
    mail_class: str = "first_class"
    transit_days: TransitDays = field(default_factory=TransitDays)
    size: str = "4x6"
    mode: str = "self"


@dataclass(frozen=True)
class Cadence:
    cooldown_days: int = 30
    offer_margin_days: int = 3
    """The offer stays open at least this many days after the follow-up call."""
    thank_you: bool = False
    birthday: bool = False
    birthday_window_days: int = 14
    exit_after: int = 3  # unanswered calls in a cycle before the last try
    rest_days: int = 90  # the rest after the last try, or after "not interested"
    outcomes: Mapping[str, str] = field(
        default_factory=lambda: {
            "voicemail": "offer",
            "no_answer": "offer",
            "busy": "offer",
            "connected": "skip",
            "wrong_number": "skip",
            "callback": "call",
            "not_interested": "skip",
            "ordered": "thank-you",
            "texted": "skip",
            "appointment": "skip",
        }
    )
    """What a first call leads to: a template name (mail that card), `call` or `skip`."""

    def first_call_step(self, outcome: Outcome) -> str:
        if outcome is Outcome.CONNECTED and self.thank_you:
            return self.outcomes.get("connected_thank_you", "thank-you")
        return self.outcomes.get(outcome.value, "skip")


@dataclass(frozen=True)
class Templates:
    dir: str = ""
    """A folder of your own templates; they override or add to the built-ins."""
    font: str = ""
    """A TrueType (.ttf) font for the handwritten message; empty means Caveat."""
    variation: bool = True  # the note written as a hand writes (drawing.hand); false: plain
    ink: str = ""  # the note's hex colour; "" is each template's pen colour (blue-black)
    long_note: int = 480  # longer notes (characters) are warned about in the plan


@dataclass(frozen=True)
class Stamps:
    domestic: float = 0.61
    international: float = 1.70
    since: date = date(2025, 7, 13)


@dataclass(frozen=True)
class Print:
    stock: str = "avery-5389"
    duplex: str = "long-edge"
    sort: str = "zip"
    stamps: Stamps = field(default_factory=Stamps)
    stocks: tuple[Mapping[str, Any], ...] = ()
    """Extra stocks, same fields as the bundled table (see README)."""


@dataclass(frozen=True)
class Provider:
    name: str = "lob"
    use_type: str = "marketing"
    mail_type: str = "usps_first_class"
    campaign: str = "call-mail-call"
    rate_limit: int = 150
    rate_window_seconds: float = 5.0
    timeout_seconds: float = 30.0
    prices: Mapping[str, float] = field(
        default_factory=lambda: {"4x6": 0.63, "6x9": 0.84, "6x11": 0.95}
    )
    prices_since: date = date(2025, 7, 13)


@dataclass(frozen=True)
class Followups:
    windows: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_WINDOWS))
    """The named parts of the day calls go in, the contact's time; "" drops one (README)."""
    slot_minutes: int = 15
    call_window: str = ""
    """The single window of older configs: when set, the only one."""


@dataclass(frozen=True)
class Calls:
    timezone: str = ""
    """The seller's time zone, an IANA name such as "America/Los_Angeles"; empty means the
    machine's own. Times a call log writes with a zone (`Z`, `+00:00`) are read in it."""
    max_age_days: int = 60
    """Calls older than this get one warning line per file: an old export, read by mistake?"""


@dataclass(frozen=True)
class Results:  # responses and `mailer report` (README, "Did it work?")
    attribution_days: int = DEFAULT_ATTRIBUTION_DAYS  # days a response, a second call, counts
    print_cost: float = 0.0  # dollars of stock and ink for a self-printed card (no stamp)


@dataclass(frozen=True)
class Config:
    sender: Sender = field(default_factory=Sender)
    offer: Offer = field(default_factory=Offer)
    mail: Mail = field(default_factory=Mail)
    cadence: Cadence = field(default_factory=Cadence)
    templates: Templates = field(default_factory=Templates)
    print: Print = field(default_factory=Print)
    provider: Provider = field(default_factory=Provider)
    followups: Followups = field(default_factory=Followups)
    calls: Calls = field(default_factory=Calls)
    results: Results = field(default_factory=Results)
    experiment: Experiment | None = None
    """`[experiment]`: variants of the sales card tried side by side (`domain.experiments`)."""
    columns: Mapping[str, Any] = field(default_factory=dict)
    """`[columns]`: field = "Header as exported", and `ignore = [...]` headers."""
    outcomes: Mapping[str, Any] = field(default_factory=dict)
    """`[outcomes]`: "Their word" = "outcome", and `default` for words not known."""
    source: Path | None = None
    """The file this came from; None for the built-in settings (`DEFAULT`, the demo)."""

    @property
    def templates_dir(self) -> Path | None:
        return self._beside(self.templates.dir)

    @property
    def font_path(self) -> Path | None:
        return self._beside(self.templates.font)

    def _beside(self, value: str) -> Path | None:
        """A path from the config file: relative ones are read from the file's folder."""
        if not value:
            return None
        path = Path(value).expanduser()
        if not path.is_absolute() and self.source is not None:
            path = self.source.parent / path
        return path


DEFAULT = Config()

# The TOML key for a field where it differs from the Python name.
_RENAMED = {"mail_class": "class"}


def load(path: Path | None) -> Config:
    """Read and validate a config file; `None` means the defaults (no seller set). Raises
    `ConfigError` naming the key and the fix."""
    if path is None:
        return DEFAULT
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(
            f"config file {path} not found", hint="run `mailer init` to write a starter config"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"can't read config file {path}: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path}: not valid TOML: {exc}", hint="check quotes and brackets on that line"
        ) from None
    except RecursionError:  # the parser recurses once per nested [ or {
        raise ConfigError(
            f"{path}: lists or tables nested too deeply to read",
            hint="mailer.toml needs at most a table inside a table: remove the nesting",
        ) from None
    config = typing.cast(Config, _build(Config, data, path, ""))
    config = dataclasses.replace(config, source=path)
    validate(config, path)
    return config


def from_mapping(data: Mapping[str, Any], source: Path | None = None) -> Config:
    """Build and validate a config from an already-parsed mapping (used by tests)."""
    where = source or Path("mailer.toml")
    built = typing.cast(Config, _build(Config, data, where, ""))
    config = dataclasses.replace(built, source=source)
    validate(config, where)
    return config


def _build(cls: type[Any], data: Any, path: Path, prefix: str) -> Any:
    if not isinstance(data, Mapping):
        raise ConfigError(
            f"{path}: [{prefix.rstrip('.')}] must be a table",
            hint=f"write it as a [{prefix.rstrip('.')}] section",
        )
    hints = typing.get_type_hints(cls)
    fields = {
        _RENAMED.get(f.name, f.name): f
        for f in dataclasses.fields(cls)
        if f.name != "source" and f.init
    }
    unknown = sorted(set(data) - set(fields))
    if unknown:
        key = prefix + unknown[0]
        raise ConfigError(
            f"{path}: unknown key '{key}'",
            hint=f"valid keys here: {', '.join(sorted(fields))}",
        )
    values: dict[str, Any] = {}
    for toml_key, f in fields.items():
        if toml_key in data:
            value = _coerce(hints[f.name], data[toml_key], path, prefix + toml_key)
            if isinstance(value, dict) and f.default_factory is not dataclasses.MISSING:
                # A table names only what it changes: [cadence.outcomes] with one line
                # keeps the defaults for the other outcomes.
                value = {**f.default_factory(), **value}
            values[f.name] = value
    return cls(**values)


def _coerce(kind: Any, value: Any, path: Path, key: str) -> Any:
    origin = typing.get_origin(kind)
    if kind is TransitDays and not isinstance(value, dict):
        if not isinstance(value, int) or isinstance(value, bool):
            raise _wrong_type(
                path, key, value, "a whole number of days, or a [mail.transit_days] table"
            )
        value = {"domestic": value}  # `transit_days = 3`: the domestic time, as before
    if dataclasses.is_dataclass(kind):
        return _build(typing.cast(type[Any], kind), value, path, key + ".")
    if origin in (types.UnionType, typing.Union):
        kinds = [k for k in typing.get_args(kind) if k is not type(None)]
        return _coerce(kinds[0], value, path, key)
    if kind is bool:
        if not isinstance(value, bool):
            raise _wrong_type(path, key, value, "true or false")
        return value
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _wrong_type(path, key, value, "a whole number")
        return in_range(key, value, path)
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _wrong_type(path, key, value, "a number")
        return in_range(key, float(value), path)
    if kind is str:
        if not isinstance(value, str):
            raise _wrong_type(path, key, value, 'a quoted string, e.g. "text"')
        return value
    if kind is date:
        if isinstance(value, date):
            return value
        from mailer.domain.datetext import iso_date  # only a config with a date needs it

        if isinstance(value, str) and (day := iso_date(value)) is not None:
            return day
        raise _wrong_type(path, key, value, "a date like 2025-07-13")
    if origin is Mapping or origin is dict:
        if not isinstance(value, Mapping):
            raise _wrong_type(path, key, value, "a table")
        _, value_kind = typing.get_args(kind)
        return {str(k): _coerce(value_kind, v, path, f"{key}.{k}") for k, v in value.items()}
    if origin is tuple:
        if not isinstance(value, list):
            raise _wrong_type(path, key, value, "a list")
        return tuple(value)
    if kind is Any:
        return value
    raise AssertionError(f"config field {key} has an unsupported type {kind}")


def _wrong_type(path: Path, key: str, value: Any, expected: str) -> ConfigError:
    return ConfigError(f"{path}: '{key}' is {value!r}", hint=f"set it to {expected}")


def call_zone(calls: Calls) -> tzinfo | None:
    """The zone call times are read in (`[calls] timezone`); None is the machine's own."""
    from mailer.domain.datetext import named_zone  # the date reader: only here, not at start

    return named_zone(calls.timezone) if calls.timezone else None


def call_windows(followups: Followups) -> tuple[CallWindow, ...]:
    """The windows follow-up calls go in, earliest first (`daytimes.configured_windows`)."""
    return configured_windows(followups.windows, followups.call_window)
