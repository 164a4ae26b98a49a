"""Print-sheet benchmark: N self-mail offer cards imposed on one print.pdf.

Measures cards per second on one core and the peak memory (RSS high-water mark) of a fresh
process per size, so the figures aren't polluted by what ran before.

    .venv/bin/python bench/print_bench.py              # 5,000 cards, memory for 1,000 and 5,000
    .venv/bin/python bench/print_bench.py --cards 500 --skip-memory
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from steps import offer_steps

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


def peak_memory_mb(n: int) -> float:
    """Peak RSS of a fresh process that prints n cards."""
    code = (
        "import sys, tempfile, pathlib; sys.path.insert(0, 'bench');"
        "import print_bench as b; from measure import peak_rss_kib;"
        "d = tempfile.mkdtemp();"
        f"b.run({n}, pathlib.Path(d) / 'print.pdf');"
        "print(peak_rss_kib())"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(done.stdout.strip().splitlines()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=5000)
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
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
        small, large = peak_memory_mb(1000), peak_memory_mb(args.cards)
        print()
        print("| cards | peak RSS MB |")
        print("|---|---|")
        print(f"| 1000 | {small:.0f} |")
        print(f"| {args.cards} | {large:.0f} |")
        print(f"\nratio {large / small:.2f}")
    print(f"\nself time: {resource.getrusage(resource.RUSAGE_SELF).ru_utime:.1f} s CPU")


if __name__ == "__main__":
    main()
