"""Render bench: mailer's one-PDF-per-card rendering against plain ReportLab drawing the same
offer card, at one and two worker processes, and peak memory at two batch sizes.

    .venv/bin/python bench/render_bench.py                 # 1,000 cards, memory at 1k and 10k
    .venv/bin/python bench/render_bench.py --quick         # a smoke run: 200 cards, 200 vs 2k
    .venv/bin/python bench/render_bench.py --cards 2000 --skip-memory

In one process run: `bare_reportlab.py` for N cards, then `render_cards` at jobs=1 and
jobs=2 for N offer cards with their QR code (4x6 self-mail). Targets: jobs=1 at least 0.8x
the bare script, jobs=2 at least 1.8x jobs=1 (on two free cores). Peak memory (RSS
high-water) is measured in a fresh child process per size (`--memory N`), so one run's
allocations can't inflate another's: 10,000 cards should stay within 1.3x of 1,000.
Everything is written to a temporary folder and removed. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bare_reportlab import BareCard, render_all, sample_card  # noqa: E402

from mailer.addresses import with_mail_address  # noqa: E402
from mailer.config import Config, Mail  # noqa: E402
from mailer.models import Action, Address, CallRecord, MailStep, Outcome  # noqa: E402
from mailer.render.batch import render_cards  # noqa: E402

# Fictitious people. Accented Latin names (WinAnsi) that Helvetica and Caveat both draw, so
# the plain-ReportLab baseline prints them correctly too; names outside WinAnsi (Łukasz,
# Nguyễn) make mailer embed a fallback font subset, a cost the baseline can't even pay.
FIRST = ("Mary", "José", "Zoë", "Aarav", "Siobhán", "Chloé", "Björn", "Renée", "Amélie",
         "Ngozi", "Hannah", "Søren", "Inés", "Matthew", "François", "Dagný")  # fmt: skip
LAST = ("Albright", "Núñez", "Lindqvist", "Patel", "O'Connor", "Dubois", "Åkesson", "Fontaine",
        "Gagnon", "Okafor", "Kowalski", "Jørgensen", "Muñoz", "Reyes", "Müller",
        "Þórsdóttir")  # fmt: skip
STREETS = ("Maple Ave", "Oak St", "Lakeview Dr", "Prairie Rd", "Elm Ct", "Willow Ln")
CITIES = (("Springfield", "IL", "62704"), ("Peoria", "IL", "61602"),
          ("Madison", "WI", "53703"), ("Des Moines", "IA", "50309"))  # fmt: skip


def person(i: int) -> tuple[str, str]:
    return FIRST[i % len(FIRST)], LAST[(i // len(FIRST) + i) % len(LAST)]


def bench_config() -> Config:
    """The demo defaults (offer URL set, so offer cards carry a QR code), 4x6 self-mail."""
    config = dataclasses.replace(Config(), mail=Mail(size="4x6", mode="self"))
    assert config.offer.url
    return config


def offer_steps(n: int, start: int = 0) -> list[MailStep]:
    """N offer cards for fictitious contacts, as the ledger hands them to `render`: the plan
    has normalized each address once (USPS Publication 28) when it was recorded. `start` gives
    another run other contacts and addresses, so no run profits from another's caches."""
    steps = []
    for i in range(start, start + n):
        first, last = person(i)
        city, state, zip_code = CITIES[i % len(CITIES)]
        record = CallRecord(
            file="bench.csv",
            row=i + 2,
            contact_id=f"B{i:06d}",
            outcome=Outcome.VOICEMAIL,
            called_at=datetime(2026, 11, 21, 10, 5),
            first_name=first,
            last_name=last,
            phone=f"(217) 555-{i % 10000:04d}",
            email=f"contact{i}@example.com",
            address=Address(
                f"{100 + i % 9000} {STREETS[i % len(STREETS)]}",
                f"Apt {i % 40 + 1}" if i % 3 == 0 else "",
                city,
                state,
                zip_code,
            ),
        )
        steps.append(
            MailStep(
                record=with_mail_address(record),
                action=Action.MAIL,
                reason="voicemail on the first call",
                template="offer",
                send_date=date(2026, 11, 23),
                expected_delivery=date(2026, 11, 27),
                offer_expires=date(2026, 12, 7),
                follow_up_call=date(2026, 11, 30),
            )
        )
    return steps


def bare_cards(n: int, start: int = 0) -> list[BareCard]:
    return [sample_card(i, *person(i)) for i in range(start, start + n)]


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.iterdir())


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float
    """Seconds of CPU in this process and in worker processes that ended meanwhile: less
    sensitive than wall time to other programs sharing the machine."""


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(run: Callable[[], object]) -> Timing:
    wall, cpu = time.perf_counter(), cpu_seconds()
    run()
    return Timing(time.perf_counter() - wall, cpu_seconds() - cpu)


def render_mailer(steps: list[MailStep], out: Path, jobs: int) -> None:
    result = render_cards(steps, bench_config(), mode="self", out_dir=out, jobs=jobs)
    if result.failures:
        first = result.failures[0]
        raise SystemExit(f"{len(result.failures)} cards failed, first: {first.message}")


def max_rss_kib() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # macOS reports bytes


def current_rss_kib() -> int:
    """Resident memory now (Linux); elsewhere the high-water mark stands in for it."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return max_rss_kib()
    return pages * os.sysconf("SC_PAGE_SIZE") // 1024


def memory_child(n: int) -> int:
    """`--memory N`: build N steps, render them at jobs=1 in this fresh process, and print
    the resident memory before rendering (imports and the steps) and the high-water after."""
    steps = offer_steps(n)
    before = current_rss_kib()
    with tempfile.TemporaryDirectory(prefix="mailer-bench-") as tmp:
        render_mailer(steps, Path(tmp), jobs=1)
    print(json.dumps({"cards": n, "before_kib": before, "peak_kib": max_rss_kib()}))
    return 0


@dataclass(frozen=True)
class Memory:
    cards: int
    before_kib: int
    peak_kib: int


def measure_memory(n: int) -> Memory:
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--memory", str(n)],
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return Memory(n, int(found["before_kib"]), int(found["peak_kib"]))


def memory_table(small: Memory, large: Memory) -> str:
    growth = large.peak_kib / small.peak_kib
    lines = [
        "| peak memory, fresh process, jobs=1 | RSS before rendering (imports + steps) | "
        "peak RSS | target |  |",
        "|---|---:|---:|---|---|",
    ]
    for m in (small, large):
        target = " | " if m is small else f"<= 1.3x: {growth:.2f}x | {verdict(growth <= 1.3)}"
        lines.append(
            f"| {m.cards:,} cards | {m.before_kib / 1024:.1f} MiB | {m.peak_kib / 1024:.1f} MiB "
            f"| {target} |"
        )
    extra = (large.peak_kib - large.before_kib) - (small.peak_kib - small.before_kib)
    lines.append(
        f"\nRendering itself kept {extra / (large.cards - small.cards) * 1024:,.0f} bytes per "
        f"extra card; the steps themselves take "
        f"{(large.before_kib - small.before_kib) / (large.cards - small.cards) * 1024:,.0f}."
    )
    return "\n".join(lines)


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


@dataclass(frozen=True)
class Run:
    out: Path
    go: Callable[[], object]


def one_run(kind: str, n: int, start: int, out: Path) -> Run:
    """A run with its input built beforehand, so that only rendering is timed."""
    if kind.startswith("bare"):
        cards = bare_cards(n, start)
        binary = kind == "bare-binary"
        return Run(out, lambda: render_all(cards, out, binary=binary))
    steps = offer_steps(n, start)
    jobs = int(kind.removeprefix("jobs"))
    return Run(out, lambda: render_mailer(steps, out, jobs))


ROWS = {
    "bare": "plain ReportLab (`bench/bare_reportlab.py`), no QR",
    "bare-binary": "plain ReportLab, binary streams as mailer writes them",
    "jobs1": "mailer `render_cards`, jobs=1, with QR",
    "jobs2": "mailer `render_cards`, jobs=2, with QR",
}


def table(best: dict[str, Timing], sizes: dict[str, float], n: int) -> str:
    rate = {kind: n / t.wall for kind, t in best.items()}
    vs_bare = rate["jobs1"] / rate["bare"]
    cpu_vs_bare = best["bare"].cpu / best["jobs1"].cpu
    vs_jobs1 = rate["jobs2"] / rate["jobs1"]
    targets = {
        "bare": ("baseline", ""),
        "bare-binary": ("for reference", ""),
        "jobs1": (
            f">= 0.8x bare: {vs_bare:.2f}x (CPU time: {cpu_vs_bare:.2f}x)",
            verdict(vs_bare >= 0.8),
        ),
        "jobs2": (f">= 1.8x jobs=1: {vs_jobs1:.2f}x", verdict(vs_jobs1 >= 1.8)),
    }
    lines = [
        "| run | cards/s | CPU ms per card | bytes per card | target | |",
        "|---|---:|---:|---:|---|---|",
    ]
    for kind, label in ROWS.items():
        t = best[kind]
        target, met = targets[kind]
        lines.append(
            f"| {label} | {rate[kind]:.0f} | {t.cpu / n * 1000:.2f} | {sizes[kind]:,.0f} | "
            f"{target} | {met} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=1000, help="cards per timed run")
    parser.add_argument("--skip-memory", action="store_true", help="no peak-memory runs")
    parser.add_argument("--quick", action="store_true", help="200 cards; memory at 200 vs 2k")
    parser.add_argument("--repeat", type=int, default=5, help="rounds; the best counts")
    parser.add_argument("--memory", type=int, metavar="N", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory is not None:
        return memory_child(args.memory)

    n = 200 if args.quick else args.cards
    small, large = (200, 2000) if args.quick else (1000, 10_000)
    kinds = ("bare", "bare-binary", "jobs1", "jobs2")
    best: dict[str, Timing] = {}
    sizes: dict[str, float] = {}
    rounds = 1 if args.quick else max(1, args.repeat)
    for kind in ("bare", "jobs1"):  # load fonts and templates once, untimed, for both
        warm = one_run(kind, 5, 10**7, Path(tempfile.mkdtemp(prefix="mailer-bench-")))
        warm.go()
        shutil.rmtree(warm.out, ignore_errors=True)
    for round_no in range(rounds):
        # Interleaved rounds, each run on contacts of its own: a noisy neighbour slows every
        # kind of run alike, and no run profits from another's caches.
        for kind_no, kind in enumerate(kinds):
            start = (round_no * len(kinds) + kind_no) * n
            run = one_run(kind, n, start, Path(tempfile.mkdtemp(prefix="mailer-bench-")))
            try:
                timing = timed(run.go)
                sizes[kind] = folder_bytes(run.out) / n
            finally:
                shutil.rmtree(run.out, ignore_errors=True)
            if kind not in best or timing.wall < best[kind].wall:
                best[kind] = timing
    memory: tuple[Memory, Memory] | None = None
    if not args.skip_memory:
        memory = (measure_memory(small), measure_memory(large))

    command = shlex.join([".venv/bin/python", "bench/render_bench.py", *sys.argv[1:]])
    import reportlab

    print(
        f"Render bench, {n:,} offer cards, 4x6 self-mail, one PDF per card, "
        f"best of {rounds} interleaved rounds"
    )
    print(
        f"({platform.python_implementation()} {platform.python_version()}, ReportLab "
        f"{reportlab.Version}, {os.cpu_count()} CPUs, {platform.machine()})\n"
    )
    print(f"Command: `{command}`\n")
    print(table(best, sizes, n))
    if memory is not None:
        print()
        print(memory_table(*memory))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
