"""Provider clients against the fake Lob/PostGrid on 127.0.0.1: the request they send, how
they read answers, retries, pacing, and that the API key never leaks."""

from __future__ import annotations

import base64
import dataclasses
import io
import logging
import re
import threading
import time
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
import requests
from pypdf import PdfReader

from mailer import __version__
from mailer.config import DEFAULT, from_mapping
from mailer.domain.models import Address
from mailer.errors import AuthError, ProviderError, UsageError
from mailer.sending.providers import make_provider
from mailer.sending.providers.base import (
    NotCancellable,
    Provider,
    ProviderUnavailable,
    RequestRejected,
)
from mailer.sending.providers.http import RetryPolicy, SlidingWindowLimiter, redact, redacted_key
from mailer.sending.providers.lob import (
    LobProvider,
    is_live_key,
    piece_from_json,
    verification_from_json,
)
from mailer.sending.providers.postgrid import PostGridProvider
from tests.builders import LOB_SPEC
from tests.fake_provider import (
    LIVE_KEY,
    LOB_KEY,
    POSTGRID_KEY,
    FakeProvider,
    VirtualTime,
    card_pdf,
    card_request,
)


def lob(fake: FakeProvider, vt: VirtualTime | None = None, key: str = LOB_KEY, **kw: Any) -> Any:
    if vt is not None:
        kw.setdefault("clock", vt.clock)
        kw.setdefault("sleep", vt.sleep)
    return make_provider("lob", api_key=key, base_url=fake.url, config=DEFAULT, **kw)


def fast_config(timeout: float = 30.0) -> Any:
    return from_mapping({"provider": {"timeout_seconds": timeout}})


# -- the request Lob receives --------------------------------------------------------------


def test_lob_create_sends_the_documented_multipart_request(fake_lob: FakeProvider) -> None:
    provider = lob(fake_lob)
    req = card_request("C001", "key-C001", size="6x9", send_date=date(2030, 1, 15))
    piece = provider.create_postcard(req)

    (sent,) = fake_lob.requests
    assert (sent.method, sent.path) == ("POST", "/v1/postcards")
    assert sent.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert sent.headers["idempotency-key"] == "key-C001"
    assert sent.headers["user-agent"] == f"mailer/{__version__} (+python-requests)"
    assert (
        sent.headers["authorization"]
        == "Basic " + base64.b64encode(f"{LOB_KEY}:".encode()).decode()
    )
    fields = dict(sent.fields)
    assert fields["to[name]"] == "Mary Albright C001"
    assert fields["to[address_line1]"] == "101 Maple Ave"
    assert fields["to[address_line2]"] == "Apt 2"
    assert fields["to[address_city]"] == "Springfield"
    assert fields["to[address_state]"] == "IL"
    assert fields["to[address_zip]"] == "62704"
    assert fields["to[address_country]"] == "US"
    assert fields["from[company]"] == "Prairie Lantern Candles"
    assert fields["from[name]"] == "Jamie Rivera"
    assert fields["size"] == "6x9"
    assert fields["use_type"] == "marketing"
    assert fields["mail_type"] == "usps_first_class"
    assert fields["metadata[contact_id]"] == "C001"
    assert fields["metadata[step]"] == "offer"
    assert fields["metadata[campaign]"] == "call-mail-call"
    # Lob forgets idempotency keys after 24 h: the key stays findable in the metadata.
    assert fields["metadata[mailer_key]"] == "key-C001"
    assert fields["send_date"] == "2030-01-15"
    # Both sides uploaded from memory as one-page PDFs of exactly 9.25 x 6.25 in.
    for side in ("front", "back"):
        page = PdfReader(io.BytesIO(sent.files[side])).pages
        assert len(page) == 1
        assert (float(page[0].mediabox.width), float(page[0].mediabox.height)) == (666, 450)
    assert piece.id.startswith("psc_")
    assert piece.expected_delivery == date(2030, 1, 19)
    assert piece.send_date == date(2030, 1, 15)
    assert piece.preview_url
    assert piece.preview_url.startswith(fake_lob.url)
    assert piece.status == "rendered"


def _resolve(spec: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/")
        target: Any = spec
        for part in ref[2:].split("/"):
            target = target[part]
        node = target
    return node


def _schema_errors(spec: dict[str, Any], schema: Any, value: Any, where: str) -> list[str]:
    """A small JSON-schema check (the keywords Lob's postcard schema uses)."""
    schema = _resolve(spec, schema)
    errors: list[str] = []
    if value is None and schema.get("nullable"):
        return []
    for sub in schema.get("allOf", []):
        errors += _schema_errors(spec, sub, value, where)
    if "anyOf" in schema and all(_schema_errors(spec, s, value, where) for s in schema["anyOf"]):
        errors.append(f"{where}: matches none of anyOf")
    if "oneOf" in schema:
        matches = sum(not _schema_errors(spec, s, value, where) for s in schema["oneOf"])
        if matches != 1:
            errors.append(f"{where}: matches {matches} of oneOf")
    kind = schema.get("type")
    types = {"string": str, "object": dict, "boolean": bool, "array": list}
    if kind in types and not isinstance(value, types[kind]):
        return [*errors, f"{where}: expected {kind}, got {value!r}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} not in {schema['enum']}")
    if isinstance(value, str):
        if len(value) > schema.get("maxLength", 10**9):
            errors.append(f"{where}: longer than {schema['maxLength']}")
        if "pattern" in schema and not re.fullmatch(schema["pattern"], value):
            errors.append(f"{where}: {value!r} does not match {schema['pattern']}")
    if isinstance(value, dict):
        # Lob's `metadata` states the rules for its values on the object itself.
        rules = {k: schema[k] for k in ("maxLength", "pattern") if k in schema}
        for key, item in value.items() if rules else ():
            errors += _schema_errors(spec, rules, item, f"{where}.{key}")
        errors += [f"{where}.{k}: required" for k in schema.get("required", []) if k not in value]
        props = schema.get("properties", {})
        for key, item in value.items():
            if key in props:
                errors += _schema_errors(spec, props[key], item, f"{where}.{key}")
            elif isinstance(schema.get("additionalProperties"), dict):
                errors += _schema_errors(
                    spec, schema["additionalProperties"], item, f"{where}.{key}"
                )
    return errors


def _nest(fields: list[tuple[str, str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in fields:
        match = re.fullmatch(r"(\w+)\[(\w+)\]", name)
        if match:
            out.setdefault(match[1], {})[match[2]] = value
        else:
            out[name] = value
    return out


@pytest.fixture(scope="module")
def lob_spec() -> dict[str, Any]:
    """Lob's own OpenAPI document (shared/specs), parsed once."""
    if not LOB_SPEC.exists():
        pytest.skip(f"Lob's OpenAPI spec is not at {LOB_SPEC}")
    yaml = pytest.importorskip("yaml")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spec: dict[str, Any] = yaml.load(LOB_SPEC.read_text(encoding="utf-8"), Loader=loader)
    return spec


@pytest.mark.parametrize("size", ["4x6", "6x9", "6x11"])
def test_lob_create_fields_validate_against_lobs_openapi_schema(
    fake_lob: FakeProvider, lob_spec: dict[str, Any], size: str
) -> None:
    spec = lob_spec
    operation = spec["paths"]["/postcards"]["post"]
    schema = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    lob(fake_lob).create_postcard(card_request("C002", "key-C002", size=size))
    (sent,) = fake_lob.requests
    document = _nest(sent.fields)
    # The artwork parts are file uploads; the schema names them by file name.
    document.update({name: f"{name}.pdf" for name in sent.files})
    assert set(sent.files) == {"front", "back"}
    assert _schema_errors(spec, schema, document, "postcard") == []
    # The idempotency header is the documented one and within its length.
    header = _resolve(spec, operation["parameters"][0])
    assert header["name"] == "Idempotency-Key"
    assert len(sent.headers["idempotency-key"]) <= header["schema"]["maxLength"]


def test_schema_check_catches_a_wrong_field(lob_spec: dict[str, Any]) -> None:
    """The little validator above is strict enough to matter."""
    spec = lob_spec
    schema = spec["paths"]["/postcards"]["post"]["requestBody"]["content"]["multipart/form-data"][
        "schema"
    ]
    bad = {
        "to": {"name": "X", "address_line1": "1 Main St", "address_city": "Y"},
        "front": "front.pdf",
        "back": "back.pdf",
        "use_type": "promo",
        "size": "5x7",
    }
    errors = _schema_errors(spec, schema, bad, "postcard")
    assert any("use_type" in e for e in errors)
    assert any("size" in e for e in errors)
    assert any("to" in e for e in errors)
    # Patterns must match the whole value: `[^"\\]{0,500}` finds an empty match anywhere.
    subtle: dict[str, Any] = {
        "to": {
            "name": "N" * 41,
            "address_line1": "1 Main St",
            "address_city": "Springfield",
            "address_state": "IL",
            "address_zip": "62704",
        },
        "front": "front.pdf",
        "back": "back.pdf",
        "use_type": "marketing",
        "metadata": {"note": 'say "hi"', "long": "x" * 501},
    }
    errors = _schema_errors(spec, schema, subtle, "postcard")
    assert "postcard.to: matches 0 of oneOf" in errors
    assert any("metadata.note" in e and "does not match" in e for e in errors)
    assert any("metadata.long: longer than 500" in e for e in errors)
    subtle["to"]["name"] = "N" * 40
    subtle["metadata"] = {"note": "say hi"}
    assert _schema_errors(spec, schema, subtle, "postcard") == []


# -- reading answers -----------------------------------------------------------------------


def test_lob_answers_are_read_leniently() -> None:
    piece = piece_from_json(
        {
            "id": "psc_1a2b",
            "status": "a_status_from_next_year",
            "expected_delivery_date": "2026-12-01",
            "send_date": "2026-11-23T00:00:00.000Z",
            "url": "https://lob-assets.example.com/psc_1a2b.pdf",
            "tracking_events": [
                {"name": "In Transit", "time": "2026-11-24T10:00:00.000Z", "type": "normal"},
                {"name": "Teleported", "time": "not a time", "location": "62704"},
                "garbage",
            ],
            "brand_new_field": [1, 2, 3],
        }
    )
    assert piece.status == "a_status_from_next_year"
    assert piece.expected_delivery == date(2026, 12, 1)
    assert piece.send_date == date(2026, 11, 23)
    assert [e.name for e in piece.tracking_events] == ["In Transit", "Teleported"]
    assert piece.tracking_events[0].time == datetime(2026, 11, 24, 10, tzinfo=UTC)
    assert piece.tracking_events[1].time is None
    assert piece.raw["brand_new_field"] == [1, 2, 3]
    empty = piece_from_json({"id": "psc_x", "expected_delivery_date": None, "url": 5})
    assert (empty.status, empty.expected_delivery, empty.preview_url) == ("", None, "5")


def test_same_idempotency_key_returns_the_same_postcard(fake_lob: FakeProvider) -> None:
    provider = lob(fake_lob)
    first = provider.create_postcard(card_request("C003", "key-C003"))
    again = provider.create_postcard(card_request("C003", "key-C003"))
    assert again.id == first.id
    assert fake_lob.created == 1


def test_create_without_idempotency_key_is_refused_before_sending(
    fake_lob: FakeProvider,
) -> None:
    with pytest.raises(ProviderError, match="no idempotency key"):
        lob(fake_lob).create_postcard(card_request("C004", ""))
    assert fake_lob.requests == []


def test_get_and_cancel_while_allowed(fake_lob: FakeProvider) -> None:
    provider = lob(fake_lob)
    piece = provider.create_postcard(
        card_request("C005", "key-C005", send_date=date.today() + timedelta(days=3))
    )
    assert provider.get_postcard(piece.id).id == piece.id
    cancelled = provider.cancel_postcard(piece.id)
    assert (cancelled.id, cancelled.status) == (piece.id, "cancelled")
    assert provider.get_postcard(piece.id).status == "cancelled"
    assert [r.method for r in fake_lob.requests] == ["POST", "GET", "DELETE", "GET"]


def test_cancel_too_late_raises_not_cancellable(fake_lob: FakeProvider) -> None:
    provider = lob(fake_lob)
    piece = provider.create_postcard(card_request("C006", "key-C006"))
    fake_lob.faults.not_cancellable = True
    with pytest.raises(NotCancellable) as caught:
        provider.cancel_postcard(piece.id)
    assert "can no longer cancel" in caught.value.message
    assert "sent to production" in caught.value.message
    assert caught.value.hint
    with pytest.raises(RequestRejected) as missing:
        provider.cancel_postcard("psc_doesnotexist")
    assert missing.value.status_code == 404
    assert not isinstance(missing.value, NotCancellable)


@pytest.mark.parametrize(
    ("answer", "deliverable"),
    [
        ("deliverable", True),
        ("deliverable_unnecessary_unit", True),
        ("deliverable_incorrect_unit", False),
        ("deliverable_missing_unit", False),
        ("undeliverable", False),
        ("deliverable_by_drone_next_year", False),
    ],
)
def test_verify_address_maps_deliverability(
    fake_lob: FakeProvider, answer: str, deliverable: bool
) -> None:
    fake_lob.verifications["12 ELM ST"] = answer
    result = lob(fake_lob).verify_address(
        "Mary Albright", Address("12 Elm St", "", "Springfield", "IL", "62704")
    )
    assert result.deliverable is deliverable
    assert result.reason
    if answer.startswith("deliverable_by"):
        assert answer in result.reason
    assert result.address == Address("12 ELM ST", "", "SPRINGFIELD", "IL", "62704-1234", "US")
    fields = dict(fake_lob.requests[-1].fields)
    assert fields["primary_line"] == "12 Elm St"
    assert fields["zip_code"] == "62704"
    assert fields["city"] == "Springfield"
    assert "secondary_line" not in fields


def test_verification_without_components_is_read() -> None:
    result = verification_from_json({"deliverability": "undeliverable"})
    assert (result.deliverable, result.address) == (False, None)


# -- PostGrid ------------------------------------------------------------------------------


def test_postgrid_create_uses_its_field_names(fake_lob: FakeProvider) -> None:
    provider = make_provider(
        "postgrid", api_key=POSTGRID_KEY, base_url=fake_lob.url, config=DEFAULT
    )
    assert isinstance(provider, PostGridProvider)
    req = dataclasses.replace(
        card_request("C010", "key-C010", size="6x11", send_date=date(2030, 2, 1)),
        front_pdf=b"",  # PostGrid takes the one two-page PDF only
        back_pdf=b"",
    )
    piece = provider.create_postcard(req)
    (sent,) = fake_lob.requests
    assert (sent.method, sent.path) == ("POST", "/print-mail/v1/postcards")
    assert sent.headers["x-api-key"] == POSTGRID_KEY
    assert "authorization" not in sent.headers
    assert sent.headers["idempotency-key"] == "key-C010"
    fields = dict(sent.fields)
    assert fields["to[firstName]"] == "Mary"
    assert fields["to[lastName]"] == "Albright C010"
    assert fields["to[addressLine1]"] == "110 Maple Ave"
    assert fields["to[addressLine2]"] == "Apt 2"
    assert fields["to[city]"] == "Springfield"
    assert fields["to[provinceOrState]"] == "IL"
    assert fields["to[postalOrZip]"] == "62704"
    assert fields["to[countryCode]"] == "US"
    assert fields["from[companyName]"] == "Prairie Lantern Candles"
    assert fields["size"] == "11x6"
    assert fields["mailingClass"] == "first_class"
    assert fields["sendDate"] == "2030-02-01"
    assert fields["metadata[contact_id]"] == "C010"
    assert fields["description"] == "offer card for C010 [key-C010]"
    assert fields["metadata[mailer_key]"] == "key-C010"
    assert set(sent.files) == {"pdf"}
    pages = PdfReader(io.BytesIO(sent.files["pdf"])).pages
    assert [(float(p.mediabox.width), float(p.mediabox.height)) for p in pages] == [
        (810, 450),
        (810, 450),
    ]
    assert piece.id.startswith("postcard_")
    assert (piece.status, piece.send_date) == ("ready", date(2030, 2, 1))
    assert provider.get_postcard(piece.id).id == piece.id
    assert provider.cancel_postcard(piece.id).status == "cancelled"
    with pytest.raises(NotCancellable, match="PostGrid can no longer cancel"):
        provider.cancel_postcard(piece.id)


def test_postgrid_sizes_and_dry_run(fake_lob: FakeProvider) -> None:
    provider = make_provider(
        "postgrid", api_key=POSTGRID_KEY, base_url=fake_lob.url, config=DEFAULT
    )
    for size, written in (("4x6", "6x4"), ("6x9", "9x6")):
        provider.create_postcard(card_request(f"C1{size[-1]}", f"k-{size}", size=size))
        assert dict(fake_lob.requests[-1].fields)["size"] == written
    text = provider.dry_run_request(card_request("C013", "k-13"))
    assert "x-api-key: test_sk_***" in text
    assert POSTGRID_KEY not in text
    assert "size=6x4" in text
    with pytest.raises(ProviderError, match="separate Address Verification"):
        provider.verify_address("Mary", Address("1 Main St", "", "Springfield", "IL", "62704"))


def test_each_client_takes_only_its_own_artwork_form(fake_lob: FakeProvider) -> None:
    """No client converts artwork: that would run PDFium on the sending threads."""
    only_pdf = dataclasses.replace(card_request("C014", "k-14"), front_pdf=b"", back_pdf=b"")
    with pytest.raises(RequestRejected, match="no front and back artwork") as caught:
        lob(fake_lob).create_postcard(only_pdf)
    assert "two one-page PDFs" in caught.value.hint
    only_sides = dataclasses.replace(card_request("C015", "k-15"), pdf=b"")
    postgrid = make_provider(
        "postgrid", api_key=POSTGRID_KEY, base_url=fake_lob.url, config=DEFAULT
    )
    with pytest.raises(RequestRejected, match="no two-page artwork"):
        postgrid.create_postcard(only_sides)
    assert fake_lob.requests == []


def test_lob_refuses_a_name_over_40_characters_before_sending(fake_lob: FakeProvider) -> None:
    provider = lob(fake_lob)
    fits = card_request("C016", "k-16", name="N" * 40)
    provider.create_postcard(fits)
    assert fake_lob.requests[-1].field("to[name]") == "N" * 40
    long = card_request("C017", "k-17", name="Maximilian Bartholomew Fitzgerald-Johnson")
    with pytest.raises(RequestRejected, match="is 41 characters; Lob takes at most 40") as caught:
        provider.create_postcard(long)
    assert caught.value.hint
    company = dataclasses.replace(fits, to=dataclasses.replace(fits.to, company="C" * 41))
    with pytest.raises(RequestRejected, match=r"to\[company\]"):
        provider.create_postcard(company)
    quoted = dataclasses.replace(fits, metadata={**fits.metadata, "step": 'say "hi"'})
    with pytest.raises(RequestRejected, match="quote or backslash"):
        provider.create_postcard(quoted)
    assert len(fake_lob.requests) == 1
    # The fake holds Lob to the same limit, for whatever gets past the client.
    fields, files = provider.form(fits)
    fields = [(k, "N" * 41 if k == "to[name]" else v) for k, v in fields]
    with pytest.raises(RequestRejected, match="at most 40 characters") as refused:
        provider.client.request("POST", "/v1/postcards", data=fields, files=files)
    assert refused.value.status_code == 422
    assert fake_lob.created == 1


# -- errors, retries, pacing ---------------------------------------------------------------


def test_wrong_artwork_size_is_refused_with_lobs_message(fake_lob: FakeProvider) -> None:
    req = dataclasses.replace(card_request("C020", "k-20"), front_pdf=card_pdf("6x9", 1, "x"))
    with pytest.raises(RequestRejected) as caught:
        lob(fake_lob).create_postcard(req)
    assert caught.value.status_code == 422
    assert caught.value.code == "invalid_file_dimensions"
    assert "front page 1 is 9.250in x 6.250in" in caught.value.message
    assert len(fake_lob.requests) == 1  # a 4xx is never retried


def test_500s_are_retried_with_the_same_key(fake_lob: FakeProvider) -> None:
    vt = VirtualTime()
    fake_lob.faults.fail_next(3, status=503)
    piece = lob(fake_lob, vt).create_postcard(card_request("C021", "k-21"))
    keys = [r.headers.get("idempotency-key") for r in fake_lob.requests]
    assert keys == ["k-21"] * 4
    assert [r.status for r in fake_lob.requests] == [503, 503, 503, 200]
    assert fake_lob.created == 1
    assert piece.id in fake_lob.postcards
    # Full jitter: each wait is within [0, base * 2^(n-1)].
    policy = RetryPolicy()
    assert len(vt.sleeps) == 3
    for n, slept in enumerate(vt.sleeps, 1):
        assert 0 <= slept <= policy.base_delay * 2 ** (n - 1)


def test_retries_give_up_with_a_resumable_error(fake_lob: FakeProvider) -> None:
    vt = VirtualTime()
    fake_lob.faults.fail_next(100)
    with pytest.raises(ProviderUnavailable) as caught:
        lob(fake_lob, vt, retry=RetryPolicy(attempts=4)).create_postcard(
            card_request("C022", "k-22")
        )
    assert len(fake_lob.requests) == 4
    assert "after 4 attempts" in caught.value.message
    assert "HTTP 500" in caught.value.message
    assert "run the same command again" in caught.value.hint


@pytest.mark.parametrize("as_date", [False, True])
def test_429_retry_after_is_honoured(fake_lob: FakeProvider, as_date: bool) -> None:
    vt = VirtualTime()
    if as_date:
        when = datetime.now(UTC) + timedelta(seconds=4)
        fake_lob.faults.rate_limit_next(2, retry_after=format_datetime(when, usegmt=True))
    else:
        fake_lob.faults.rate_limit_next(2, retry_after="3")
    piece = lob(fake_lob, vt).create_postcard(card_request("C023", "k-23"))
    assert [r.status for r in fake_lob.requests] == [429, 429, 200]
    assert piece.id in fake_lob.postcards
    # The client waited what the server asked (twice), not its own short backoff.
    if as_date:
        assert 5 <= sum(vt.sleeps) <= 9
    else:
        assert sum(vt.sleeps) == pytest.approx(6.0, abs=0.01)


def test_retry_after_beyond_the_limit_gives_up(fake_lob: FakeProvider) -> None:
    vt = VirtualTime()
    fake_lob.faults.rate_limit_next(1, retry_after="3600")
    with pytest.raises(ProviderUnavailable, match="asks to wait 3600 s"):
        lob(fake_lob, vt).get_postcard("psc_abc")
    assert vt.sleeps == []


def test_post_without_key_is_not_retried_but_a_429_is(fake_lob: FakeProvider) -> None:
    vt = VirtualTime()
    provider = lob(fake_lob, vt)
    assert isinstance(provider, LobProvider)
    fake_lob.faults.fail_next(1)
    with pytest.raises(ProviderUnavailable, match="no idempotency key"):
        provider.client.request("POST", "/v1/us_verifications", data=[("primary_line", "x")])
    assert len(fake_lob.requests) == 1
    # A 429 means the server did nothing: safe to send again even without a key.
    fake_lob.faults.rate_limit_next(1, retry_after="1")
    body = provider.client.request("POST", "/v1/us_verifications", data=[("primary_line", "x")])
    assert body["deliverability"] == "deliverable"
    assert [r.status for r in fake_lob.requests[1:]] == [429, 200]


def test_dropped_connection_after_create_is_retried_without_duplicate(
    fake_lob: FakeProvider,
) -> None:
    vt = VirtualTime()
    fake_lob.faults.drop_after_create(1)
    piece = lob(fake_lob, vt).create_postcard(card_request("C024", "k-24"))
    assert fake_lob.created == 1
    assert list(fake_lob.postcards) == [piece.id]
    assert len(fake_lob.requests) == 2


def test_slow_answer_times_out_and_the_retry_finds_the_postcard(
    fake_lob: FakeProvider,
) -> None:
    vt = VirtualTime()
    fake_lob.faults.slow_next(1, seconds=2.0)
    provider = make_provider(
        "lob",
        api_key=LOB_KEY,
        base_url=fake_lob.url,
        config=fast_config(timeout=0.4),
        clock=vt.clock,
        sleep=vt.sleep,
    )
    piece = provider.create_postcard(card_request("C025", "k-25"))
    assert fake_lob.created == 1
    assert list(fake_lob.postcards) == [piece.id]
    assert fake_lob.creates_by_key["k-25"] == 1


def test_401_is_an_auth_error_without_retry(fake_lob: FakeProvider) -> None:
    with pytest.raises(AuthError) as caught:
        lob(fake_lob, key="test_wrongwrongwrong").create_postcard(card_request("C026", "k"))
    assert "rejected the API key" in caught.value.message
    assert "Your API key test_*** is not valid" in caught.value.message
    assert "LOB_API_KEY" in caught.value.hint
    assert len(fake_lob.requests) == 1


def test_rate_limit_headers_pause_the_client_until_reset() -> None:
    # The server allows 4 per second; the client thinks 100. The headers keep it right.
    with FakeProvider(rate_limit=(4, 1.0)) as fake:
        provider = lob(fake, limiter=SlidingWindowLimiter(100, 1.0))
        piece = provider.create_postcard(card_request("C027", "k-27"))
        for _ in range(9):
            provider.get_postcard(piece.id)
        assert fake.status_count(429) == 0
        assert fake.status_count(200) == 10


def test_limiter_never_starts_more_than_the_limit_in_a_window() -> None:
    vt = VirtualTime()
    limiter = SlidingWindowLimiter(20, 1.0, slack=0.0, clock=vt.clock, sleep=vt.sleep)
    starts = []
    for _ in range(95):
        limiter.acquire()
        starts.append(vt.clock())
    for i in range(len(starts) - 20):
        assert starts[i + 20] - starts[i] >= 1.0
    assert starts[-1] - starts[0] == pytest.approx(4.0)  # and no slower than needed


def test_limiter_is_shared_safely_between_threads() -> None:
    # Each thread keeps the last reading of the limiter's clock it made: after `acquire` that
    # is the very time its slot was taken, however long the loaded machine then stalls it.
    seen = threading.local()

    def clock() -> float:
        seen.now = time.monotonic()
        return float(seen.now)

    limiter = SlidingWindowLimiter(5, 0.2, slack=0.0, clock=clock)
    starts: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(5):
            limiter.acquire()
            with lock:
                starts.append(seen.now)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    starts.sort()
    assert len(starts) == 20
    for i in range(len(starts) - 5):
        assert starts[i + 5] - starts[i] >= 0.2 - 1e-3


# -- the key never leaks -------------------------------------------------------------------


def test_api_key_never_appears_in_errors_reprs_or_logs(
    fake_lob: FakeProvider, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    vt = VirtualTime()
    seen: list[str] = []

    def collect(exc: BaseException) -> None:
        while exc is not None:
            seen.extend([str(exc), repr(exc), getattr(exc, "hint", "")])
            exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]

    live = lob(fake_lob, vt, key=LIVE_KEY, retry=RetryPolicy(attempts=2))
    seen += [repr(live), str(live), live.dry_run_request(card_request("C030", "k-30"))]
    assert "Basic live_***" in seen[-1]
    fake_lob.faults.fail_next(2)
    with pytest.raises(ProviderUnavailable) as e1:
        live.create_postcard(card_request("C030", "k-30"))
    collect(e1.value)
    with pytest.raises(RequestRejected) as e2:
        live.create_postcard(
            dataclasses.replace(card_request("C031", "k-31"), back_pdf=card_pdf("6x11", 1))
        )
    collect(e2.value)
    wrong = "test_" + "9" * 32
    with pytest.raises(AuthError) as e3:
        lob(fake_lob, vt, key=wrong).get_postcard("psc_1")
    collect(e3.value)
    seen.append(repr(lob(fake_lob, key=wrong)))
    # Nothing listens on this port: a connection error, retried, then given up.
    dead = make_provider(
        "lob",
        api_key=LIVE_KEY,
        base_url="http://127.0.0.1:9",
        config=DEFAULT,
        retry=RetryPolicy(attempts=2),
        clock=vt.clock,
        sleep=vt.sleep,
    )
    with pytest.raises(ProviderUnavailable) as e4:
        dead.create_postcard(card_request("C032", "k-32"))
    collect(e4.value)
    seen.append(caplog.text)
    assert len(caplog.records) > 0
    for text in seen:
        assert LIVE_KEY not in text
        assert wrong not in text
        assert base64.b64encode(f"{LIVE_KEY}:".encode()).decode() not in text


def test_redaction_helpers() -> None:
    assert redact(f"boom {LIVE_KEY} boom", LIVE_KEY) == "boom live_*** boom"
    assert redacted_key(LOB_KEY) == "test_***"
    assert redacted_key(POSTGRID_KEY) == "test_sk_***"
    assert redacted_key("sk-other") == "***"
    assert is_live_key(LIVE_KEY)
    assert not is_live_key(LOB_KEY)


# -- the factory ---------------------------------------------------------------------------


def test_make_provider_reads_key_and_url_from_the_environment(fake_lob: FakeProvider) -> None:
    env = {"LOB_API_KEY": LIVE_KEY, "LOB_BASE_URL": fake_lob.url}
    provider = make_provider("lob", config=DEFAULT, env=env)
    assert isinstance(provider, Provider)
    assert provider.is_live
    provider.create_postcard(card_request("C040", "k-40"))
    assert fake_lob.created == 1
    assert not make_provider("lob", config=DEFAULT, env={"LOB_API_KEY": LOB_KEY}).is_live
    default = make_provider("lob", config=DEFAULT, env={"LOB_API_KEY": LOB_KEY})
    assert isinstance(default, LobProvider)
    assert default.client.base_url == "https://api.lob.com"
    assert default.client.timeout == DEFAULT.provider.timeout_seconds
    assert default.client.limiter.limit == 150
    assert default.client.limiter.window == 5.0


def test_make_provider_refuses_missing_key_and_unknown_names() -> None:
    with pytest.raises(AuthError, match="LOB_API_KEY is not set") as caught:
        make_provider("lob", config=DEFAULT, env={})
    assert "test_" in caught.value.hint
    with pytest.raises(UsageError, match="unknown provider"):
        make_provider("fedex", config=DEFAULT, env={})
    with pytest.raises(UsageError, match="not a web address"):
        make_provider("lob", config=DEFAULT, env={"LOB_API_KEY": LOB_KEY}, base_url="api.lob")


def test_every_request_carries_a_timeout(fake_lob: FakeProvider) -> None:
    provider = make_provider(
        "lob", api_key=LOB_KEY, base_url=fake_lob.url, config=fast_config(timeout=7.5)
    )
    assert isinstance(provider, LobProvider)
    timeouts: list[Any] = []
    original = provider.client.session.request

    def spy(*args: Any, **kwargs: Any) -> requests.Response:
        timeouts.append(kwargs.get("timeout"))
        return original(*args, **kwargs)

    provider.client.session.request = spy  # type: ignore[method-assign]
    piece = provider.create_postcard(card_request("C041", "k-41"))
    provider.get_postcard(piece.id)
    provider.verify_address("Mary", Address("1 Main St", "", "Springfield", "IL", "62704"))
    provider.cancel_postcard(piece.id)
    assert timeouts == [7.5, 7.5, 7.5, 7.5]


def test_lob_send_date_today_or_past_is_left_out(fake_lob: FakeProvider) -> None:
    """Lob reads a date as midnight UTC and refuses the past: a card due today goes now."""
    provider = lob(fake_lob)
    today = datetime.now(UTC).date()
    for n, when in enumerate((today, today - timedelta(days=2), None)):
        provider.create_postcard(card_request(f"C05{n}", f"k-5{n}", send_date=when))
        assert fake_lob.requests[-1].field("send_date") is None
    assert isinstance(provider, LobProvider)
    fields, _ = provider.form(card_request("C059", "k", send_date=today + timedelta(days=1)))
    assert ("send_date", (today + timedelta(days=1)).isoformat()) in fields
