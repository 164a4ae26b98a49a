"""The providers' safety rules below the CLI: the key masked in every form, redirects never
followed, no blind retry of a create without idempotency, an answer without an id is not a
send, and each provider's check of what it would refuse (held against Lob's spec)."""

from __future__ import annotations

import base64
import dataclasses
import re
import urllib.parse
from collections.abc import Iterator

import pytest

from mailer.config import DEFAULT
from mailer.domain.models import Address
from mailer.errors import AuthError, MailerError
from mailer.sending.providers import make_provider
from mailer.sending.providers.base import ProviderUnavailable, RequestRejected
from mailer.sending.providers.checks import (
    LOB_MAX_DESCRIPTION,
    LOB_MAX_FILE,
    LOB_MAX_LINE,
    LOB_MAX_LINE_ABROAD,
    lob_problems,
    postgrid_problems,
)
from mailer.sending.providers.http import Redirected, RetryPolicy
from mailer.sending.providers.redaction import Redactor, redact
from mailer.sending.providers.service import NoUsableId, PostcardService
from tests.builders import LOB_SPEC
from tests.fake_provider import FakeProvider, card_request, key_leaks

# Made-up keys in the providers' formats; letters chosen to spell no word.
LOB_KEY = "test_zqxwvkjyplmnbrtgfdhsq"
PG_KEY = "test_sk_vkqzjxwplrtnbmghyd"


leaked = key_leaks


@pytest.fixture
def fake() -> Iterator[FakeProvider]:
    with FakeProvider(keys=(LOB_KEY,), postgrid_keys=(PG_KEY,), postgrid_idempotent=False) as f:
        yield f


def client(fake: FakeProvider, name: str = "lob", attempts: int = 3) -> PostcardService:
    provider = make_provider(
        name,
        config=DEFAULT,
        api_key=LOB_KEY if name == "lob" else PG_KEY,
        base_url=fake.url,
        retry=RetryPolicy(attempts=attempts, base_delay=0.0),
    )
    assert isinstance(provider, PostcardService)
    return provider


# -- the key in every form ---------------------------------------------------------------------


@pytest.mark.parametrize("key", [LOB_KEY, PG_KEY, "live_sk_pqzkxvwjrtmbngly"])
def test_every_form_of_the_key_is_masked(key: str) -> None:
    basic = base64.b64encode(f"{key}:".encode()).decode()
    secret = key.split("_")[-1]
    echoes = [
        f"Authorization: Basic {basic}",
        f"AUTHORIZATION: BASIC {basic.upper()}",
        f"authorization: basic {basic.lower()}",
        f"Authorization: Basic {basic[:16]}",  # cut short by the server
        f"x-api-key: {key}",
        f"X-API-KEY: {key.upper()}",
        f"x-api-key: {key[:14]}",  # a prefix with 6+ characters of the secret part
        f"key={urllib.parse.quote(key, safe='')}&x=1",
        f"the key ...{secret[3:12]}... is wrong",  # any run from the middle
        f"{base64.b64encode(key.encode()).decode()} (base64 without the colon)",
        f"{base64.urlsafe_b64encode(f'{key}:'.encode()).decode().rstrip('=')}",
    ]
    for echo in echoes:
        shown = redact(echo, key)
        assert leaked(shown, key) == [], (echo, shown)
        assert "***" in shown
    # The mode prefix may stay: it tells test from live and is the same for everyone.
    assert redact(f"key {key} refused", key).startswith(f"key {key.rsplit('_', 1)[0]}_***")


def test_masking_leaves_ordinary_text_alone_and_is_stable() -> None:
    mask = Redactor(PG_KEY)
    text = "PostGrid refused the postcard for Mary Albright (C001): bad zip (HTTP 422)"
    assert mask(text) == text
    assert mask("x-api-key: test_sk_***") == "x-api-key: test_sk_***"
    once = mask(f"echo {PG_KEY} {PG_KEY.upper()}")
    assert mask(once) == once == "echo test_sk_*** TEST_SK_***"
    assert Redactor("")("anything at all") == "anything at all"


@pytest.mark.parametrize("status", [401, 422, 500])
@pytest.mark.parametrize("form", ["whole", "cut", "upper"])
@pytest.mark.parametrize("name", ["lob", "postgrid"])
def test_an_echoed_header_never_reaches_an_exception(
    fake: FakeProvider, name: str, form: str, status: int
) -> None:
    provider = client(fake, name)
    key = LOB_KEY if name == "lob" else PG_KEY
    fake.faults.echo_headers_next(20, status, form)
    with pytest.raises(MailerError) as caught:
        provider.create_postcard(card_request("C001", "k-echo"))
    exc = caught.value
    assert isinstance(exc, AuthError if status == 401 else (RequestRejected, ProviderUnavailable))
    assert "could not process the request with headers" in exc.message.lower()
    for text in (exc.message, exc.hint, str(exc), repr(exc), repr(exc.args)):
        assert leaked(text, key) == [], text
    assert fake.created == 0


# -- redirects -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["lob", "postgrid"])
def test_a_redirect_is_never_followed_and_the_key_goes_nowhere_else(
    fake: FakeProvider, name: str
) -> None:
    with FakeProvider(keys=(), postgrid_keys=()) as elsewhere:
        provider = client(fake, name)
        for method in ("create", "get", "lookup"):
            fake.faults.redirect_next(1, elsewhere.url)
            call = {
                "create": lambda: provider.create_postcard(card_request("C002", "k-redirect")),
                "get": lambda: provider.get_postcard("psc_0123456789abcdef"),
                "lookup": lambda: provider.find_postcard("k-redirect"),
            }[method]
            with pytest.raises(Redirected) as caught:
                call()
            assert "redirect (HTTP 307)" in caught.value.message
            assert elsewhere.url.removeprefix("http://") in caught.value.message
            assert "base URL" in caught.value.hint
        assert elsewhere.requests == []
    assert fake.created == 0
    assert len(fake.requests) == 3  # one each, no retry after a redirect


# -- creates without idempotency ---------------------------------------------------------------


def test_postgrid_looks_a_card_up_before_sending_its_create_again(fake: FakeProvider) -> None:
    provider = client(fake, "postgrid")
    fake.faults.drop_after_create(1)
    piece = provider.create_postcard(card_request("C003", "k-drop"))
    assert fake.created == 1
    assert fake.duplicates() == []
    assert piece.id in fake.postcards
    methods = [(r.method, r.path) for r in fake.requests]
    assert methods == [("POST", "/print-mail/v1/postcards"), ("GET", "/print-mail/v1/postcards")]
    # A 500 before anything was made: looked up, not found, then sent once more.
    fake.faults.fail_next(1, 500)
    again = provider.create_postcard(card_request("C004", "k-500"))
    assert fake.created == 2
    assert fake.duplicates() == []
    assert [r.method for r in fake.requests[2:]] == ["POST", "GET", "POST"]
    assert fake.postcards[again.id]["metadata"]["mailer_key"] == "k-500"


def test_postgrid_never_sends_a_create_again_while_it_cannot_look_it_up(
    fake: FakeProvider,
) -> None:
    provider = client(fake, "postgrid")
    fake.faults.fail_next(4, 500)  # the create, then every lookup
    with pytest.raises(ProviderUnavailable, match="did not complete the lookup"):
        provider.create_postcard(card_request("C005", "k-down"))
    assert [r.method for r in fake.requests].count("POST") == 1


@pytest.mark.parametrize("name", ["postgrid", "lob"])
def test_a_refused_lookup_is_unavailable_never_a_failed_card(fake: FakeProvider, name: str) -> None:
    # A 4xx to the lookup says nothing of whether the card exists: a card marked failed
    # would be sent again by --retry-failed without a lookup, and could be made twice.
    provider = client(fake, name)
    fake.faults.fail_next(1, 400)
    with pytest.raises(ProviderUnavailable, match="could not look up a card begun earlier"):
        provider.find_postcard("k-refused")


def test_the_fake_postgrid_really_makes_two_cards_for_a_repeated_create(
    fake: FakeProvider,
) -> None:
    # What the lookup protects against: PostGrid does not dedupe by idempotency key.
    provider = client(fake, "postgrid")
    fields, files = provider.form(card_request("C006", "k-twice"))
    for _ in range(2):
        provider.client.request("POST", "/print-mail/v1/postcards", data=fields, files=files)
    assert fake.created == 2


@pytest.mark.parametrize(
    "id_value", [None, "", "  ", "psc 1", "psc_1\x1b[2J", "psc_" + LOB_KEY[5:]]
)
def test_an_answer_without_a_usable_id_is_not_a_send(fake: FakeProvider, id_value: object) -> None:
    provider = client(fake, "lob")
    fake.faults.no_id_next(1, id_value)
    with pytest.raises(NoUsableId, match="without a usable postcard id") as caught:
        provider.create_postcard(card_request("C007", "k-noid"))
    assert leaked(str(caught.value), LOB_KEY) == []
    assert fake.created == 1
    # Lob keeps the key: sending it again returns the card it made, now with its id.
    piece = provider.create_postcard(card_request("C007", "k-noid"))
    assert fake.created == 1
    assert piece.id in fake.postcards


def test_postgrid_finds_the_card_it_answered_without_an_id(fake: FakeProvider) -> None:
    provider = client(fake, "postgrid")
    fake.faults.no_id_next(1)
    piece = provider.create_postcard(card_request("C008", "k-pg-noid"))
    assert fake.created == 1
    assert piece.id in fake.postcards


def test_lob_finds_a_card_by_its_key_in_the_metadata(fake: FakeProvider) -> None:
    provider = client(fake, "lob")
    made = provider.create_postcard(card_request("C009", "k-find"))
    provider.create_postcard(card_request("C010", "k-other"))
    found = provider.find_postcard("k-find")
    assert found is not None
    assert found.id == made.id
    assert provider.find_postcard("k-never-sent") is None
    lookups = [r for r in fake.requests if r.method == "GET"]
    assert [r.path for r in lookups] == ["/v1/postcards"] * 2


# -- what each provider would refuse -------------------------------------------------------------


def _to(req_address: Address, **changes: str) -> Address:
    return dataclasses.replace(req_address, **changes)


def test_lob_check_names_every_limit() -> None:
    good = card_request("C011", "k-check")
    assert lob_problems(good) == []
    to = good.to.address
    cases = {
        "address_line1": _to(to, line1="1" * (LOB_MAX_LINE + 1)),
        "two-letter state": _to(to, state="Illinois"),
        "not a ZIP code": _to(to, postal_code="6270"),
        "ISO country": _to(to, country="Canada"),
    }
    for words, address in cases.items():
        bad = dataclasses.replace(good, to=dataclasses.replace(good.to, address=address))
        assert any(words in p for p in lob_problems(bad)), words
    abroad = dataclasses.replace(
        good,
        size="6x9",
        to=dataclasses.replace(
            good.to, address=Address("1 King St W", "", "Toronto", "ON", "M5H 1A1", "CA")
        ),
    )
    assert any("only 4x6 postcards go abroad" in p for p in lob_problems(abroad))
    assert lob_problems(dataclasses.replace(abroad, size="4x6")) == []
    standard = dataclasses.replace(good, mail_type="usps_standard")
    assert any("usps_standard" in p for p in lob_problems(standard))
    assert lob_problems(dataclasses.replace(standard, size="6x9")) == []
    long = dataclasses.replace(good, description="d" * (LOB_MAX_DESCRIPTION + 1))
    assert any("description is 256" in p for p in lob_problems(long))
    heavy = dataclasses.replace(good, front_pdf=b"%PDF-" + b"0" * LOB_MAX_FILE)
    assert any("front artwork is 5.0 MB" in p for p in lob_problems(heavy))


def test_the_same_check_stops_a_real_send_before_any_request(fake: FakeProvider) -> None:
    provider = client(fake, "lob")
    req = card_request("C012", "k-refused")
    bad = dataclasses.replace(
        req, to=dataclasses.replace(req.to, address=_to(req.to.address, state="Illinois"))
    )
    assert provider.problems(bad) == lob_problems(bad) != []
    with pytest.raises(RequestRejected, match=r"would be refused by Lob: .*two-letter state"):
        provider.create_postcard(bad)
    assert fake.requests == []
    # The dry run still shows the request as it would go.
    assert "to[address_state]=Illinois" in provider.dry_run_request(bad)


def test_postgrid_check() -> None:
    good = dataclasses.replace(card_request("C013", "k-pg"), front_pdf=b"", back_pdf=b"")
    assert postgrid_problems(good) == []
    assert postgrid_problems(dataclasses.replace(good, size="5x7"))
    nowhere = dataclasses.replace(good.to, address=_to(good.to.address, line1="", country="XX"))
    assert len(postgrid_problems(dataclasses.replace(good, to=nowhere))) == 2


def test_lob_limits_match_its_published_spec() -> None:
    if not LOB_SPEC.exists():
        pytest.skip("Lob's OpenAPI spec is not next to this checkout")
    spec = LOB_SPEC.read_text(encoding="utf-8")
    line1 = r"address_line1:\n(?:.*\n){0,6}?\s+maxLength: (\d+)"
    for schema, limit in (("us", LOB_MAX_LINE), ("intl", LOB_MAX_LINE_ABROAD)):
        block = spec[spec.index(f"    address_fields_{schema}:") :][:2000]
        assert re.findall(line1, block)[:1] == [str(limit)], schema
    assert "Only `4x6` postcards can be sent to international destinations" in spec
    assert "`usps_standard` cannot be used with `4x6`" in spec
    described = spec[spec.index("    resource_description:") :][:300]
    assert f"maxLength: {LOB_MAX_DESCRIPTION}" in described
    assert "5MB" in spec
