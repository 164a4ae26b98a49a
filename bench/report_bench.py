"""Report benchmark: `mailer report` on a season of 10,000 cards and 2,000 responses, as a
process, beside `mailer --help` (a process that only starts) and a plain sqlite3 read of the
same rows, in interleaved rounds; the verdict uses the median of the rounds. Each process is
timed in wall seconds and in CPU seconds (user and system): on a machine shared with other
work the wall time says more about the neighbours than about mailer.

The season: 10,000 offer cards printed over ten weeks, half of them variant A and half B of
an experiment, a second call to every contact a week after the card (four in ten reach
them), 1,800 responses credited to cards (orders with amounts, some replies) and 200 to none.

    .venv/bin/python bench/report_bench.py                    # 5 rounds
    .venv/bin/python bench/report_bench.py --cards 600 --responses 90 --rounds 1 \
        --chart docs/report.png                               # the README's picture
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from steps import PLANNED_ON, offer_step

from mailer.domain.models import MailStep, Outcome, Plan
from mailer.ledger import Ledger

TARGET_S = 1.0
CARDS = 10_000
RESPONSES = 2_000
FIRST_SEND = date(2026, 9, 7)
REACHING = (Outcome.CONNECTED, Outcome.ORDERED, Outcome.NOT_INTERESTED, Outcome.CALLBACK)
MISSING = (Outcome.VOICEMAIL, Outcome.NO_ANSWER, Outcome.VOICEMAIL, Outcome.BUSY)


def build_season(path: Path, cards: int = CARDS, responses: int = RESPONSES) -> None:
    """The season described in the module doc, in a new ledger at `path`."""
    rng = random.Random(13)
    steps, later = [], []
    for i in range(cards):
        send = FIRST_SEND + timedelta(weeks=i * 10 // cards, days=i % 3)
        step = offer_step(i)
        called = datetime.combine(send - timedelta(days=2), step.record.called_at.time())
        step = dataclasses.replace(
            step,
            record=dataclasses.replace(step.record, called_at=called),
            send_date=send,
            expected_delivery=send + timedelta(days=4),
            offer_expires=send + timedelta(days=14),
            follow_up_call=send + timedelta(days=7),
            variant="A" if i % 2 else "B",
        )
        steps.append(step)
        outcome = rng.choice(REACHING) if rng.random() < 0.4 else rng.choice(MISSING)
        second = step.record.called_at + timedelta(days=9)
        later.append(dataclasses.replace(step.record, outcome=outcome, called_at=second, row=0))
    with Ledger.open(path) as ledger:
        ledger.record_plan(
            Plan(today=PLANNED_ON, steps=tuple(steps), rejections=(), notices=(), rows=cards),
            later,
        )
        by_day: dict[date, list[int]] = {}
        for step in steps:
            piece = ledger.ensure_piece(step, "self", "4x6")
            by_day.setdefault(step.send_date or PLANNED_ON, []).append(piece.id)
        for day, ids in sorted(by_day.items()):
            ledger.mark_printed(ids, day)
    rows = []
    for n in range(responses):
        card: MailStep | None = steps[rng.randrange(cards)] if n % 10 else None
        sent = card.send_date if card and card.send_date else FIRST_SEND
        at = sent + timedelta(days=rng.randint(4, 30))
        order = rng.random() < 0.7
        rows.append(
            (
                f"bench-{n}",
                "order" if order else "reply",
                at.isoformat(),
                rng.randint(2000, 9000) if order else None,
                card.contact_id if card else f"Z{n:05d}",
                card.step_key if card else None,
            )
        )
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO responses (response_key, kind, at, source, amount_cents, contact_id,"
            " step_key, recorded_at) VALUES (?, ?, ?, 'bench', ?, ?, ?, '2026-12-01T00:00:00')",
            [(k, kind, at, cents, c, s) for k, kind, at, cents, c, s in rows],
        )
    conn.close()


SQLITE_READ = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
n = 0
for sql in ("SELECT * FROM calls c LEFT JOIN steps s ON s.call_key = c.call_key",
            "SELECT * FROM steps s JOIN calls c ON c.call_key = s.call_key"
            " LEFT JOIN pieces p ON p.step_key = s.step_key",
            "SELECT * FROM responses"):
    n += len(conn.execute(sql).fetchall())
print(n)
"""


def timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user and system, one core) of `command`'s process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--chart", type=Path, help="also draw the season's chart here")
    parser.add_argument("--cards", type=int, default=CARDS)
    parser.add_argument("--responses", type=int, default=RESPONSES)
    parser.add_argument("--keep", type=Path, help="keep the season's ledger in this file")
    args = parser.parse_args()
    mailer = str(Path(sys.executable).with_name("mailer"))
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "season.db"
        start = time.perf_counter()
        build_season(db, args.cards, args.responses)
        settings = Path(tmp) / "mailer.toml"
        settings.write_text("[results]\nprint_cost = 0.25\n")
        report = [mailer, "report", "--db", str(db), "--config", str(settings)]
        print(f"season built in {time.perf_counter() - start:.1f} s: {args.cards:,} cards, "
              f"{args.responses:,} responses")  # fmt: skip
        names = ("report", "report --by week", "help", "sqlite3")
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
        for _ in range(args.rounds):
            runs["report"].append(timed(report))
            runs["report --by week"].append(timed([*report, "--by", "week", "--format", "json"]))
            runs["help"].append(timed([mailer, "--help"]))
            runs["sqlite3"].append(timed([sys.executable, "-c", SQLITE_READ, str(db)]))
        for name, found in runs.items():
            wall = [w for w, _ in found]
            cpu = [c for _, c in found]
            print(
                f"{name:17} wall median {statistics.median(wall):.3f} s "
                f"({min(wall):.3f} to {max(wall):.3f}), "
                f"CPU median {statistics.median(cpu):.3f} s ({min(cpu):.3f} to {max(cpu):.3f})"
            )
        for what, index in (("wall", 0), ("CPU", 1)):
            median = statistics.median(r[index] for r in runs["report"])
            verdict = "under" if median < TARGET_S else "OVER"
            print(f"mailer report, {what}: {median:.3f} s, {verdict} the {TARGET_S:g} s target")
        if args.chart:
            subprocess.run(
                [*report, "--by", "variant", "--chart", str(args.chart)],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            print(f"chart: {args.chart}")
        if args.keep:
            shutil.copyfile(db, args.keep)
            args.keep.chmod(0o600)  # a ledger holds names and addresses


if __name__ == "__main__":
    main()
