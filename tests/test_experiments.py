"""`[experiment]`: contacts dealt to variants by a hash of who they are and the experiment's
name (never reshuffled), a holdout share called but not mailed, each variant's offer on its
cards and in their QR codes, the variant kept in the ledger, plan.json and manifest.csv, and
settings refused with the key and the fix."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from mailer.config import from_mapping
from mailer.domain.experiments import HOLDOUT, Experiment, Variant, assign
from mailer.domain.models import Action, Outcome
from mailer.planning.experiments import apply_experiment
from tests.builders import (
    EXAMPLE_CONFIG,
    REPO,
    call_record,
    config_for,
    invoke,
    mail_step,
    qr_texts,
    read_csv_dicts,
    write_file,
)

TODAY = "2026-11-22"
EXPERIMENT = """
[experiment]
name = "winter-note"
holdout = 0.2

[experiment.variants.note20]
code = "NOTE20"

[experiment.variants.gift]
headline = "A free gift with any order"
code = "GIFT"
url = "https://example.com/gift?src=card"
"""
HEADER = (
    "contact_id,first_name,last_name,phone,email,address_line1,address_line2,city,state,"
    "postal_code,country,birthday,outcome,called_at,notes"
)


def call_log(folder: Path, contacts: int = 40) -> Path:
    """`contacts` voicemails (each a sales card) and one good conversation (a thank-you)."""
    rows = [HEADER]
    for i in range(contacts):
        rows.append(
            f"C{100 + i},Ann{i},Lee,217-555-{1000 + i},,{100 + i} Oak Ridge Dr,,Springfield,IL,"
            f"62704,US,,voicemail,2026-11-21 10:{i % 60:02d},"
        )
    rows.append(
        "C999,Ben,Ode,217-555-0999,,9 Fairview Ct,,Chatham,IL,62629,US,,connected,2026-11-21 11:00,"
    )
    return write_file(folder, "calls.csv", "\n".join(rows) + "\n")


def experiment_config(folder: Path, extra: str = EXPERIMENT) -> Path:
    return write_file(folder, "mailer.toml", EXAMPLE_CONFIG.read_text(encoding="utf-8") + extra)


def plan_doc(folder: Path, calls: Path, config: Path, *args: str) -> dict[str, Any]:
    result = invoke(
        "plan", calls, "--format", "json", "--today", TODAY, "--config", config,
        "--db", folder / "m.db", *args,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return dict(json.loads(result.stdout))


# ---- the rule ------------------------------------------------------------------------------


def test_contacts_are_dealt_evenly_and_never_reshuffled() -> None:
    two = {"a": Variant(code="A"), "b": Variant(code="B")}
    experiment = Experiment("spring", 0.2, two)
    ids = [f"C{i}" for i in range(20_000)]
    dealt = {c: assign(experiment, c) for c in ids}
    counts = Counter(dealt.values())
    assert 0.18 < counts[HOLDOUT] / len(ids) < 0.22
    assert 0.37 < counts["a"] / len(ids) < 0.43
    assert 0.37 < counts["b"] / len(ids) < 0.43
    # The order variants are written in, the case of an id: nothing moves anyone.
    reordered = Experiment("spring", 0.2, {"b": two["b"], "a": two["a"]})
    assert all(assign(reordered, c.lower()) == dealt[c] for c in ids[:2000])
    # Without a holdout nobody is held out; another experiment deals afresh.
    assert HOLDOUT not in {assign(Experiment("spring", 0.0, two), c) for c in ids[:2000]}
    other = Experiment("autumn", 0.2, two)
    moved = sum(assign(other, c) != dealt[c] for c in ids[:2000])
    assert 800 < moved < 1400


def test_only_sales_cards_take_part_and_a_variant_may_change_the_template() -> None:
    variants = {"a": Variant(template="offer-b"), "b": Variant(code="B")}
    config = config_for(experiment=Experiment("spring", 0.0, variants))
    sales = [mail_step(call_record(f"C{i}")) for i in range(40)]
    thanks = mail_step(call_record("T1", Outcome.ORDERED), "thank-you", expires=None)
    planned = apply_experiment([*sales, thanks], config)
    assert planned[-1] == thanks
    assert planned[-1].variant is None
    by_variant = {s.variant: s.template for s in planned[:-1]}
    assert by_variant == {"a": "offer-b", "b": "offer"}
    assert apply_experiment(sales, config) == planned[:-1]  # pure: the same every time


# ---- through the plan ----------------------------------------------------------------------


def test_the_plan_deals_variants_holds_some_out_and_keeps_them(tmp_path: Path) -> None:
    calls, config = call_log(tmp_path), experiment_config(tmp_path)
    doc = plan_doc(tmp_path, calls, config)
    steps = {s["contact_id"]: s for s in doc["steps"]}
    sales = [s for s in doc["steps"] if s["contact_id"] != "C999"]
    variants = Counter(s["variant"] for s in sales)
    assert set(variants) == {"note20", "gift", HOLDOUT}
    assert steps["C999"]["variant"] is None  # a thank-you card is no part of it
    card_call = next(s["follow_up_call"] for s in sales if s["action"] == "mail")
    for step in sales:
        if step["variant"] == HOLDOUT:
            # The follow-up call on the day it would come after the card, and no card.
            assert step["action"] == "call"
            assert step["template"] is None
            assert step["code"] is None
            assert step["follow_up_call"] == card_call
            assert step["purpose"] == "follow-up"
            assert "held out of experiment 'winter-note': no card" in step["reason"]
        else:
            assert (step["action"], step["template"]) == ("mail", "offer")
            assert step["code"] is not None
    # Planned again, on this ledger or a fresh one, nobody moves.
    again = plan_doc(tmp_path, calls, config)
    (tmp_path / "fresh").mkdir()
    fresh = plan_doc(tmp_path / "fresh", calls, config)
    for other in (again, fresh):
        assert {s["contact_id"]: s["variant"] for s in other["steps"]} == {
            c: s["variant"] for c, s in steps.items()
        }
    with sqlite3.connect(tmp_path / "m.db") as con:
        stored = dict(con.execute("SELECT contact_id, variant FROM steps").fetchall())
    assert stored == {c: s["variant"] for c, s in steps.items()}


def test_each_variant_draws_its_own_offer_and_qr_address(tmp_path: Path) -> None:
    calls, config = call_log(tmp_path, contacts=12), experiment_config(tmp_path)
    out = tmp_path / "out"
    result = invoke(
        "run", calls, "--today", TODAY, "--config", config, "--db", tmp_path / "m.db",
        "--out", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    manifest = read_csv_dicts(out / "manifest.csv")
    seen = set()
    for row in manifest:
        if row["template"] != "offer":
            assert row["variant"] == ""
            continue
        card, code = out / row["file"], row["code"]
        front = " ".join((PdfReader(card).pages[0].extract_text() or "").split())
        seen.add(row["variant"])
        if row["variant"] == "gift":
            assert "A free gift with any order" in front
            assert f"with code GIFT-{code}" in front
            assert qr_texts(card) == [f"https://example.com/gift?src=card&code={code}"]
        else:
            assert row["variant"] == "note20"
            assert f"with code NOTE20-{code}" in front
            assert qr_texts(card) == [f"https://example.com/note20?code={code}"]
    assert seen == {"gift", "note20"}
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    held = [s for s in plan["steps"] if s["variant"] == HOLDOUT]
    assert {s["contact_id"] for s in held}.isdisjoint({r["contact_id"] for r in manifest})
    # Held-out contacts are still called: they are on the call sheet.
    sheet = {r["contact_id"] for r in read_csv_dicts(out / "followups.csv")}
    assert {s["contact_id"] for s in held} <= sheet


def test_the_plan_table_names_the_variant(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    calls, config = call_log(tmp_path, contacts=8), experiment_config(tmp_path)
    result = invoke(
        "plan", calls, "--dry-run", "--today", TODAY, "--config", config, "--db", tmp_path / "m"
    )
    said = " ".join(result.stdout.split())
    assert "variant gift" in said or "variant note20" in said
    long = invoke(
        "plan", call_log(tmp_path, contacts=40), "--dry-run", "--today", TODAY,
        "--config", config, "--db", tmp_path / "m",
    )  # fmt: skip
    assert "mail offer · gift" in long.stdout
    assert "call · holdout" in long.stdout


# ---- settings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("snippet", "said"),
    [
        ('name = "x"\nholdout = 1.5\n[experiment.variants.a]\n[experiment.variants.b]',
         "'experiment.holdout' is 1.5; it must be from 0 to 0.9"),
        ('name = "x"\n[experiment.variants.a]\ncode = "A"',
         "'experiment.variants' has 1 variant(s)"),
        ('holdout = 0.1\n[experiment.variants.a]\n[experiment.variants.b]',
         "'experiment.name' is empty"),
        ('name = "x"\n[experiment.variants.a]\ncolour = "red"\n[experiment.variants.b]',
         "unknown key 'experiment.variants.a.colour'"),
        ('name = "x"\n[experiment.variants.holdout]\n[experiment.variants.b]',
         "'experiment.variants.holdout' is not a usable variant name"),
        ('name = "x"\n[experiment.variants.a]\nurl = "example.com"\n[experiment.variants.b]',
         "'experiment.variants.a.url' is 'example.com'"),
        ('name = "x"\n[experiment.variants.a]\ntemplate = "thank-you"\n[experiment.variants.b]',
         "'experiment.variants.a.template' is 'thank-you', a card without a sales message"),
    ],
)  # fmt: skip
def test_a_wrong_experiment_is_refused_with_its_key(
    tmp_path: Path, snippet: str, said: str
) -> None:
    config = experiment_config(tmp_path, "\n[experiment]\n" + snippet + "\n")
    result = invoke(
        "plan", call_log(tmp_path, 2), "--dry-run", "--today", TODAY, "--config", config
    )
    assert result.exit_code == 2, result.output
    assert said in " ".join(result.stderr.split())
    assert "Traceback" not in result.output


def test_an_experiment_needs_nothing_else_to_change() -> None:
    config = from_mapping({"experiment": {"name": "x", "variants": {"a": {}, "b": {}}}})
    assert config.experiment is not None
    assert config.experiment.holdout == 0.0
    step = mail_step()
    assert apply_experiment([step], config)[0].action is Action.MAIL


def test_a_held_out_contacts_order_counts_for_the_holdout(tmp_path: Path) -> None:
    config = experiment_config(tmp_path)
    doc = plan_doc(tmp_path, call_log(tmp_path), config)
    held = next(s for s in doc["steps"] if s["variant"] == "holdout")
    number = 1000 + int(held["contact_id"][1:]) - 100
    # The shop's export knows them only by their phone: no card went to them.
    orders = write_file(
        tmp_path,
        "orders.csv",
        f"Order ID,Date,Total,Phone\n9001,2026-12-01,30.00,217-555-{number}\n",
    )
    common = ("--db", tmp_path / "m.db", "--config", config)
    imported = invoke("responses", "import", orders, *common)
    assert imported.exit_code == 0, imported.stderr
    assert "held out of the experiment" in " ".join(imported.stderr.split())
    report = invoke("report", "--by", "variant", "--format", "json", *common)
    assert report.exit_code == 0, report.stderr
    doc = json.loads(report.stdout)
    groups = {g["group"]: g for g in doc["groups"]}
    assert groups["holdout"]["responses"] == 1
    # The total is the cards': the holdout got none, so its order is not in their rate.
    assert doc["total"]["responses"] == 0
    assert doc["total"]["sent"] == sum(g["sent"] for g in doc["groups"])


def test_a_card_of_a_variant_since_removed_is_not_drawn_as_another(tmp_path: Path) -> None:
    config = experiment_config(tmp_path)
    plan_doc(tmp_path, call_log(tmp_path, contacts=6), config)
    config.write_text(EXAMPLE_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    common = ("--today", TODAY, "--db", tmp_path / "m.db", "--config", config)
    result = invoke("render", *common, "--out", tmp_path / "out")
    assert result.exit_code == 3  # those cards refused, each with the reason and the fix
    assert not list((tmp_path / "out" / "cards").glob("*offer.pdf"))
    said = " ".join(result.stderr.split())
    assert "was planned in experiment variant" in said
    assert "which mailer.toml no longer has" in said


def test_a_variant_template_without_a_sales_message_is_refused(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(REPO / "templates" / "thank-you", templates / "warm")
    extra = EXPERIMENT.replace('code = "GIFT"', 'code = "GIFT"\ntemplate = "warm"')
    toml = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    toml = toml.replace('dir = ""', f'dir = "{templates}"', 1) + extra
    config = write_file(tmp_path, "mailer.toml", toml)
    plan_doc(tmp_path, call_log(tmp_path, contacts=12), config)
    common = ("--today", TODAY, "--db", tmp_path / "m.db", "--config", config)
    result = invoke("render", *common, "--out", tmp_path / "out")
    said = " ".join(result.stderr.split())
    assert result.exit_code == 3, said
    assert "template 'warm' has no sales message" in said
    assert not list((tmp_path / "out" / "cards").glob("*-warm.pdf"))


def test_an_experiment_added_after_the_cards_were_made_leaves_their_plan_as_made(
    tmp_path: Path,
) -> None:
    calls = call_log(tmp_path, contacts=6)
    plain = write_file(tmp_path, "plain.toml", EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    common = ("--today", TODAY, "--db", tmp_path / "m.db")
    made = invoke("run", calls, *common, "--config", plain, "--out", tmp_path / "out")
    assert made.exit_code == 0, made.stderr
    doc = plan_doc(tmp_path, calls, experiment_config(tmp_path))
    # The cards exist without a variant: the plan says so rather than a variant never drawn.
    assert all(s["variant"] is None for s in doc["steps"])


def test_a_plan_again_with_an_experiment_added_says_what_changed(tmp_path: Path) -> None:
    calls = call_log(tmp_path, contacts=6)
    plain = write_file(tmp_path, "plain.toml", EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    common = ("--today", TODAY, "--db", tmp_path / "m.db")
    assert invoke("plan", calls, *common, "--config", plain).exit_code == 0
    again = invoke("plan", calls, *common, "--config", experiment_config(tmp_path))
    assert again.exit_code == 0, again.stderr
    said = " ".join(again.stderr.split())
    assert re.search(r"already in the ledger; \d+ steps? planned again", said), said
