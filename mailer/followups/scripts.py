"""What to say on each planned call, in the seller's voice: the live script, the voicemail
message, whether to leave it this time, the permission ask and a text to send first.

The words come from Jinja2 templates in the `scripts/` folder of the templates (the built-in
`templates/scripts/*.j2`, each replaceable file by file by the seller's own `scripts/` in
their `templates.dir`), run in the same sandbox as the cards: strict undefined variables, no
reach into Python internals, and any failure a `TemplateError` naming the file, the line and
the contact. The rules deciding which words apply are in `mailer.followups.wording`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import jinja2

from mailer.config import Config
from mailer.domain.models import Action, CallPurpose, CallRecord, MailStep, Outcome
from mailer.drawing.card_context import card_context
from mailer.drawing.templates import (
    Fields,
    describe_failure,
    sandbox,
    template_dirs,
    template_line,
)
from mailer.errors import TemplateError
from mailer.followups import wording

FOLDER = "scripts"
VOICE = "voice.j2"
"""Shared macros (the greeting, the seller's number), imported by the other scripts."""
PERMISSION = "permission.j2"
TEXT = "text.j2"


def live_file(purpose: CallPurpose) -> str:
    return f"{purpose.value}.j2"


def voicemail_file(purpose: CallPurpose) -> str:
    return f"{purpose.value}.voicemail.j2"


def script_files() -> tuple[str, ...]:
    """Every file a complete scripts folder holds."""
    per_call = [f(p) for p in CallPurpose for f in (live_file, voicemail_file)]
    return (*per_call, PERMISSION, TEXT, VOICE)


@dataclass(frozen=True)
class CallScripts:
    """Everything said (or sent) for one planned call."""

    purpose: CallPurpose
    attempt: int
    live: str
    voicemail: str
    leave_message: bool
    permission_ask: str
    """Empty when permission is recorded, or on the last try (its script asks it anyway)."""
    text_message: str
    """Empty unless the contact allows texts and has a phone number."""


def script_folders(config: Config) -> tuple[Path, ...]:
    """Where scripts are looked for, first match wins: the seller's `scripts/` (when their
    templates folder has one), then the built-ins. Looked up once per templates folder: a
    plan asks for every call."""
    key = (config.templates.dir, config.source)
    if key not in _FOLDERS:
        roots = template_dirs(config)
        _FOLDERS[key] = tuple(root / FOLDER for root in roots if (root / FOLDER).is_dir())
    return _FOLDERS[key]


_FOLDERS: dict[tuple[str, Path | None], tuple[Path, ...]] = {}
_COMPILED: dict[tuple[tuple[Path, ...], str], jinja2.Template] = {}


def call_context(step: MailStep, config: Config) -> dict[str, Any]:
    """The variables a script sees: the cards' `contact`, `sender` and `step`, `offer` on
    calls about an offer, and `call` (templates/README.md, "Call scripts")."""
    purpose = wording.purpose_of(step)
    attempt = wording.call_attempt(step, purpose)
    exits = config.cadence.exit_after
    card = wording.after_card(step)
    on = step.follow_up_call or step.record.called_at.date()
    deadline = step.offer_expires
    sales = deadline is not None or (
        purpose in (CallPurpose.FIRST_CALL, CallPurpose.FOLLOW_UP) and not card
    )
    first_step = config.cadence.first_call_step(Outcome.VOICEMAIL)
    back = wording.call_back_day(
        purpose, on, config.mail.transit_days.to(step.record.address.country), first_step
    )
    context = card_context(step, config, sales=sales)
    context["call"] = Fields(
        "call",
        {
            "purpose": purpose.value,
            "attempt": attempt,
            "exit_after": exits,
            "last_try": purpose is CallPurpose.LAST_TRY,
            "on": on,
            "card": card,
            "mailed": step.send_date if card else None,
            "mailed_when": wording.days_ago(step.send_date, on) if card and step.send_date else "",
            "tried_when": wording.days_ago(step.record.called_at.date(), on),
            "missed": max(len(step.missed_at), step.attempt),
            "sales": sales,
            "deadline": deadline,
            "call_back": back,
            "call_back_when": wording.days_ahead(back, on) if back else "",
            "rest_when": wording.rest_words(config.cadence.rest_days),
            "note_follows": first_step not in ("call", "skip"),
            "leave_message": wording.leave_message(purpose, attempt, exits, card),
            "texts_ok": wording.texts_allowed(step),
            "permission": wording.permission_recorded(step),
        },
    )
    return context


def call_scripts(step: MailStep, config: Config, *, who: str = "") -> CallScripts:
    """The scripts of the call `step` asks for, rendered from the templates."""
    context = call_context(step, config)
    call: Mapping[str, Any] = context["call"]
    purpose = CallPurpose(call["purpose"])
    who = who or f"contact {step.contact_id}"
    render = _Renderer(script_folders(config), who, context)
    ask = ""
    if not call["permission"] and purpose is not CallPurpose.LAST_TRY:
        ask = render(PERMISSION)
    text = render(TEXT) if call["texts_ok"] and step.record.phone.strip() else ""
    return CallScripts(
        purpose=purpose,
        attempt=call["attempt"],
        live=render(live_file(purpose)),
        voicemail=render(voicemail_file(purpose)),
        leave_message=call["leave_message"],
        permission_ask=ask,
        text_message=text,
    )


def check_scripts(config: Config) -> None:
    """Every script rendered once for a sample contact, before a run records anything: a
    seller's script that can't be used stops the run at its start, naming the file and the
    line, instead of after the cards are printed."""
    sample = CallRecord(
        file="",
        row=0,
        contact_id="sample",
        outcome=Outcome.VOICEMAIL,
        called_at=datetime(2026, 3, 2, 10, 0),
        first_name="Sample",
        phone="555-0100",
        extra={"texts_ok": "yes"},
    )
    day = date(2026, 3, 9)
    after_card = MailStep(
        sample,
        Action.MAIL,
        "sample",
        template="offer",
        send_date=day - timedelta(days=4),
        offer_expires=day + timedelta(days=7),
        follow_up_call=day,
    )
    for purpose in CallPurpose:
        for step in (after_card, replace(after_card, action=Action.CALL, send_date=None)):
            call_scripts(replace(step, purpose=purpose), config, who="a sample contact")


class _Renderer:
    """Renders script files for one call; a failure names the file, line and contact."""

    def __init__(self, folders: tuple[Path, ...], who: str, context: dict[str, Any]):
        self._env = sandbox(*folders)
        self._folders = folders
        self._who = who
        self._context = context

    def __call__(self, file: str) -> str:
        template = self._compile(file)
        text = self._run(file, lambda: template.render(self._context))
        # A script is one paragraph: the file's line breaks and indents read as spaces.
        return " ".join(text.split())

    def _where(self, file: str) -> Path:
        for folder in self._folders:
            if (folder / file).is_file():
                return folder / file
        return self._folders[0] / file if self._folders else Path(FOLDER) / file

    def _compile(self, file: str) -> jinja2.Template:
        # Each file compiled once a process, then taken from here: Jinja's own cache is a
        # lookup under a lock that reorders a queue, three or four times a call.
        key = (self._folders, file)
        template = _COMPILED.get(key)
        if template is None:
            template = _COMPILED[key] = self._load(file)
        return template

    def _load(self, file: str) -> jinja2.Template:
        try:
            return self._env.get_template(file)
        except jinja2.TemplateSyntaxError as exc:
            raise self._error(
                exc.filename or file, exc.lineno, f"syntax error: {exc.message}"
            ) from None
        except jinja2.TemplateNotFound as exc:
            missing = exc.name or file
            raise TemplateError(
                f"call script {missing} not found (looked in "
                + ", ".join(str(f) for f in self._folders)
                + ")",
                hint=f"a scripts folder holds {', '.join(script_files())}; a file you leave "
                "out comes from the built-ins",
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise self._error(str(self._where(file)), None, f"can't read: {exc}") from None

    def _run(self, file: str, render: Callable[[], str]) -> str:
        try:
            return render()
        except jinja2.TemplateSyntaxError as exc:  # a file it imports or includes
            raise self._error(
                exc.filename or file, exc.lineno, f"syntax error: {exc.message}"
            ) from None
        except jinja2.TemplateNotFound as exc:
            raise self._error(
                str(self._where(file)), None, f"{exc.name!r} is not a file of the scripts folder"
            ) from None
        except Exception as exc:  # any failure inside a seller's script names the call
            path = str(self._where(file))
            raise self._error(path, template_line(self._env, path), describe_failure(exc)) from None

    def _error(self, where: str, line: int | None, detail: str) -> TemplateError:
        at = where + (f", line {line}" if line else "")
        return TemplateError(
            f"call script ({at}) for {self._who}: {detail}",
            hint="variables: contact, sender, offer (calls about an offer), step, call; "
            "filters: friendly, short, greeting; see templates/README.md",
        )
