"""Handwriting bench: what the varied note costs. Interleaved rounds of mailer's
`CardRenderer` (jobs=1, 4x6 self-mail offer cards with their QR code) with the handwriting
variation off and on; the target is at most 15% more time a card with it on, judged by the
median over the rounds of the ratio within each round (CPU time beside it: less disturbed by
other programs on the machine). The forms of the letters are made before the first round
(once per process, as a real run makes them once). Prints a Markdown table.

    .venv/bin/python bench/hand_bench.py                  # 500 cards, 5 rounds
    .venv/bin/python bench/hand_bench.py --cards 200 --repeat 3
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=500, help="cards per timed run")
    parser.add_argument("--repeat", type=int, default=5, help="interleaved rounds")
    args = parser.parse_args()
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
