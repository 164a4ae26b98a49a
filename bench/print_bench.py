"""Print-sheet benchmark: N self-mail offer cards imposed on one print.pdf.

Measures cards per second on one core and the peak memory (VmHWM) of a fresh process per
size, printing the cards of a ledger as `mailer print` does (the ledger is made by another
process first, so its making doesn't count).

    .venv/bin/python bench/print_bench.py        # 5,000 cards; memory for 2,000 and 20,000
    .venv/bin/python bench/print_bench.py --cards 500 --skip-memory
    .venv/bin/python bench/print_bench.py --skip-speed --memory 2000 20000
    .venv/bin/python bench/print_bench.py --drawn     # the cards drawn first, as `mailer run`

Without `--drawn` no card is drawn yet, as for `mailer print` straight after `mailer plan`:
each card is laid out and drawn in memory, then placed on its sheet. With `--drawn` the
ledger's cards are drawn into the folder first (by another process, not timed), as `mailer
run` and `mailer render` leave them, and the sheets place those files.
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


def run(n: int, out: Path) -> tuple[float, float]:
    """Wall and CPU seconds of `print_sheets` on n cards not drawn yet."""
    from mailer.printing.sheets import print_sheets, stock_for

    batch = list(offer_steps(n))
    stock = stock_for(DEMO, "avery-5389")
    start, cpu = time.perf_counter(), time.process_time()
    report = print_sheets(batch, DEMO, stock, out, duplex="long-edge", sort="zip")
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert report.cards == n, report.failures[:3]
    return elapsed, cpu


DRAW = """
import sys, pathlib
from mailer.domain.models import Action
from mailer.drawing.draw import draw_cards
from mailer.ledger import Ledger
from mailer.project import DEMO
folder = pathlib.Path(sys.argv[1])
with Ledger.open(folder / "m.db") as ledger:
    batch = draw_cards(ledger, DEMO, ledger.steps(Action.MAIL), mode="self", out_dir=folder)
assert batch.drawn == int(sys.argv[2]), batch.failures[:3]
"""

TIMED = """
import sys, pathlib, time
sys.path.insert(0, "bench")
from steps import PLANNED_ON
from mailer.ledger import Ledger, PieceStatus
from mailer.printing.sheets import print_batch
from mailer.project import DEMO
folder = pathlib.Path(sys.argv[1])
with Ledger.open(folder / "m.db") as ledger:
    due = [d.step for d in ledger.due_cards({None, PieceStatus.PLANNED, PieceStatus.RENDERED})]
    start, cpu = time.perf_counter(), time.process_time()
    report = print_batch(ledger, DEMO, due, folder / "print.pdf", PLANNED_ON,
                         stock_name="avery-5389", duplex="long-edge", sort="zip")
    print(time.perf_counter() - start, time.process_time() - cpu)
assert report.cards == int(sys.argv[2]), report.failures[:3]
"""


def run_drawn(n: int, folder: Path) -> tuple[float, float]:
    """Wall and CPU seconds of `print_batch` on a ledger's n cards drawn before."""
    ledger_with_offers(folder / "m.db", n)
    subprocess.run([sys.executable, "-c", DRAW, str(folder), str(n)], check=True)
    done = subprocess.run(
        [sys.executable, "-c", TIMED, str(folder), str(n)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    wall, cpu = (float(x) for x in done.stdout.split()[:2])
    return wall, cpu


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
    due = (d.step for d in ledger.due_cards({None, PieceStatus.PLANNED, PieceStatus.RENDERED}))
    report = print_batch(ledger, DEMO, due, folder / "print.pdf", PLANNED_ON,
                         stock_name="avery-5389", duplex="long-edge", sort="zip")
assert report.cards == int(sys.argv[2]), report.failures[:3]
print(peak_rss_kib())
"""


def peak_memory_mb(n: int, drawn: bool) -> float:
    """Peak memory (VmHWM) of a fresh process that prints the n cards of a ledger."""
    with tempfile.TemporaryDirectory() as tmp:
        ledger_with_offers(Path(tmp) / "m.db", n)
        if drawn:
            subprocess.run([sys.executable, "-c", DRAW, tmp, str(n)], check=True)
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
    parser.add_argument("--drawn", action="store_true", help="the cards drawn first")
    args = parser.parse_args()
    if not args.skip_speed:
        with tempfile.TemporaryDirectory() as tmp:
            if args.drawn:
                elapsed, cpu = run_drawn(args.cards, Path(tmp))
            else:
                run(20, Path(tmp) / "warm-up.pdf")  # fonts, templates
                elapsed, cpu = run(args.cards, Path(tmp) / "print.pdf")
            size = (Path(tmp) / "print.pdf").stat().st_size
        rate = args.cards / elapsed
        print("| cards | seconds | CPU s | cards/s | cards per CPU s | file MB | bytes/card |")
        print("|---|---|---|---|---|---|---|")
        per_card = size // args.cards
        print(
            f"| {args.cards} | {elapsed:.2f} | {cpu:.2f} | {rate:.0f} | {args.cards / cpu:.0f} "
            f"| {size / 1e6:.1f} | {per_card} |"
        )
    if not args.skip_memory:
        small, large = (peak_memory_mb(n, args.drawn) for n in args.memory)
        print()
        print("| cards | peak MiB (VmHWM) |")
        print("|---|---|")
        print(f"| {args.memory[0]} | {small:.0f} |")
        print(f"| {args.memory[1]} | {large:.0f} |")
        print(f"\nratio {large / small:.2f} (target <= 1.3)")
    print(f"\nself time: {resource.getrusage(resource.RUSAGE_SELF).ru_utime:.1f} s CPU")


if __name__ == "__main__":
    main()
