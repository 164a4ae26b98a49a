"""Render bench: mailer's one-PDF-per-card rendering against plain ReportLab drawing the same
offer card: `mailer render` as a process against the bare script as a process, the drawing
in one process at one and two worker processes, the ReportLab path mailer falls back to, and
peak memory at two batch sizes.

    .venv/bin/python bench/render_bench.py                 # 1,000 cards, memory at 1k and 10k
    .venv/bin/python bench/render_bench.py --quick         # a smoke run: 200 cards, 200 vs 2k
    .venv/bin/python bench/render_bench.py --cards 2000 --skip-memory
    .venv/bin/python bench/render_bench.py --skip-memory --instructions   # valgrind counts
    .venv/bin/python bench/render_bench.py --skip-memory --repeat 1 --start-up 7

Interleaved rounds of: `bare_reportlab.py` for N cards as a process and `mailer render
--jobs 1` as a process on a ledger of N planned offer cards with their QR code (4x6
self-mail, the demo seller); then in this process the bare script's drawing, mailer's
`CardRenderer` at jobs=1 (the card writer), at jobs=1 forced onto the ReportLab path, at
jobs=2, and two jobs=1 processes side by side. Targets: `mailer render --jobs 1` at least
2x the bare script's cards per second, jobs=2 at least 1.8x jobs=1 (on two free cores),
judged by the median over the rounds of the ratio within each round; the ratio of the best
runs is printed beside it. Peak memory (RSS high-water) is measured in a fresh child process
per size, drawing the cards of a ledger as `mailer render` does: 10,000 cards should stay
within 1.3x of 1,000. `--instructions` also counts instructions per card under valgrind
(the bare drawing, mailer's command end to end, the in-process writer and the ReportLab
path), a figure other programs on the machine can't disturb. Each timed run starts once
the runs before it are written out to the disk (untimed), and every run's cards are kept
until the end, so no run pays for another's files; `--folder` chooses where they go (the
system's temporary folder by default). Everything is removed at the end. Prints Markdown
tables.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing
import os
import platform
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bare_reportlab import BareCard, render_all, sample_card  # noqa: E402
from measure import current_rss_kib, peak_rss_kib  # noqa: E402
from steps import PLANNED_ON, ledger_with_offers, offer_steps, person  # noqa: E402

from mailer.config import Config, Mail  # noqa: E402
from mailer.domain.models import MailStep  # noqa: E402
from mailer.drawing import batch  # noqa: E402
from mailer.drawing.batch import CardRenderer, RenderFailure  # noqa: E402
from mailer.drawing.draw import draw_cards, undrawn  # noqa: E402
from mailer.ledger import Ledger  # noqa: E402
from mailer.project import DEMO  # noqa: E402


def bench_config() -> Config:
    """The demo seller (offer URL set, so offer cards carry a QR code), 4x6 self-mail."""
    config = dataclasses.replace(DEMO, mail=Mail(size="4x6", mode="self"))
    assert config.offer.url
    return config


def bare_cards(n: int, start: int = 0) -> list[BareCard]:
    return [sample_card(i, *person(i)) for i in range(start, start + n)]


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*.pdf"))


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


def render_mailer(steps: list[MailStep], out: Path, jobs: int, *, reportlab: bool = False) -> None:
    """What `mailer render` does per card, without the ledger: draw, write, hash. With
    `reportlab`, every card takes the path the card writer falls back to."""
    renderer = CardRenderer(bench_config(), mode="self", out_dir=out, jobs=jobs)
    writer = batch.card_pdf
    if reportlab:
        batch.card_pdf = batch.reportlab_card_pdf
    try:
        failures = [o for o in renderer.render(steps) if isinstance(o, RenderFailure)]
    finally:
        batch.card_pdf = writer
    if failures:
        raise SystemExit(f"{len(failures)} cards failed, first: {failures[0].message}")


MAILER = [sys.executable, "-m", "mailer"]


def render_command(ledger: Path, out: Path) -> list[str]:
    """`mailer render --jobs 1` for the planned cards of `ledger`, as a user runs it."""
    return [*MAILER, "render", "--demo", "--jobs", "1", "--db", str(ledger), "--out", str(out),
            "--today", PLANNED_ON.isoformat()]  # fmt: skip


def bare_command(n: int, out: Path) -> list[str]:
    return [sys.executable, str(HERE / "bare_reportlab.py"), "--cards", str(n), "--out", str(out)]


BYTECODE = tempfile.mkdtemp(prefix="mailer-bench-pycache-")
PROCESS_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {
    "PYTHONPYCACHEPREFIX": BYTECODE
}
"""Both processes run as an installed program does, from compiled bytecode (kept in a
temporary folder, made by an untimed first run): a session that sets
PYTHONDONTWRITEBYTECODE would otherwise charge mailer for compiling its own modules on
every start, and not the bare script, whose ReportLab was compiled when it was installed."""


def run_quietly(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, env=PROCESS_ENV)
    if done.returncode != 0:
        raise SystemExit(f"{shlex.join(command)} failed: {done.stderr.strip()[-2000:]}")


def memory_child(n: int, ledger_path: Path) -> int:
    """`--memory N --ledger FILE`: in this fresh process, draw the N planned cards of the
    ledger as `mailer render` does (the first steps kept from the count, the rest read a
    page at a time, each card recorded as it is written, the manifest rewritten), and print
    the resident memory before drawing (imports, the keys of the cards to draw and the kept
    steps) and the high-water mark after."""
    config = bench_config()
    with Ledger.open(ledger_path) as ledger, tempfile.TemporaryDirectory() as tmp:
        due = undrawn(ledger, "self", config.mail.size, PLANNED_ON)
        before = current_rss_kib()
        batch = draw_cards(ledger, config, due.steps(ledger), mode="self", out_dir=Path(tmp))
    if batch.drawn != n:
        raise SystemExit(f"drew {batch.drawn} of {n} cards: {batch.failures[:1]}")
    print(json.dumps({"cards": n, "before_kib": before, "peak_kib": peak_rss_kib()}))
    return 0


@dataclass(frozen=True)
class Memory:
    cards: int
    before_kib: int
    peak_kib: int


def measure_memory(n: int) -> Memory:
    with tempfile.TemporaryDirectory(prefix="mailer-bench-") as tmp:
        ledger = Path(tmp) / "mailer.db"
        ledger_with_offers(ledger, n)
        done = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--memory", str(n), "--ledger", ledger],
            capture_output=True,
            text=True,
            check=True,
        )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return Memory(n, int(found["before_kib"]), int(found["peak_kib"]))


def memory_table(small: Memory, large: Memory) -> str:
    growth = large.peak_kib / small.peak_kib
    lines = [
        "| peak memory, fresh process, jobs=1 | RSS before drawing (imports + keys) | "
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
        f"\nDrawing kept {extra / (large.cards - small.cards) * 1024:,.0f} bytes per extra "
        f"card; the list of cards to draw takes "
        f"{(large.before_kib - small.before_kib) / (large.cards - small.cards) * 1024:,.0f}."
    )
    return "\n".join(lines)


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


@dataclass(frozen=True)
class Run:
    out: Path
    go: Callable[[], object]


def one_run(kind: str, n: int, start: int, out: Path, ledger: Path | None = None) -> Run:
    """A run with its input built beforehand, so that only rendering is timed. The
    processes' runs start with a copy of `ledger` (N planned cards) in their folder."""
    if kind == "bare-process":
        return Run(out, lambda: run_quietly(bare_command(n, out / "cards")))
    if kind == "render-process":
        assert ledger is not None
        shutil.copyfile(ledger, out / "mailer.db")
        command = [*render_command(out / "mailer.db", out / "run"), "--limit", str(n)]
        return Run(out, lambda: run_quietly(command))
    if kind.startswith("bare"):
        cards = bare_cards(n, start)
        binary = kind == "bare-binary"
        return Run(out, lambda: render_all(cards, out, binary=binary))
    steps = list(offer_steps(n, start))
    if kind == "pair":
        return Run(out, lambda: render_pair(steps, out))
    if kind == "reportlab":
        return Run(out, lambda: render_mailer(steps, out, 1, reportlab=True))
    jobs = int(kind.removeprefix("jobs"))
    return Run(out, lambda: render_mailer(steps, out, jobs))


def render_pair(steps: list[MailStep], out: Path) -> None:
    """Two forked processes drawing half the cards each at jobs=1, with no pool between
    them: what two cores of this machine allow, against which jobs=2's pool is measured."""
    fork = multiprocessing.get_context("fork")
    half = len(steps) // 2
    pair = [
        fork.Process(target=render_mailer, args=(part, out, 1))
        for part in (steps[:half], steps[half:])
    ]
    for process in pair:
        process.start()
    for process in pair:
        process.join()
        if process.exitcode != 0:
            raise SystemExit(f"a drawing process failed with exit code {process.exitcode}")


ROWS = {
    "bare-process": "plain ReportLab as a process (`bench/bare_reportlab.py`), no QR",
    "render-process": "`mailer render --jobs 1` as a process, with QR, ledger and manifest",
    "bare": "plain ReportLab in this process, no QR",
    "bare-binary": "plain ReportLab, binary streams as mailer writes them",
    "jobs1": "mailer `CardRenderer`, jobs=1, with QR (the card writer)",
    "reportlab": "mailer `CardRenderer`, jobs=1, every card on the ReportLab path",
    "jobs2": "mailer `CardRenderer`, jobs=2, with QR",
    "pair": "two jobs=1 processes side by side, half the cards each (this machine's limit)",
}


def table(
    best: dict[str, Timing], paired: dict[str, float], sizes: dict[str, float], n: int
) -> str:
    """Cards per second of each kind's best run; the verdicts go by the median of the ratios
    within each round (see `paired_ratios`), the best runs' ratio printed beside it. A kind
    left out (`--kinds`) leaves the verdicts that need it blank."""
    rate = {kind: n / t.wall for kind, t in best.items()}
    cpu = {kind: t.cpu for kind, t in best.items()}
    targets: dict[str, Callable[[], tuple[str, str]]] = {
        "bare-process": lambda: ("baseline", ""),
        "render-process": lambda: (
            f">= 2x bare process: {paired['render-process']:.2f}x (best runs "
            f"{rate['render-process'] / rate['bare-process']:.2f}x, CPU time "
            f"{cpu['bare-process'] / cpu['render-process']:.2f}x)",
            verdict(paired["render-process"] >= 2.0),
        ),
        "bare": lambda: ("for reference", ""),
        "bare-binary": lambda: ("for reference", ""),
        "jobs1": lambda: (
            f"for reference: {paired['jobs1']:.2f}x bare in this process "
            f"(CPU time {cpu['bare'] / cpu['jobs1']:.2f}x)",
            "",
        ),
        "reportlab": lambda: (
            f"the fallback: {paired['reportlab']:.2f}x bare "
            f"(CPU time {cpu['bare'] / cpu['reportlab']:.2f}x)",
            "",
        ),
        "jobs2": lambda: (
            f">= 1.8x jobs=1: {paired['jobs2']:.2f}x (best runs "
            f"{rate['jobs2'] / rate['jobs1']:.2f}x)",
            verdict(paired["jobs2"] >= 1.8),
        ),
        "pair": lambda: (f"for reference: {paired['pair']:.2f}x jobs=1", ""),
    }
    lines = [
        "| run | cards/s (best) | CPU ms per card | bytes per card | target: median of rounds | |",
        "|---|---:|---:|---:|---|---|",
    ]
    for kind, label in ROWS.items():
        if kind not in best:
            continue
        try:
            target, met = targets[kind]()
        except KeyError:
            target, met = "", ""
        t = best[kind]
        lines.append(
            f"| {label} | {rate[kind]:.0f} | {t.cpu / n * 1000:.2f} | {sizes[kind]:,.0f} | "
            f"{target} | {met} |"
        )
    return "\n".join(lines)


def paired_ratios(rounds: list[dict[str, Timing]]) -> dict[str, float]:
    """The speed ratios within each round, then their median over the rounds. Runs seconds
    apart mostly meet the same neighbours on a shared machine, runs minutes apart don't: the
    bare script's best alone has ranged from 237 to 302 cards/s between two runs of this
    bench, so a ratio of two independent bests swings by a quarter."""

    pairs = {
        "render-process": ("bare-process", "render-process"),
        "jobs1": ("bare", "jobs1"),
        "reportlab": ("bare", "reportlab"),
        "jobs2": ("jobs1", "jobs2"),
        "pair": ("jobs1", "pair"),
    }
    return {
        name: statistics.median(r[slow].wall / r[fast].wall for r in rounds)
        for name, (slow, fast) in pairs.items()
        if slow in rounds[0] and fast in rounds[0]
    }


# ---- start-up --------------------------------------------------------------------------------


def child_cpu(command: list[str]) -> float:
    """User CPU seconds of one run of `command` as a process (its children's own)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
    run_quietly(command)
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - before


def start_up_table(rounds: int, cards: int) -> str:
    """User CPU of a one-card run: `mailer render --limit 1` on a ledger of `cards` planned
    cards (so the count of the cards to draw is in it) against the bare script drawing one
    card, in interleaved rounds after an untimed run of each: the time every run pays
    before its first card."""
    with tempfile.TemporaryDirectory(prefix="mailer-bench-") as tmp:
        planned = Path(tmp) / "planned.db"
        ledger_with_offers(planned, cards)
        used: dict[str, list[float]] = {"bare": [], "render": []}
        for round_no in range(rounds + 1):
            out = Path(tmp) / str(round_no)
            db = out / "mailer.db"
            out.mkdir()
            shutil.copyfile(planned, db)
            bare = child_cpu(bare_command(1, out / "bare"))
            render = child_cpu([*render_command(db, out / "run"), "--limit", "1"])
            if round_no:  # the first made the bytecode, the fonts and the templates
                used["bare"].append(bare)
                used["render"].append(render)
    lines = [
        f"| one-card run, user CPU s ({rounds} rounds) | median | lowest |",
        "|---|---:|---:|",
    ]
    labels = {
        "bare": "bare script, `--cards 1`",
        "render": f"`mailer render --limit 1`, {cards:,} cards planned",
    }
    for kind, label in labels.items():
        lines.append(f"| {label} | {statistics.median(used[kind]):.3f} | {min(used[kind]):.3f} |")
    return "\n".join(lines)


# ---- instruction counts ----------------------------------------------------------------------


def count_child(kind: str, n: int, built: int) -> int:
    """`--count KIND N`: build `built` cards' input, draw the first N (under valgrind)."""
    with tempfile.TemporaryDirectory(prefix="mailer-bench-") as tmp:
        out = Path(tmp)
        if kind == "bare":
            cards = bare_cards(built)
            render_all(cards[:n], out)
        else:
            steps = list(offer_steps(built))
            render_mailer(steps[:n], out, jobs=1, reportlab=kind == "reportlab")
    return 0


def instructions(kind: str, n: int, more: int, ledger: Path) -> float:
    """Instructions per card for `kind`, counted by valgrind's callgrind: the difference
    between drawing `n` and `n + more` cards (the same imports, fonts and input building in
    both), divided by `more`. Unlike time, the count doesn't depend on other programs.
    `render-process` is `mailer render --limit` on a copy of `ledger` (n + more cards)."""
    counts = []
    with tempfile.TemporaryDirectory(prefix="mailer-bench-") as tmp:
        for cards in (n, n + more):
            out = Path(tmp) / f"{kind}-{cards}.out"
            if kind == "render-process":
                db = Path(tmp) / f"{cards}.db"
                shutil.copyfile(ledger, db)
                command = [*render_command(db, Path(tmp) / str(cards)), "--limit", str(cards)]
            else:
                script = str(Path(__file__).resolve())
                command = [sys.executable, script, "--count", kind, str(cards),
                           "--built", str(n + more)]  # fmt: skip
            subprocess.run(
                ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *command],
                capture_output=True,
                check=True,
            )
            totals = [line for line in out.read_text().splitlines() if line.startswith("totals:")]
            counts.append(int(totals[-1].split()[1]))
    return (counts[1] - counts[0]) / more


INSTRUCTION_ROWS = {
    "bare": "plain ReportLab, no QR",
    "render-process": "`mailer render --jobs 1`, with QR, ledger and manifest",
    "jobs1": "mailer `CardRenderer`, jobs=1, with QR (the card writer)",
    "reportlab": "mailer `CardRenderer`, jobs=1, on the ReportLab path",
}


def instruction_table(n: int, more: int) -> str:
    with tempfile.TemporaryDirectory(prefix="mailer-bench-") as tmp:
        ledger = Path(tmp) / "mailer.db"
        ledger_with_offers(ledger, n + more)
        counted = {kind: instructions(kind, n, more, ledger) for kind in INSTRUCTION_ROWS}
    bare = counted["bare"]
    lines = [
        "| instructions per card (callgrind, user space) | millions | bare / this | target |",
        "|---|---:|---:|---|",
    ]
    for kind, label in INSTRUCTION_ROWS.items():
        ratio = bare / counted[kind]
        target = "baseline" if kind == "bare" else ""
        if kind == "render-process":
            target = f">= 2x: {verdict(ratio >= 2.0)}"
        lines.append(f"| {label} | {counted[kind] / 1e6:.2f} | {ratio:.2f}x | {target} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=1000, help="cards per timed run")
    parser.add_argument("--skip-memory", action="store_true", help="no peak-memory runs")
    parser.add_argument("--quick", action="store_true", help="200 cards; memory at 200 vs 2k")
    parser.add_argument("--repeat", type=int, default=7, help="interleaved rounds")
    parser.add_argument(
        "--kinds",
        default=",".join(ROWS),
        help="the runs to time, comma-separated (default: all of them)",
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count instructions per card with valgrind (a few minutes)",
    )
    parser.add_argument(
        "--start-up",
        type=int,
        metavar="ROUNDS",
        default=0,
        help="also time one-card runs' start-up (user CPU), this many rounds",
    )
    parser.add_argument(
        "--folder",
        type=Path,
        help="where every run writes its cards (default: the system's temporary folder); a "
        "RAM-backed folder such as /dev/shm leaves out what the disk charges both processes "
        "for creating each card's file",
    )
    parser.add_argument("--memory", type=int, metavar="N", help=argparse.SUPPRESS)
    parser.add_argument("--ledger", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--count", nargs=2, metavar=("KIND", "N"), help=argparse.SUPPRESS)
    parser.add_argument("--built", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory is not None:
        return memory_child(args.memory, args.ledger)
    if args.count is not None:
        return count_child(args.count[0], int(args.count[1]), args.built)

    if args.folder is not None:
        args.folder.mkdir(parents=True, exist_ok=True)
        tempfile.tempdir = str(args.folder)  # every run's folder, the ledger's copies too
    n = 200 if args.quick else args.cards
    small, large = (200, 2000) if args.quick else (1000, 10_000)
    kinds = tuple(k for k in args.kinds.split(",") if k)
    unknown = set(kinds) - set(ROWS)
    if unknown:
        parser.error(f"unknown kinds {sorted(unknown)}: choose from {', '.join(ROWS)}")
    best: dict[str, Timing] = {}
    sizes: dict[str, float] = {}
    rounds: list[dict[str, Timing]] = []
    planned = Path(tempfile.mkdtemp(prefix="mailer-bench-")) / "mailer.db"
    ledger_with_offers(planned, n)  # what each `mailer render` run starts from, a copy each
    warm_ups = ("bare", "jobs1", "reportlab", "bare-process", "render-process")
    for kind in warm_ups:  # fonts, templates and bytecode loaded once, untimed
        warm = one_run(kind, 5, 10**7, Path(tempfile.mkdtemp(prefix="mailer-bench-")), planned)
        warm.go()
        shutil.rmtree(warm.out, ignore_errors=True)
    written: list[Path] = []
    try:
        for round_no in range(1 if args.quick else max(1, args.repeat)):
            # Interleaved rounds, each run on contacts of its own: a noisy neighbour slows
            # every kind of run alike, and no run profits from another's caches.
            rounds.append({})
            for kind_no, kind in enumerate(kinds):
                start = (round_no * len(kinds) + kind_no) * n
                out = Path(tempfile.mkdtemp(prefix="mailer-bench-"))
                written.append(out)
                run = one_run(kind, n, start, out, planned)
                # Untimed: the runs before this one written out to the disk, so that no run
                # pays for another's files (their writing back, or deleting them: every
                # run's cards are kept until the end).
                os.sync()
                timing = timed(run.go)
                sizes[kind] = folder_bytes(run.out) / n
                rounds[-1][kind] = timing
                if kind not in best or timing.wall < best[kind].wall:
                    best[kind] = timing
    finally:
        for out in written:
            shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(planned.parent, ignore_errors=True)
    shutil.rmtree(BYTECODE, ignore_errors=True)
    memory: tuple[Memory, Memory] | None = None
    if not args.skip_memory:
        memory = (measure_memory(small), measure_memory(large))
    counted = instruction_table(20, 200) if args.instructions else None
    start_up = start_up_table(args.start_up, n) if args.start_up else None

    command = shlex.join([".venv/bin/python", "bench/render_bench.py", *sys.argv[1:]])
    import reportlab

    print(
        f"Render bench, {n:,} offer cards, 4x6 self-mail, one PDF per card, "
        f"best of {len(rounds)} interleaved rounds"
    )
    print(
        f"({platform.python_implementation()} {platform.python_version()}, ReportLab "
        f"{reportlab.Version}, {os.cpu_count()} CPUs, {platform.machine()}, "
        f"load average {os.getloadavg()[0]:.1f})\n"
    )
    print(f"Command: `{command}`\n")
    print(table(best, paired_ratios(rounds), sizes, n))
    if memory is not None:
        print()
        print(memory_table(*memory))
    if counted is not None:
        print()
        print(counted)
    if start_up is not None:
        print()
        print(start_up)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
