"""Print-sheet benchmark: N self-mail offer cards imposed on one print.pdf.

Measures cards per second on one core and the peak memory (VmHWM) of a fresh process per
size, printing the cards of a ledger as `mailer print` does (the ledger is made by another
process first, so its making doesn't count).

    .venv/bin/python bench/print_bench.py        # 5,000 cards; memory for 2,000 and 20,000
    .venv/bin/python bench/print_bench.py --cards 500 --skip-memory
    .venv/bin/python bench/print_bench.py --skip-speed --memory 2000 20000
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from steps import ledger_with_offers, offer_steps

from mailer.project import DEMO


def run(n: int, out: Path) -> float:
    from mailer.printing.sheets import print_sheets, stock_for

    batch = list(offer_steps(n))
    stock = stock_for(DEMO, "avery-5389")
    start = time.perf_counter()
    report = print_sheets(batch, DEMO, stock, out, duplex="long-edge", sort="zip")
    elapsed = time.perf_counter() - start
    assert report.cards == n, report.failures[:3]
    return elapsed


MEMORY = """
import sys, pathlib
sys.path.insert(0, "bench")
from measure import peak_rss_kib
from steps import PLANNED_ON
from mailer.ledger import Ledger, PieceStatus
from mailer.printing.sheets import print_batch
from mailer.project import DEMO
folder = pathlib.Path(sys.argv[1])
with Ledger.open(folder / "m.db") as ledger:
    due = (d.step for d in ledger.due_cards({None, PieceStatus.PLANNED}))
    report = print_batch(ledger, DEMO, due, folder / "print.pdf", PLANNED_ON,
                         stock_name="avery-5389", duplex="long-edge", sort="zip")
assert report.cards == int(sys.argv[2]), report.failures[:3]
print(peak_rss_kib())
"""


def peak_memory_mb(n: int) -> float:
    """Peak memory (VmHWM) of a fresh process that prints the n cards of a ledger."""
    with tempfile.TemporaryDirectory() as tmp:
        ledger_with_offers(Path(tmp) / "m.db", n)
        done = subprocess.run(
            [sys.executable, "-c", MEMORY, tmp, str(n)], capture_output=True, text=True, check=True
        )
    return int(done.stdout.strip().splitlines()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=5000)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--memory", type=int, nargs=2, default=[2000, 20000])
    args = parser.parse_args()
    if not args.skip_speed:
        with tempfile.TemporaryDirectory() as tmp:
            run(20, Path(tmp) / "warm-up.pdf")  # fonts, templates
            out = Path(tmp) / "print.pdf"
            elapsed = run(args.cards, out)
            size = out.stat().st_size
        rate = args.cards / elapsed
        print("| cards | seconds | cards/s | file MB | bytes/card |")
        print("|---|---|---|---|---|")
        per_card = size // args.cards
        print(f"| {args.cards} | {elapsed:.2f} | {rate:.0f} | {size / 1e6:.1f} | {per_card} |")
    if not args.skip_memory:
        small, large = (peak_memory_mb(n) for n in args.memory)
        print()
        print("| cards | peak MiB (VmHWM) |")
        print("|---|---|")
        print(f"| {args.memory[0]} | {small:.0f} |")
        print(f"| {args.memory[1]} | {large:.0f} |")
        print(f"\nratio {large / small:.2f} (target <= 1.3)")
    print(f"\nself time: {resource.getrusage(resource.RUSAGE_SELF).ru_utime:.1f} s CPU")


if __name__ == "__main__":
    main()
