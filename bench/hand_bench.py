"""Handwriting bench: what the varied note costs. Interleaved rounds of mailer's
`CardRenderer` (jobs=1, 4x6 self-mail offer cards with their QR code) with the handwriting
variation off and on; the target is at most 15% more time a card with it on, judged by the
median over the rounds of the ratio within each round (CPU time beside it: less disturbed by
other programs on the machine). The forms of the letters are made before the first round
(once per process, as a real run makes them once). Prints a Markdown table.

    .venv/bin/python bench/hand_bench.py                  # 500 cards, 5 rounds
    .venv/bin/python bench/hand_bench.py --cards 200 --repeat 3
    .venv/bin/python bench/hand_bench.py --instructions   # callgrind, on and off

`--instructions` counts the instructions a card costs with valgrind's callgrind (100 cards
drawn after 20, the forms ready, as a real run draws them): unlike time, the count doesn't
depend on other programs on the machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import subprocess
import sys
import tempfile
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from render_bench import Timing, bench_config, timed  # noqa: E402
from steps import offer_steps  # noqa: E402

from mailer.config import Config, Templates  # noqa: E402
from mailer.domain.models import MailStep  # noqa: E402
from mailer.drawing.batch import CardRenderer, RenderFailure  # noqa: E402

TARGET = 1.15


def config(variation: bool) -> Config:
    return dataclasses.replace(bench_config(), templates=Templates(variation=variation))


def render(settings: Config, steps: list[MailStep], out: Path) -> None:
    renderer = CardRenderer(settings, mode="self", out_dir=out, jobs=1)
    failures = [o for o in renderer.render(steps) if isinstance(o, RenderFailure)]
    if failures:
        raise SystemExit(f"{len(failures)} cards failed, first: {failures[0].message}")


def count_child(variation: bool, warm: int, n: int) -> None:
    """`--count on|off WARM N`: draw `warm` cards, then `n` more between two markers
    (`os.getppid`, `os.getpgrp`: calls nothing else makes) that callgrind counts between."""
    steps = list(offer_steps(warm + n))
    with tempfile.TemporaryDirectory(prefix="mailer-hand-bench-") as tmp:
        render(config(variation), steps[:warm], Path(tmp) / "warm")
        os.getppid()
        render(config(variation), steps[warm:], Path(tmp) / "counted")
        os.getpgrp()


def instructions(variation: bool, warm: int = 20, n: int = 100) -> float:
    """Instructions per card: callgrind's count of drawing `n` cards after `warm` (fonts,
    forms and templates ready), divided by `n`."""
    with tempfile.TemporaryDirectory(prefix="mailer-hand-bench-") as tmp:
        out = Path(tmp) / "callgrind.out"
        command = [sys.executable, str(Path(__file__).resolve()), "--count",
                   "on" if variation else "off", str(warm), str(n)]  # fmt: skip
        valgrind = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                    "--zero-before=os_getppid", "--dump-before=os_getpgrp"]  # fmt: skip
        subprocess.run(
            [*valgrind, *command],
            capture_output=True,
            check=True,
        )
        dumped = Path(f"{out}.1").read_text()
    totals = [line for line in dumped.splitlines() if line.startswith("totals:")]
    return int(totals[-1].split()[1]) / n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=500, help="cards per timed run")
    parser.add_argument("--repeat", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--instructions", action="store_true", help="callgrind counts only")
    parser.add_argument("--count", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.count:
        count_child(args.count[0] == "on", int(args.count[1]), int(args.count[2]))
        return 0
    if args.instructions:
        off, on = instructions(False), instructions(True)
        print("| instructions per card (callgrind) | millions |")
        print("|---|---:|")
        print(f"| variation off | {off / 1e6:.2f} |")
        print(f"| on | {on / 1e6:.2f} |")
        print()
        verdict = "met" if on / off <= TARGET else "**missed**"
        print(f"on / off: {on / off:.3f}x (target <= {TARGET}x: {verdict})")
        return 0
    steps = list(offer_steps(args.cards))
    rounds: list[tuple[Timing, Timing]] = []
    sizes = {False: 0, True: 0}
    with tempfile.TemporaryDirectory(prefix="mailer-hand-bench-") as tmp:
        for variation in (False, True):  # warm-up: fonts, forms, templates
            render(config(variation), steps[:20], Path(tmp) / f"warm-{variation}")
        for r in range(args.repeat):
            pair = []
            for variation in (False, True):
                out = Path(tmp) / f"{r}-{variation}"
                settings = config(variation)
                pair.append(timed(partial(render, settings, steps, out)))
                sizes[variation] = render_bytes(out)
            rounds.append((pair[0], pair[1]))
    load = os.getloadavg()
    wall = statistics.median(on.wall / off.wall for off, on in rounds)
    cpu = statistics.median(on.cpu / off.cpu for off, on in rounds)
    best_off = min(off.wall for off, _ in rounds)
    best_on = min(on.wall for _, on in rounds)
    n = args.cards
    print(f"{n} cards, {args.repeat} rounds; load average before/after: {load[0]:.2f}")
    print()
    print("| run | cards/s (best) | ms per card (best) | bytes per card |")
    print("|---|---:|---:|---:|")
    for name, best, variation in (("variation off", best_off, False), ("on", best_on, True)):
        print(f"| {name} | {n / best:.0f} | {best / n * 1000:.2f} | {sizes[variation] // n:,} |")
    verdict = "met" if wall <= TARGET else "**missed**"
    print()
    print(
        f"on / off, median of rounds: {wall:.3f}x wall, {cpu:.3f}x CPU "
        f"(target <= {TARGET}x: {verdict}); best runs {best_on / best_off:.3f}x"
    )
    return 0


def render_bytes(out: Path) -> int:
    return sum(p.stat().st_size for p in out.rglob("*.pdf"))


if __name__ == "__main__":
    raise SystemExit(main())
