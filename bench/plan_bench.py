"""Planning benchmark: read and plan a call log of N rows, beside Python's `csv` module
reading the same file.

Each figure comes from a fresh process (so peak memory is that run's own), in interleaved
rounds; the verdict uses the median of the rounds. The log has clean US addresses, about
two calls per contact, and the usual mix of outcomes.

Every process runs from compiled bytecode, as an installed program does (`PROCESS_ENV`).

Two rates: rows per second of wall time, and rows per CPU second of the process
(`time.process_time`, one core): on a machine shared with other work the wall time says
more about the neighbours than about mailer, the CPU time less so. The target is judged on
the CPU figure; the lowest and highest of the rounds are shown beside each median.

    .venv/bin/python bench/plan_bench.py                  # 100,000 rows, 3 rounds
    .venv/bin/python bench/plan_bench.py --rows 20000 --rounds 1
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
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
    start, cpu = time.perf_counter(), time.process_time()
    plan = make_plan([log], DEFAULT, ledger, datetime.date(2026, 11, 22), record=False).plan
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
print(json.dumps({"seconds": seconds, "cpu": cpu, "rows": plan.rows, "steps": len(plan.steps),
                  "peak_kib": peak_rss_kib()}))
"""

CSV_MODULE = """
import csv, json, sys, time
sys.path.insert(0, "bench")
from measure import peak_rss_kib
start, cpu = time.perf_counter(), time.process_time()
with open(sys.argv[1], encoding="utf-8", newline="") as f:
    rows = sum(1 for _ in csv.reader(f)) - 1
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
print(json.dumps({"seconds": seconds, "cpu": cpu, "rows": rows, "peak_kib": peak_rss_kib()}))
"""


BYTECODE = tempfile.mkdtemp(prefix="mailer-bench-pycache-")
PROCESS_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {
    "PYTHONPYCACHEPREFIX": BYTECODE
}
"""Each process runs as an installed program does, from compiled bytecode (kept in a
temporary folder, made by an untimed first run, `warm_up`): a session that sets
PYTHONDONTWRITEBYTECODE would otherwise charge planning for compiling the modules it
imports on its first call, on every run."""


def measure(code: str, log: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", code, str(log)],
        capture_output=True,
        text=True,
        check=True,
        env=PROCESS_ENV,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def warm_up(folder: Path) -> None:
    """One untimed run of each process on a small log: their modules' bytecode is written."""
    small = folder / "warm_up.csv"
    write_log(small, 100)
    measure(CSV_MODULE, small)
    measure(MAILER, small)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "calls.csv"
        write_log(log, args.rows)
        size_mb = log.stat().st_size / 1e6
        warm_up(Path(tmp))
        mailer_runs, csv_runs = [], []
        for _ in range(args.rounds):
            csv_runs.append(measure(CSV_MODULE, log))
            mailer_runs.append(measure(MAILER, log))
    shutil.rmtree(BYTECODE, ignore_errors=True)
    assert all(r["rows"] == args.rows for r in mailer_runs), mailer_runs[0]
    mailer, reference = _figures(mailer_runs, args.rows), _figures(csv_runs, args.rows)
    rate = mailer["cpu"][1]
    verdict = "met" if rate >= TARGET_ROWS_PER_S else "**missed**"
    print(f"Plan bench, {args.rows:,} rows ({size_mb:.1f} MB), median of {args.rounds} rounds")
    print(f"Command: `{' '.join([Path(sys.executable).name, *sys.argv])}`\n")
    print("| run | rows per CPU s | rows/s (wall) | peak MiB | target |")
    print("|---|---:|---:|---:|---|")
    print(
        f"| Python's `csv` module, reading only | {_cell(reference, 'cpu')} | "
        f"{_cell(reference, 'wall')} | {_cell(reference, 'peak')} | reference |"
    )
    print(
        f"| mailer: read and plan (`make_plan`, dry run) | {_cell(mailer, 'cpu')} | "
        f"{_cell(mailer, 'wall')} | {_cell(mailer, 'peak')} | >= {TARGET_ROWS_PER_S:,} rows "
        f"per CPU s: {verdict} ({rate / reference['cpu'][1]:.2f}x csv) |"
    )


def _figures(runs: list[dict[str, float]], rows: int) -> dict[str, tuple[float, float, float]]:
    """(lowest, median, highest) of each figure over the rounds."""

    def spread(values: list[float]) -> tuple[float, float, float]:
        return min(values), statistics.median(values), max(values)

    return {
        "cpu": spread([rows / r["cpu"] for r in runs]),
        "wall": spread([rows / r["seconds"] for r in runs]),
        "peak": spread([r["peak_kib"] / 1024 for r in runs]),
    }


def _cell(figures: dict[str, tuple[float, float, float]], name: str) -> str:
    """The median, and the spread when there were several rounds: `12,000 (11,500-12,400)`."""
    low, mid, high = (f"{value:,.0f}" for value in figures[name])
    return mid if low == high else f"{mid} ({low}-{high})"


if __name__ == "__main__":
    main()
