"""Card templates: built-ins, variables, filters, the sandbox, error messages and overrides."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from pathlib import Path

import pytest

from mailer.config import Config, Templates
from mailer.domain.card_codes import candidate, display
from mailer.domain.models import MailStep
from mailer.drawing.batch import render_card_bytes
from mailer.drawing.card_context import card_context, qr_url
from mailer.drawing.style import load_style
from mailer.drawing.templates import (
    FILES,
    available_templates,
    builtin_templates_dir,
    find_template,
    friendly,
    greeting,
    load_template,
    short,
)
from mailer.errors import TemplateError
from mailer.project import DEMO
from tests.builders import card_step, qr_texts

CONFIG = DEMO


def render(step: MailStep, config: Config = CONFIG):
    assert step.template is not None
    template = load_template(step.template, config)
    context = card_context(step, config, sales=template.style.sales)
    return template.render(context, step.contact_id)


def user_config(root: Path) -> Config:
    return dataclasses.replace(CONFIG, templates=Templates(dir=str(root)))


def write_template(root: Path, name: str, front: str, message: str, toml: str = "") -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "card.toml").write_text(toml or 'description = "test"\n', encoding="utf-8")
    (folder / "front.j2").write_text(front, encoding="utf-8")
    (folder / "message.j2").write_text(message, encoding="utf-8")
    return folder


# ---- filters -------------------------------------------------------------------------------


def test_date_filters():
    assert friendly(date(2026, 11, 30)) == "Monday, November 30"
    assert friendly(datetime(2026, 12, 4, 9, 30)) == "Friday, December 4"
    assert friendly("2026-12-07") == "Monday, December 7"
    assert short(date(2026, 11, 30)) == "Mon, Nov 30"
    with pytest.raises(ValueError, match="not a date"):
        friendly(None)


def test_greeting_filter():
    assert greeting("Mary") == "Dear Mary"
    assert greeting("  ") == "Hello there"
    assert greeting("", "Hi", "Hi there") == "Hi there"
    assert greeting("Zoë", "Hi") == "Hi Zoë"


# ---- built-ins -----------------------------------------------------------------------------


def test_builtins_are_complete():
    root = builtin_templates_dir()
    for name in ("offer", "thank-you", "birthday"):
        for file in FILES:
            assert (root / name / file).is_file(), f"{name}/{file}"
    assert (root / "README.md").is_file()
    assert set(available_templates(CONFIG)) >= {"offer", "thank-you", "birthday"}


def test_offer_text_is_personal_and_time_sensitive():
    text = render(card_step())
    assert text.front["greeting"] == "Hi Mary!"
    assert text.front["headline"] == CONFIG.offer.headline
    assert "Monday, December 7" in text.front["deadline"]
    assert CONFIG.offer.code in text.front["deadline"]
    message = text.message
    assert message.startswith("Dear Mary,")
    assert "missed you" in message
    assert "ring on Monday, November 30" in message
    assert "call me by Monday, December 7" in message
    assert CONFIG.offer.tip in message
    assert CONFIG.sender.phone in message
    assert "\n\n\n" not in message


def test_offer_without_first_name_tip_or_code():
    config = dataclasses.replace(CONFIG, offer=dataclasses.replace(CONFIG.offer, tip="", code=""))
    text = render(card_step(first=""), config)
    assert text.front["greeting"] == "Hello there!"
    assert text.message.startswith("Hello there,")
    assert "tip" not in text.message
    code = display(candidate(card_step().step_key, 0))  # no offer code: the card's own
    assert f"and mention {code}." in text.message
    assert "code" not in text.front["deadline"]
    assert text.front["deadline"].endswith(f": mention {code}")
    assert "\n\n\n" not in text.message


@pytest.mark.parametrize("name", ["thank-you", "birthday"])
def test_warm_cards_carry_no_sales_message(name):
    template = load_template(name, CONFIG)
    assert template.style.sales is False
    assert template.style.show_qr is False
    context = card_context(card_step(template=name), CONFIG, sales=False)
    assert "offer" not in context
    assert "offer_expires" not in context["step"]
    text = render(card_step(template=name))
    everything = " ".join([*text.front.values(), text.message])
    assert "Mary" in text.front["greeting"]
    assert text.message.startswith("Dear Mary,")
    offer = CONFIG.offer
    for word in (offer.code, offer.url, offer.headline, "%", "offer", "December 7", "expires"):
        assert word not in everything


def test_template_cache_returns_the_same_object():
    assert load_template("offer", CONFIG) is load_template("offer", CONFIG)


def test_extra_columns_and_contact_fields(tmp_path):
    write_template(
        tmp_path,
        "scent",
        "{% block headline %}{{ contact.favorite_scent }} / "
        "{{ contact['Favorite Scent'] }}{% endblock %}",
        "{{ contact.name }} {{ contact.city }} {{ sender.return_address.city }} "
        "{{ step.send_date | short }}",
    )
    step = card_step(template="scent", extra={"Favorite Scent": "Cedar & Sage"})
    text = render(step, user_config(tmp_path))
    assert text.front == {"headline": "Cedar & Sage / Cedar & Sage"}  # no HTML escaping
    assert text.message == "Mary Albright Springfield Springfield Mon, Nov 23"


# ---- user templates ------------------------------------------------------------------------


def test_user_folder_overrides_a_builtin_and_adds_new(tmp_path):
    write_template(
        tmp_path,
        "offer",
        "{% block headline %}My own offer for {{ contact.first_name }}{% endblock %}",
        "Custom note for {{ contact.first_name }}.",
    )
    write_template(tmp_path, "new-listing", "{% block body %}Just listed{% endblock %}", "Hi")
    config = user_config(tmp_path)
    assert find_template("offer", config) == tmp_path / "offer"
    assert find_template("birthday", config) == builtin_templates_dir() / "birthday"
    assert set(available_templates(config)) >= {"offer", "new-listing", "thank-you"}
    text = render(card_step(template="offer"), config)
    assert text.front == {"headline": "My own offer for Mary"}
    assert text.message == "Custom note for Mary."
    assert render(card_step()).front["greeting"] == "Hi Mary!"  # built-in untouched


def test_unknown_template_lists_the_available_ones():
    with pytest.raises(TemplateError, match="'nope' not found") as err:
        find_template("nope", CONFIG)
    assert "offer" in err.value.hint


def test_template_name_cannot_escape_the_folder():
    with pytest.raises(TemplateError, match="not valid"):
        find_template("../offer", CONFIG)


# ---- errors --------------------------------------------------------------------------------


def test_sandbox_refuses_python_internals(tmp_path):
    write_template(
        tmp_path,
        "evil",
        "{% block body %}fine{% endblock %}",
        "Hello\n{{ ''.__class__.__mro__ }}\n",
    )
    with pytest.raises(TemplateError) as err:
        render(card_step(template="evil"), user_config(tmp_path))
    message = str(err.value)
    assert "template 'evil'" in message
    assert "message.j2, line 2" in message
    assert "contact C001" in message
    assert "not allowed" in message


def test_sandbox_refuses_reaching_module_globals(tmp_path):
    # A plain Jinja environment renders this as the globals of jinja2.utils (and from there
    # anything); only the sandbox refuses it.
    write_template(
        tmp_path,
        "evil2",
        "{% block body %}{{ cycler.__init__.__globals__ }}{% endblock %}",
        "x",
    )
    with pytest.raises(TemplateError) as err:
        render(card_step(template="evil2"), user_config(tmp_path))
    message = err.value.message
    assert "front.j2, line 1) for contact C001" in message
    assert "not allowed in a template" in message
    assert "'__init__'" in message
    assert "unsafe" in message


def test_undefined_variable_names_template_file_line_and_contact(tmp_path):
    write_template(
        tmp_path,
        "typo",
        "{% block greeting %}Hi{% endblock %}\n\n{% block body %}\n{{ contact.frist_name }}"
        "{% endblock %}",
        "ok",
    )
    with pytest.raises(TemplateError) as err:
        render(card_step(template="typo", contact_id="C042"), user_config(tmp_path))
    message = str(err.value)
    assert "template 'typo'" in message
    assert "front.j2, line 4" in message
    assert "contact C042" in message
    assert "contact has no field 'frist_name'" in message
    assert "first_name" in message  # the fields it does have
    assert "variables" in err.value.hint


def test_offer_is_undefined_on_a_non_sales_card(tmp_path):
    write_template(
        tmp_path,
        "sneaky",
        "{% block body %}hi{% endblock %}",
        "Use code {{ offer.code }}",
        toml="sales = false\n",
    )
    with pytest.raises(TemplateError, match="'offer' is undefined"):
        render(card_step(template="sneaky"), user_config(tmp_path))


def test_syntax_error_names_the_line(tmp_path):
    write_template(tmp_path, "broken", "{% block body %}ok{% endblock %}", "one\ntwo {{ oops\n")
    with pytest.raises(TemplateError) as err:
        render(card_step(template="broken"), user_config(tmp_path))
    assert "syntax error" in str(err.value)
    assert "message.j2, line 2" in str(err.value)
    assert "contact C001" in str(err.value)


def test_filter_failure_is_a_template_error(tmp_path):
    write_template(tmp_path, "nodate", "{% block body %}{{ contact.birthday | friendly }}"
                   "{% endblock %}", "x")  # fmt: skip
    with pytest.raises(TemplateError, match="not a date"):
        render(card_step(template="nodate"), user_config(tmp_path))


def test_set_and_macros_above_the_blocks_are_seen_inside_them(tmp_path):
    front = (
        "{# the offer card for the spring fair #}\n"
        '{% set fair = "Spring Fair" %}\n'
        "{% macro shout(text) %}{{ text | upper }}!{% endmacro %}\n"
        "\n"
        "{% block headline %}{{ shout(fair) }}{% endblock %}\n"
        "{% block body %}See you at the {{ fair }}, {{ contact.first_name }}.{% endblock %}\n"
    )
    write_template(tmp_path, "fair", front, "x")
    text = render(card_step(template="fair"), user_config(tmp_path))
    assert dict(text.front) == {
        "headline": "SPRING FAIR!",
        "body": "See you at the Spring Fair, Mary.",
    }


def test_text_outside_the_blocks_is_refused_not_lost(tmp_path):
    front = "Spring fair special\n{% block body %}hello{% endblock %}\n"
    write_template(tmp_path, "stray", front, "x")
    with pytest.raises(TemplateError) as err:
        render(card_step(template="stray"), user_config(tmp_path))
    assert "template 'stray'" in err.value.message
    assert "front.j2" in err.value.message
    assert "outside the blocks" in err.value.message
    assert "'Spring fair special'" in err.value.message
    assert "{% set %}" in err.value.hint


def test_unknown_front_block_is_refused(tmp_path):
    write_template(tmp_path, "blocky", "{% block footer %}x{% endblock %}", "x")
    with pytest.raises(TemplateError, match="unknown block 'footer'"):
        render(card_step(template="blocky"), user_config(tmp_path))


def test_missing_file_is_named(tmp_path):
    folder = write_template(tmp_path, "partial", "{% block body %}x{% endblock %}", "x")
    (folder / "message.j2").unlink()
    with pytest.raises(TemplateError, match=r"message\.j2 is missing"):
        render(card_step(template="partial"), user_config(tmp_path))


# ---- card.toml -----------------------------------------------------------------------------


def test_style_reads_colours_blocks_and_defaults(tmp_path):
    path = tmp_path / "card.toml"
    path.write_text(
        'sales = false\n[colors]\nink = "#abc"\n[blocks.message]\nsize = 18\nfloor = 9\n'
        'color = "#102030"\n',
        encoding="utf-8",
    )
    style = load_style(path)
    assert style.sales is False
    assert style.color("ink") == pytest.approx((0xAA / 255, 0xBB / 255, 0xCC / 255))
    assert style.blocks["message"].size == 18
    assert style.blocks["message"].floor == 9
    assert style.color(style.blocks["message"].color) == pytest.approx(
        (16 / 255, 32 / 255, 48 / 255)
    )
    assert style.blocks["headline"].font == "sans-bold"  # default kept


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('[colors]\nink = "blue"\n', "colors.ink"),
        ("colour = 1\n", "colour"),
        ("[blocks.message]\nsize = 10\nfloor = 12\n", "blocks.message.floor"),
        ('[blocks.message]\nfont = "comic"\n', "blocks.message.font"),
        ("[blocks.footer]\nsize = 10\n", "blocks.footer"),
        ('[front]\nimage = "missing.png"\n', "front.image"),
        ('[front]\nimage_position = "top"\n', "front.image_position"),
        ('sales = "yes"\n', "sales"),
    ],
)
def test_style_errors_name_the_file_and_key(tmp_path, toml, key):
    path = tmp_path / "card.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(TemplateError) as err:
        load_style(path)
    assert str(path) in str(err.value)
    assert f"'{key}'" in str(err.value)
    assert err.value.hint


def test_style_invalid_toml(tmp_path):
    path = tmp_path / "card.toml"
    path.write_text("sales = \n", encoding="utf-8")
    with pytest.raises(TemplateError, match="not valid TOML"):
        load_style(path)


def test_what_one_cards_template_does_to_its_inputs_never_reaches_another_card(tmp_path):
    # The sandbox lets a template call a dict's update/pop/setdefault; the sender and offer
    # are read once per batch, so each card must still be given its own copy.
    write_template(
        tmp_path,
        "meddler",
        "{% if contact.first_name == 'Mary' %}"
        "{% set _ = offer.update(headline='Only for Mary') %}"
        "{% set _ = sender.return_address.update(city='Marytown') %}"
        "{% set _ = sender.setdefault('greeter', contact.first_name) %}{% endif %}"
        "{% block headline %}{{ offer.headline }}{% endblock %}"
        "{% block body %}{{ sender.return_address.city }} "
        "{{ sender.greeter | default('nobody') }}{% endblock %}",
        "Dear {{ contact.first_name }}, {{ offer.headline }}",
        toml="sales = true\n",
    )
    config = user_config(tmp_path)
    patricia = card_step("C004", first="Patricia", template="meddler")
    before = render(patricia, config)
    marys = render(card_step("C001", first="Mary", template="meddler"), config)
    assert marys.front["headline"] == "Only for Mary"  # the template did change its own
    assert "Marytown Mary" in marys.front["body"]
    after = render(patricia, config)
    assert after == before
    assert "Mary" not in after.front["headline"] + after.front["body"] + after.message


def test_a_template_that_takes_the_cards_url_away_still_gets_its_qr_code(tmp_path):
    write_template(
        tmp_path,
        "pop",
        "{% set _ = card.pop('url') %}{% set _ = offer.update(url='https://evil.example') %}"
        "{% block body %}Call me{% endblock %}",
        "Dear {{ contact.first_name }}",
        toml="sales = true\n",
    )
    config = user_config(tmp_path)
    step = card_step(template="pop")
    assert qr_texts(render_card_bytes(step, config, "self")) == [qr_url(step, config)]


def test_a_field_is_read_as_jinjas_own_sandbox_reads_it(tmp_path, monkeypatch):
    # Fields' attributes are read as the item they are, skipping the AttributeError a dict
    # raises first: what each name gives must be what Jinja's sandbox gives.
    from jinja2.sandbox import SandboxedEnvironment

    from mailer.drawing.templates import Fields, sandbox

    ours = sandbox(tmp_path)
    plain = SandboxedEnvironment(undefined=type(ours.undefined()))
    fields = Fields("contact", {"first_name": "Zoë", "items": "three", "_mailer_label": "x"})
    fields.__dict__["extra"] = "set on it"  # an attribute of its own, as Jinja reads it
    fields["extra"] = "the field"
    names = ("first_name", "items", "get", "keys", "_mailer_label", "__class__", "absent")
    for name in (*names, "extra"):
        got, expected = ours.getattr(fields, name), plain.getattr(fields, name)
        assert type(got) is type(expected), name
        if name in ("first_name", "items", "get", "keys", "extra"):  # others: undefined, unsafe
            assert got == expected, name
    # A field is read as an item, without asking Jinja's attribute-first lookup.
    with monkeypatch.context() as patch:
        patch.setattr(SandboxedEnvironment, "getattr", lambda *_: pytest.fail("slow path"))
        assert ours.getattr(fields, "first_name") == "Zoë"
    note = "{{ c.first_name }} {{ c.items()|list|length }} {{ c.get('first_name') }}"
    assert ours.from_string(note).render(c=fields) == "Zoë 4 Zoë"
    write_template(tmp_path, "miss", "{% block body %}{{ contact.nickname }}{% endblock %}", "x")
    with pytest.raises(TemplateError, match="contact has no field 'nickname'"):
        render(card_step(template="miss"), user_config(tmp_path))
