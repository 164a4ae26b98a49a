"""Planning benchmark: read and plan a call log of N rows, beside Python's `csv` module
reading the same file.

Each figure comes from a fresh process (so peak memory is that run's own), in interleaved
rounds; the verdict uses the median of the rounds. The log has clean US addresses, about
two calls per contact, and the usual mix of outcomes.

    .venv/bin/python bench/plan_bench.py                  # 100,000 rows, 3 rounds
    .venv/bin/python bench/plan_bench.py --rows 20000 --rounds 1
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

TARGET_ROWS_PER_S = 50_000
STREETS = ("Oak Ridge Dr", "Maple Ave", "Elm St", "Fairview Ct", "Washington St", "Grand Ave")
CITIES = (("Springfield", "IL", "627"), ("Chatham", "IL", "626"), ("Portland", "OR", "972"))
OUTCOMES = ("voicemail", "no_answer", "busy", "connected", "voicemail", "no_answer")

HEADER = (
    "contact_id,first_name,last_name,phone,email,address_line1,address_line2,city,state,"
    "postal_code,country,outcome,called_at,notes\n"
)


def write_log(path: Path, rows: int) -> None:
    """A log of `rows` calls to about rows/2 contacts (fictitious, example.com)."""
    rng = random.Random(7)
    contacts = max(1, rows // 2)
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(HEADER)
        for i in range(rows):
            c = rng.randrange(contacts)
            city, state, zip3 = CITIES[c % len(CITIES)]
            minute = i % 600
            f.write(
                f"C{c:07d},Mary{c % 97},Albright{c % 89},217-555-{c % 10000:04d},"
                f"m{c}@example.com,{100 + c % 9000} {STREETS[c % len(STREETS)]},,"
                f"{city},{state},{zip3}{c % 100:02d},US,{OUTCOMES[i % len(OUTCOMES)]},"
                f"2026-11-21 {9 + minute // 60:02d}:{minute % 60:02d},\n"
            )


MAILER = """
import json, sys, time, datetime, pathlib, tempfile
sys.path.insert(0, "bench")
from measure import peak_rss_kib
from mailer.config import DEFAULT
from mailer.ledger import Ledger
from mailer.planning.planner import make_plan
log = pathlib.Path(sys.argv[1])
with tempfile.TemporaryDirectory() as tmp, Ledger.open(pathlib.Path(tmp) / "m.db") as ledger:
    start = time.perf_counter()
    plan = make_plan([log], DEFAULT, ledger, datetime.date(2026, 11, 22), record=False).plan
    seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "rows": plan.rows, "steps": len(plan.steps),
                  "peak_kib": peak_rss_kib()}))
"""

CSV_MODULE = """
import csv, json, sys, time
sys.path.insert(0, "bench")
from measure import peak_rss_kib
start = time.perf_counter()
with open(sys.argv[1], encoding="utf-8", newline="") as f:
    rows = sum(1 for _ in csv.reader(f)) - 1
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "rows": rows, "peak_kib": peak_rss_kib()}))
"""


def measure(code: str, log: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", code, str(log)], capture_output=True, text=True, check=True
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "calls.csv"
        write_log(log, args.rows)
        size_mb = log.stat().st_size / 1e6
        mailer_runs, csv_runs = [], []
        for _ in range(args.rounds):
            csv_runs.append(measure(CSV_MODULE, log))
            mailer_runs.append(measure(MAILER, log))
    assert all(r["rows"] == args.rows for r in mailer_runs), mailer_runs[0]
    rate = statistics.median(args.rows / r["seconds"] for r in mailer_runs)
    csv_rate = statistics.median(args.rows / r["seconds"] for r in csv_runs)
    peak = statistics.median(r["peak_kib"] for r in mailer_runs) / 1024
    csv_peak = statistics.median(r["peak_kib"] for r in csv_runs) / 1024
    verdict = "met" if rate >= TARGET_ROWS_PER_S else "**missed**"
    print(f"Plan bench, {args.rows:,} rows ({size_mb:.1f} MB), median of {args.rounds} rounds")
    print(f"Command: `{' '.join([Path(sys.executable).name, *sys.argv])}`\n")
    print("| run | rows/s | peak MiB | target |")
    print("|---|---:|---:|---|")
    print(f"| Python's `csv` module, reading only | {csv_rate:,.0f} | {csv_peak:.0f} | reference |")
    print(
        f"| mailer: read and plan (`make_plan`, dry run) | {rate:,.0f} | {peak:.0f} | "
        f">= {TARGET_ROWS_PER_S:,} rows/s: {verdict} ({rate / csv_rate:.2f}x csv) |"
    )


if __name__ == "__main__":
    main()
