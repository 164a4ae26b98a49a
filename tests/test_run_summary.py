"""`mailer run` on a big session says what happened in a screenful: the plan, the rejected
rows and the refused cards are counted past a few dozen, each one still in rejects.csv."""

from __future__ import annotations

from pathlib import Path

from tests.builders import broken_card_config, invoke, read_csv_dicts

HEADER = (
    "contact_id,first_name,last_name,phone,email,address_line1,address_line2,city,state,"
    "postal_code,country,outcome,called_at,notes\n"
)


def big_session(folder: Path, cards: int, bad_rows: int) -> Path:
    """`cards` voicemails (an offer card each) and `bad_rows` rows with no outcome."""
    lines = [HEADER]
    for n in range(cards + bad_rows):
        outcome = "voicemail" if n < cards else "sang a song"
        lines.append(
            f"C{n:04d},Amy{n},Carter,217-555-{n:04d},amy{n}@example.com,{100 + n} Elm St,,"
            f"Springfield,IL,62704,US,{outcome},2026-11-21 10:{n % 60:02d},\n"
        )
    log = folder / "calls.csv"
    log.write_text("".join(lines), encoding="utf-8")
    return log


def test_a_big_run_counts_what_it_would_list_and_rejects_csv_keeps_each(tmp_path: Path) -> None:
    log = big_session(tmp_path, cards=35, bad_rows=40)
    config = broken_card_config(tmp_path)
    out = tmp_path / "out"
    result = invoke(
        "run", log, "--config", config, "--db", tmp_path / "m.db", "--out", out,
        "--today", "2026-11-22",
    )  # fmt: skip
    assert result.exit_code == 3, result.stderr
    said = " ".join(result.stderr.split())
    shown = " ".join(result.stdout.split())
    # The plan as a summary, the first 30 rejected rows, then a count.
    assert "35 contacts" in shown
    assert "Amy3 Carter" not in shown
    assert "... and 10 more rows rejected: --all lists every one" in said
    # The first 30 refused cards with their fix, then a count.
    assert said.count("card not drawn:") == 30
    assert "... and 5 more cards refused like these" in said
    assert "rejects.csv in the output folder lists every one" in said
    # The summary comes from the plan's counts (the session no longer holds its steps).
    counts = "75 rows, 35 contacts: 35 mail, 0 call, 0 skip, 0 suppress, 40 rejected"
    assert f"{counts}, 35 cards refused" in said
    rows = read_csv_dicts(out / "rejects.csv")
    assert len(rows) == 75
    assert sum("card not drawn" in r["error"] for r in rows) == 35

    again = invoke(
        "run", log, "--config", config, "--db", tmp_path / "m.db", "--out", out,
        "--today", "2026-11-22", "--all",
    )  # fmt: skip
    every = " ".join(again.stdout.split())
    assert "Amy3 Carter" in every
    assert "more rows rejected" not in " ".join(again.stderr.split())
