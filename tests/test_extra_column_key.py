"""An extra call-log column reaches templates under one key: the reader stores it and the
templates derive it with the same rule (`mailer.domain.slugs.extra_column_key`)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from pathlib import Path

import pytest

from mailer.config import Config, Templates
from mailer.domain.models import Action, CallRecord, MailStep, Outcome
from mailer.domain.slugs import extra_column_key
from mailer.drawing.card_context import card_context, contact_variables
from mailer.drawing.templates import load_template
from mailer.reading.records import read_call_logs

HEADERS = {
    "Café": "cafe",
    "Favorite Scent": "favorite_scent",
    "Pet-Name": "pet_name",
    "Crème  Brûlée": "creme_brulee",
    "1st Visit": "_1st_visit",
    "Straße": "strasse",
    "Zoë's Note": "zoe_s_note",
    "Ørsted #": "orsted",
}


@pytest.mark.parametrize(("header", "key"), HEADERS.items())
def test_the_key_of_a_header(header: str, key: str) -> None:
    assert extra_column_key(header) == key
    assert key.isidentifier()
    assert extra_column_key(key) == key  # a key read back as a header stays itself


def test_a_header_without_letters_or_digits_has_no_key() -> None:
    assert extra_column_key(" -- ") == ""


def _render(step: MailStep, root: Path) -> str:
    config = dataclasses.replace(Config(), templates=Templates(dir=str(root)))
    template = load_template("keys", config)
    context = card_context(step, config, sales=template.style.sales)
    return template.render(context, step.contact_id).front["headline"]


def _step(record: CallRecord) -> MailStep:
    return MailStep(record=record, action=Action.MAIL, reason="test", template="keys")


def test_the_reader_and_the_templates_agree_on_every_key(tmp_path: Path) -> None:
    headers = list(HEADERS)
    values = [f"value {i}" for i in range(len(headers))]
    calls = tmp_path / "calls.csv"
    calls.write_text(
        ",".join(["id", "outcome", *headers]) + "\n" + ",".join(["C1", "vm", *values]) + "\n",
        encoding="utf-8",
    )
    folder = tmp_path / "templates" / "keys"
    folder.mkdir(parents=True)
    (folder / "card.toml").write_text('description = "keys"\n', encoding="utf-8")
    (folder / "message.j2").write_text("hi", encoding="utf-8")
    (folder / "front.j2").write_text(
        "{% block headline %}"
        + "|".join(f"{{{{ contact.{key} }}}}" for key in HEADERS.values())
        + "{% endblock %}",
        encoding="utf-8",
    )
    expected = "|".join(values)

    (read,) = read_call_logs([calls], date(2026, 11, 22)).records
    for header, key, value in zip(HEADERS, HEADERS.values(), values, strict=True):
        assert read.extra[header.strip()] == value
        assert read.extra[key] == value
    assert _render(_step(read), tmp_path / "templates") == expected

    # A record made elsewhere keeps only the headers: the templates find the same keys.
    made = CallRecord(
        file="elsewhere",
        row=2,
        contact_id="C1",
        outcome=Outcome.VOICEMAIL,
        called_at=datetime(2026, 11, 21, 10, 0),
        extra=dict(zip(HEADERS, values, strict=True)),
    )
    assert _render(_step(made), tmp_path / "templates") == expected
    seen = contact_variables(_step(made))
    assert {key: seen[key] for key in HEADERS.values()} == {
        key: read.extra[key] for key in HEADERS.values()
    }
