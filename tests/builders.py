"""Shared test builders: the example files, call records, plan steps, plans, configs, a ledger
on a fixed clock and the CLI runner.

Every test module builds its data here (or takes a fixture from `conftest.py`, or the fake
provider from `fake_provider.py`); no test module imports another. The people are fictitious
and their email addresses are at example.com.

The defaults describe one contact, Mary Albright (C001), who got a voicemail on Saturday
2026-11-21 at 10:05 and is mailed the offer card on Monday 2026-11-23: delivered Friday the
27th, follow-up call Monday the 30th, offer open until Monday 2026-12-07.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops
from typer.testing import CliRunner, Result

from mailer.config import Cadence, Config, Mail
from mailer.domain.models import Action, Address, CallRecord, MailStep, Outcome, Plan
from mailer.domain.postal_days import TransitDays
from mailer.ledger import Ledger
from mailer.project import DEMO

# -- files -----------------------------------------------------------------------------------

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
EXAMPLE_CALLS = REPO / "examples" / "calls_session.csv"
EXAMPLE_CONFIG = REPO / "examples" / "mailer.toml"
SHARED_CALLS = SHARED / "examples" / "calls_session.csv"
LOB_SPEC = SHARED / "specs" / "lob" / "lob-api-bundled.yml"


def write_file(folder: Path, name: str, data: bytes | str) -> Path:
    """A file in `folder` holding exactly `data` (text is written as UTF-8, newlines kept)."""
    path = folder / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def provider_config(
    folder: Path, provider: str = "lob", *, extra: str = "", timeout_seconds: float | None = None
) -> Path:
    """The example settings in provider mode (through `provider`), written to
    `folder/provider.toml`; `extra` TOML appended, a shorter HTTP timeout when given."""
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    assert 'mode = "self"' in text
    assert 'name = "lob"' in text
    text = text.replace('mode = "self"', 'mode = "provider"')
    text = text.replace('name = "lob"', f'name = "{provider}"')
    if timeout_seconds is not None:
        assert "timeout_seconds = 30.0" in text
        text = text.replace("timeout_seconds = 30.0", f"timeout_seconds = {timeout_seconds}")
    return write_file(folder, "provider.toml", text + extra)


def read_csv(path: Path) -> list[list[str]]:
    """The rows of a CSV file mailer wrote (UTF-8 with a BOM), header first."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def read_csv_dicts(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file mailer wrote, each as a dict keyed by the header."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


# -- call records ----------------------------------------------------------------------------

CALLED = datetime(2026, 11, 21, 10, 5)
"""When the default call was made: Saturday morning."""
ELM_STREET = Address("12 Elm St", "Apt 4", "Springfield", "IL", "62704")
MAPLE_AVENUE = Address("1422 Maple Ave", "Apt 3", "Springfield", "IL", "62704")


def phone_of(contact_id: str) -> str:
    """The default phone of a contact: 555-01NN from the number in its id (C001 -> 555-0101,
    C042 -> 555-0142), else a number hashed from the id. Different contacts get different
    phones, so they stay different people to the suppression list (a shared phone or email
    makes two ids one person)."""
    digits = re.sub(r"\D", "", contact_id)
    if digits and int(digits) < 9900:
        return f"555-{100 + int(digits):04d}"
    return f"555-{zlib.crc32(contact_id.encode()) % 10**7:07d}"


def address_of(contact_id: str) -> Address:
    """The default address of a contact: Elm Street, house number 11 + the number in its id
    (C001 -> 12 Elm St, C002 -> 13 Elm St), else a number hashed from the id. Different
    contacts live apart, so they stay different people to the suppression list (the same
    name at the same address is one person)."""
    digits = re.sub(r"\D", "", contact_id)
    number = (
        11 + int(digits)
        if digits and int(digits) < 9900
        else zlib.crc32(contact_id.encode()) % 9000 + 1000
    )
    return dataclasses.replace(ELM_STREET, line1=f"{number} Elm St")


def call_record(
    contact_id: str = "C001",
    outcome: Outcome = Outcome.VOICEMAIL,
    called_at: datetime | str = CALLED,
    *,
    first: str = "Mary",
    last: str = "Albright",
    row: int = 2,
    **fields: Any,
) -> CallRecord:
    """One call from `calls.csv`. `called_at` may be ISO text ("2026-11-21 10:05"); any other
    `CallRecord` field can be given by name and replaces the default (a phone and an email of
    the contact's own, see `phone_of`; an Elm St address of its own, see `address_of`)."""
    values: dict[str, Any] = {
        "file": "calls.csv",
        "row": row,
        "contact_id": contact_id,
        "outcome": outcome,
        "called_at": (
            datetime.fromisoformat(called_at) if isinstance(called_at, str) else called_at
        ),
        "first_name": first,
        "last_name": last,
        "phone": phone_of(contact_id),
        "email": f"{contact_id.lower()}@example.com",
        "address": address_of(contact_id),
    }
    return CallRecord(**(values | fields))


# -- steps and plans -------------------------------------------------------------------------

SEND = date(2026, 11, 23)
DELIVERY = date(2026, 11, 27)
EXPIRES = date(2026, 12, 7)
FOLLOW_UP = date(2026, 11, 30)
PLAN_DAY = date(2026, 11, 23)
"""The day the default plan is made (a Monday): the default card's send date."""
OFFER_REASON = "voicemail on the first call: mail a time-sensitive note"


def mail_step(
    record: CallRecord | None = None,
    template: str = "offer",
    send: date = SEND,
    delivery: date = DELIVERY,
    expires: date | None = EXPIRES,
    follow_up: date | None = FOLLOW_UP,
    *,
    reason: str = OFFER_REASON,
) -> MailStep:
    """A card for `record` (the default call when None) with the default dates."""
    return MailStep(
        record if record is not None else call_record(),
        Action.MAIL,
        reason,
        template=template,
        send_date=send,
        expected_delivery=delivery,
        offer_expires=expires,
        follow_up_call=follow_up,
    )


def card_step(
    contact_id: str = "C001",
    first: str = "Mary",
    last: str = "Albright",
    template: str = "offer",
    **record: Any,
) -> MailStep:
    """A card as the drawing tests use it: a full mailing address (1422 Maple Ave Apt 3), a
    phone written as people write it and no email. `record` replaces call record fields."""
    values: dict[str, Any] = {"phone": "(217) 555-0147", "email": "", "address": MAPLE_AVENUE}
    return mail_step(
        call_record(contact_id, first=first, last=last, **(values | record)),
        template,
        reason="voicemail on the first call",
    )


def callback_step(record: CallRecord, on: date) -> MailStep:
    """A call only: the contact asked to be called back on `on`."""
    return MailStep(record, Action.CALL, "asked to be called back", follow_up_call=on)


def opt_out_step(record: CallRecord) -> MailStep:
    return MailStep(record, Action.SUPPRESS, "asked not to be contacted")


def skip_step(record: CallRecord, reason: str = "talked: nothing to send") -> MailStep:
    return MailStep(record, Action.SKIP, reason)


def plan_of(*steps: MailStep, today: date = PLAN_DAY) -> Plan:
    """A plan of `steps` alone: one row a step, nothing rejected."""
    return Plan(today=today, steps=tuple(steps), rejections=(), notices=(), rows=len(steps))


# -- configs ---------------------------------------------------------------------------------


def config_for(size: str = "4x6", mode: str = "self", **changes: Any) -> Config:
    """The built-in demo config (the fictitious seller) with cards of `size` in `mode`;
    `changes` replace sections."""
    return dataclasses.replace(DEMO, mail=Mail(size=size, mode=mode), **changes)


def cadence_config(
    *, offer: Mapping[str, Any] | None = None, mail: Mapping[str, Any] | None = None, **cadence: Any
) -> Config:
    """The demo config with some offer, mail and cadence settings changed (not validated:
    the cadence checks feasibility itself)."""
    settings = dict(mail or {})
    if isinstance(settings.get("transit_days"), int):  # a bare number: the domestic days
        settings["transit_days"] = TransitDays(domestic=settings["transit_days"])
    return Config(
        sender=DEMO.sender,
        offer=dataclasses.replace(DEMO.offer, **(offer or {})),
        mail=Mail(**settings),
        cadence=Cadence(**cadence),
    )


# -- the ledger ------------------------------------------------------------------------------


def fixed_clock() -> datetime:
    """The ledger's clock in tests: Monday 2026-11-23, 15:00 UTC."""
    return datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


@contextmanager
def open_ledger(path: Path) -> Iterator[Ledger]:
    """The ledger at `path` on the fixed clock (the `ledger` fixture opens one on tmp_path)."""
    with Ledger.open(path, clock=fixed_clock) as ledger:
        yield ledger


# -- the command line ------------------------------------------------------------------------

_runner = CliRunner()


def render_cold_and_warm(tmp_path: Path, cache: Path) -> list[Path]:
    """`mailer render --demo` run twice as a process on copies of one ledger of two cards,
    with `cache` as its cache folder: a first (cold) run, then a second (warm) one reading
    back what the first kept. Their output folders, `cold` and `warm`."""
    db = tmp_path / "mailer.db"
    with open_ledger(db) as ledger:
        ledger.record_plan(plan_of(card_step(), card_step("C002", "Ngozi", "Okafor")))
    env = {**os.environ, "MAILER_CACHE_DIR": str(cache)}
    folders = []
    for run in ("cold", "warm"):
        ledger_copy = tmp_path / f"{run}.db"
        ledger_copy.write_bytes(db.read_bytes())
        command = [sys.executable, "-m", "mailer", "render", "--demo", "--db", str(ledger_copy),
                   "--out", str(tmp_path / run), "--today", PLAN_DAY.isoformat()]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path)
        assert done.returncode == 0, done.stderr[-2000:]
        folders.append(tmp_path / run)
    return folders


def invoke(*args: str | Path, catch_exceptions: bool = False) -> Result:
    """Run `mailer` with `args` in-process. An exception that escapes mailer fails the test
    unless `catch_exceptions` (then it is in the result, with exit code 1)."""
    from mailer.cli import app

    return _runner.invoke(app, [str(a) for a in args], catch_exceptions=catch_exceptions)


# -- QR codes on drawn cards -----------------------------------------------------------------


def qr_texts(pdf: bytes | Path, page: int = 0, scale: float = 5.0) -> list[str]:
    """What every QR code on a page of a drawn PDF says, read the way a phone reads the
    printed card: the page rasterised (PDFium) and the codes decoded from the pixels."""
    import pypdfium2
    import zxingcpp

    data = pdf.read_bytes() if isinstance(pdf, Path) else pdf
    document = pypdfium2.PdfDocument(data)
    try:
        image = document[page].render(scale=scale).to_pil()
    finally:
        document.close()
    return [found.text for found in zxingcpp.read_barcodes(image)]


def page_text(pdf: Path, index: int) -> str:
    """A PDF page's text as PDFium reads it (the engine behind Chrome's viewer), spaces
    folded: a handwritten word drawn in pieces reads as one word, as it does for a person
    searching or copying it."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        return " ".join(document[index].get_textpage().get_text_range().split())
    finally:
        document.close()


def voicemail_log(folder: Path, rows: int, called_at: str = "") -> Path:
    """`folder`/calls.csv: `rows` contacts who each got voicemail, every one a sales card;
    with a `called_at` column when a day is given (else the log is undated)."""
    dated = ",called_at" if called_at else ""
    lines = [f"contact_id,first_name,last_name,address_line1,city,state,postal_code,outcome{dated}"]
    when = f",{called_at}" if called_at else ""
    lines += [
        f"C{i:04d},Mary,Lantern{i},{i + 1} Oak Ridge Dr,Springfield,IL,62704,voicemail{when}"
        for i in range(rows)
    ]
    path = folder / "calls.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def child_processes(pid: int) -> list[int]:
    """Live (not zombie) processes whose parent is `pid` (Linux: read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def process_alive(pid: int) -> bool:
    """Whether `pid` still runs: a zombie has ended, only its parent's wait is missing."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def broken_card_config(
    folder: Path, template: str = "offer", templates_dir: str = "templates"
) -> Path:
    """The example settings (written into `folder`) with a card (`template`, copied into
    `folder/templates_dir`) that asks for a field no call log has, so it can't be drawn."""
    templates = folder / templates_dir
    shutil.copytree(REPO / "templates" / template, templates / template)
    with (templates / template / "message.j2").open("a", encoding="utf-8") as f:
        f.write("P.S. {{ contact.favorite_color }}\n")
    config = folder / "mailer.toml"
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    assert '\ndir = ""' in text
    config.write_text(text.replace('\ndir = ""', f"\ndir = {json.dumps(templates_dir)}"), "utf-8")
    return config


def sha256_drawn_alone(step: str, config: str) -> str:
    """The SHA-256 of a card drawn by a fresh process that draws nothing else: a card's bytes
    must not depend on what a process drew before it. `step` and `config` are Python
    expressions over `card_step`, `config_for` and `Templates`."""
    code = (
        "import hashlib, sys\n"
        "from mailer.config import Templates\n"
        "from mailer.drawing.batch import render_card_bytes\n"
        "from tests.builders import card_step, config_for\n"
        f"data = render_card_bytes({step}, {config}, 'self')\n"
        "sys.stdout.write(hashlib.sha256(data).hexdigest())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    return done.stdout


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def assert_pages_alike(
    mine: list[Image.Image], theirs: list[Image.Image], *, levels: int, pixels: int | None = None
) -> None:
    """The same pictures, page for page, but for pixels at most `levels` of grey apart (and,
    when `pixels` is given, no more than that many of those a page)."""
    assert len(mine) == len(theirs)
    for page, (a, b) in enumerate(zip(mine, theirs, strict=True), 1):
        assert a.size == b.size
        difference = ImageChops.difference(a, b)
        box = difference.point(lambda v: 255 if v > levels else 0).getbbox()
        assert box is None, f"page {page} differs from ReportLab's inside {box}"
        if pixels is not None:
            red, green, blue = difference.point(lambda v: 255 if v else 0).split()
            changed = ImageChops.lighter(ImageChops.lighter(red, green), blue).histogram()[255]
            assert changed <= pixels, f"page {page}: {changed} pixels differ from ReportLab's"
