"""`mailer run` bench: the main job end to end on a generated call log, as a user runs it.

    .venv/bin/python bench/run_bench.py                       # 1,000 contacts, 3 rounds
    .venv/bin/python bench/run_bench.py --contacts 10000 --rounds 1 --jobs 2
    .venv/bin/python bench/run_bench.py --contacts 1000 10000 --rounds 1  # and the ratio
    .venv/bin/python bench/run_bench.py --memory 2000 20000   # peak memory only
    .venv/bin/python bench/run_bench.py --memory 2000 20000 --stages  # and by stage

Each round, interleaved: the bare ReportLab script drawing the same number of cards (the
machine's speed in that moment: the reference), then `mailer run` as a fresh process at each
`--jobs`, into a fresh ledger and folder. A log of N contacts, one voicemail each, so every
contact gets an offer card (4x6 self-mail, printed on avery-5389 sheets) and a follow-up
call. Reported: the median wall time of the rounds (lowest and highest beside it), the
ratio to the reference in the same round, and, from one more run in-process at each `--jobs`,
where the time goes (drawing the cards, the print sheets, the follow-up files or, above
--jobs 1, the call sheet laid out here or the wait for the follow-up files written by their
own process beside the print sheets, the rest), wall and CPU seconds (this process's: with
--jobs 2 the workers' CPU is not in them; that of the follow-up files' own process is shown
apart). With several `--contacts`, the largest log's median times against the smallest's.
`--memory` runs `mailer run` in a fresh process per size and reports its peak memory
(VmHWM). Timed processes run from compiled bytecode, as an installed program does
(`PROCESS_ENV`).
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CONFIG = REPO / "examples" / "mailer.toml"
TODAY = "2026-11-22"
STREETS = ("Oak Ridge Dr", "Maple Ave", "Elm St", "Fairview Ct", "Washington St", "Grand Ave")
CITIES = (("Springfield", "IL", "627"), ("Chatham", "IL", "626"), ("Peoria", "IL", "616"))
BYTECODE = tempfile.mkdtemp(prefix="mailer-bench-pycache-")
atexit.register(shutil.rmtree, BYTECODE, ignore_errors=True)  # every run leaves no folder behind
PROCESS_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {
    "PYTHONPYCACHEPREFIX": BYTECODE
}
"""Every process runs as an installed program does, from compiled bytecode (kept in a
temporary folder, made by an untimed first run, `warm_up`), as `render_bench` and
`plan_bench` run theirs: a session that sets PYTHONDONTWRITEBYTECODE would otherwise charge
`mailer run` for compiling its own modules on every start (about 0.3 CPU s), and not the
bare script, whose ReportLab was compiled when it was installed."""
HEADER = (
    "contact_id,first_name,last_name,phone,email,address_line1,address_line2,city,state,"
    "postal_code,country,outcome,called_at,notes\n"
)


def write_log(path: Path, contacts: int) -> None:
    """One voicemail each for `contacts` fictitious people (example.com)."""
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(HEADER)
        for c in range(contacts):
            city, state, zip3 = CITIES[c % len(CITIES)]
            minute = c % 600
            f.write(
                f"C{c:07d},Mary{c % 97},Albright{c % 89},217-555-{c % 10000:04d},"
                f"m{c}@example.com,{100 + c % 9000} {STREETS[c % len(STREETS)]},,"
                f"{city},{state},{zip3}{c % 100:02d},US,voicemail,"
                f"2026-11-21 {9 + minute // 60:02d}:{minute % 60:02d},\n"
            )


def children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def mailer_run(log: Path, work: Path, jobs: int) -> tuple[float, float]:
    """Wall and CPU seconds (its workers' included) of one `mailer run` process into a
    fresh ledger and folder."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    command = [
        str(Path(sys.executable).with_name("mailer")), "run", str(log), "--config", str(CONFIG),
        "--db", str(work / "m.db"), "--out", str(work / "out"), "--today", TODAY,
        "--jobs", str(jobs),
    ]  # fmt: skip
    start, cpu = time.perf_counter(), children_cpu()
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=PROCESS_ENV)
    seconds, cpu = time.perf_counter() - start, children_cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"mailer run failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds, cpu


def bare(cards: int, work: Path) -> tuple[float, float]:
    shutil.rmtree(work, ignore_errors=True)
    command = [sys.executable, str(HERE / "bare_reportlab.py"), "--cards", str(cards)]
    start, cpu = time.perf_counter(), children_cpu()
    subprocess.run(
        [*command, "--binary", "--out", str(work)], capture_output=True, check=True, env=PROCESS_ENV
    )
    return time.perf_counter() - start, children_cpu() - cpu


PHASES = """
import functools, json, sys, time, datetime, pathlib
sys.path.insert(0, {bench!r})
from mailer.config import load
from mailer.ledger import Ledger
import mailer.session, mailer.session_followups
from mailer.session import SessionRequest, run_session
import mailer.drawing.draw, mailer.printing.sheets, mailer.planning.planner
spent = {{}}
def timed(module, name, label):
    real = getattr(module, name)
    @functools.wraps(real)
    def wrapper(*args, **kwargs):
        start, cpu = time.perf_counter(), time.process_time()
        try:
            return real(*args, **kwargs)
        finally:
            wall, used = spent.get(label, (0.0, 0.0))
            spent[label] = (wall + time.perf_counter() - start, used + time.process_time() - cpu)
    setattr(module, name, wrapper)
timed(mailer.planning.planner, "make_plan", "planning")
timed(mailer.drawing.draw, "draw_cards", "drawing the cards")
timed(mailer.printing.sheets, "print_batch", "print sheets")
timed(mailer.session_followups, "follow_ups", "follow-up files")
ahead = mailer.session_followups.FollowUpsAhead
timed(ahead, "finish", "the call sheet, or waiting for the follow-up files written ahead")
import resource
def children_cpu():
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime
started = ahead.start.__func__
def start(cls, *args, **kwargs):
    spent["_children"] = (children_cpu(), 0.0)  # the drawing workers ended before it
    return started(cls, *args, **kwargs)
ahead.start = classmethod(start)
dropped = ahead.drop
def drop(self):
    dropped(self)
    spent["apart"] = (0.0, children_cpu() - spent.pop("_children")[0])
ahead.drop = drop
work = pathlib.Path(sys.argv[2])
config = load(pathlib.Path({config!r}))
with Ledger.open(work / "m.db") as ledger:
    start, cpu = time.perf_counter(), time.process_time()
    run_session(SessionRequest(calls=[pathlib.Path(sys.argv[1])], out_dir=work / "out",
                today=datetime.date.fromisoformat({today!r}), jobs=int(sys.argv[3])),
                config, ledger)
    spent["session"] = (time.perf_counter() - start, time.process_time() - cpu)
print(json.dumps(spent))
"""


def phases(log: Path, work: Path, jobs: int) -> dict[str, list[float]]:
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    code = PHASES.format(bench=str(HERE), config=str(CONFIG), today=TODAY)
    done = subprocess.run(
        [sys.executable, "-c", code, str(log), str(work), str(jobs)],
        capture_output=True, text=True, check=True, cwd=REPO, env=PROCESS_ENV,
    )  # fmt: skip
    result: dict[str, list[float]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


MEMORY = """
import runpy, sys
sys.path.insert(0, {bench!r})
from measure import peak_rss_kib
sys.argv = ["mailer", *sys.argv[1:]]
try:
    runpy.run_module("mailer", run_name="__main__")
except SystemExit as stop:
    if stop.code not in (0, None):
        raise
print("peak_kib", peak_rss_kib(), file=sys.stderr)
"""


def peak_memory_mib(log: Path, work: Path, jobs: int) -> float:
    """Peak memory (VmHWM) of a fresh `mailer run` process, in MiB."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    code = MEMORY.format(bench=str(HERE))
    args = [
        "run", str(log), "--config", str(CONFIG), "--db", str(work / "m.db"),
        "--out", str(work / "out"), "--today", TODAY, "--jobs", str(jobs),
    ]  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    line = [ln for ln in done.stderr.splitlines() if ln.startswith("peak_kib")][-1]
    return int(line.split()[1]) / 1024


STAGES = """
import functools, json, sys, datetime, pathlib
sys.path.insert(0, {bench!r})
from measure import current_rss_kib, peak_rss_kib
from mailer.config import load
from mailer.ledger import Ledger
import mailer.session, mailer.session_followups
from mailer.session import SessionRequest, run_session
import mailer.drawing.draw, mailer.printing.sheets, mailer.planning.planner
peaks = []
def fresh_peak():
    # Linux: writing 5 to clear_refs starts the high-water mark (VmHWM) afresh.
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
def staged(module, name, label):
    real = getattr(module, name)
    @functools.wraps(real)
    def wrapper(*args, **kwargs):
        fresh_peak()
        before = current_rss_kib()
        try:
            return real(*args, **kwargs)
        finally:
            peaks.append((label, before, peak_rss_kib(), current_rss_kib()))
    setattr(module, name, wrapper)
staged(mailer.planning.planner, "make_plan", "planning")
staged(mailer.drawing.draw, "draw_cards", "drawing the cards")
staged(mailer.printing.sheets, "print_batch", "print sheets")
staged(mailer.session_followups, "follow_ups", "follow-up files")
work = pathlib.Path(sys.argv[2])
peaks.append(("imports", 0, peak_rss_kib(), current_rss_kib()))
with Ledger.open(work / "m.db") as ledger:
    run_session(SessionRequest(calls=[pathlib.Path(sys.argv[1])], out_dir=work / "out",
                today=datetime.date.fromisoformat({today!r}), jobs=1),
                load(pathlib.Path({config!r})), ledger)
print(json.dumps(peaks))
"""


def stage_memory(log: Path, work: Path) -> list[tuple[str, int, int, int]]:
    """Each stage of a fresh in-process session (jobs=1): resident KiB before it, its own
    peak, and after it (Linux only: the peak is started afresh at each stage)."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    code = STAGES.format(bench=str(HERE), config=str(CONFIG), today=TODAY)
    done = subprocess.run(
        [sys.executable, "-c", code, str(log), str(work)],
        capture_output=True, text=True, check=True, cwd=REPO,
    )  # fmt: skip
    rows: list[tuple[str, int, int, int]] = json.loads(done.stdout.strip().splitlines()[-1])
    return rows


def timed_rounds(
    log: Path, n: int, rounds: int, jobs_list: list[int], folder: Path
) -> dict[int, tuple[float, float]]:
    """The rounds for one log of `n` contacts, the table and where the time goes printed;
    the median wall and CPU seconds at each `--jobs`."""
    times: dict[str, list[float]] = {}
    cpus: dict[str, list[float]] = {}
    ratios: dict[str, list[float]] = {}
    for _ in range(rounds):
        reference, reference_cpu = bare(n, folder / "bare")
        times.setdefault("bare", []).append(reference)
        cpus.setdefault("bare", []).append(reference_cpu)
        for jobs in jobs_list:
            seconds, cpu = mailer_run(log, folder / "run", jobs)
            times.setdefault(f"jobs={jobs}", []).append(seconds)
            cpus.setdefault(f"jobs={jobs}", []).append(cpu)
            ratios.setdefault(f"jobs={jobs}", []).append(seconds / reference)
    print(f"\n| {n:,} contacts | wall s, median (low-high) | / bare | CPU s, median |")
    print("|---|---:|---:|---:|")
    print(
        f"| bare ReportLab script, {n:,} cards | {spread(times['bare'])} | 1.00 "
        f"| {statistics.median(cpus['bare']):.2f} |"
    )
    for jobs in jobs_list:
        key = f"jobs={jobs}"
        ratio = statistics.median(ratios[key])
        print(
            f"| `mailer run --jobs {jobs}` | {spread(times[key])} | {ratio:.2f} "
            f"| {statistics.median(cpus[key]):.2f} |"
        )
    for jobs in jobs_list:
        split = phases(log, folder / "phases", jobs)
        session, session_cpu = split.pop("session")
        apart = split.pop("apart", None)
        print(
            f"\nwhere the time goes, in-process, {n:,} contacts, jobs={jobs} ({session:.2f} s "
            f"wall, {session_cpu:.2f} s CPU of this process):"
        )
        for label, (seconds, cpu) in split.items():
            print(f"- {label}: {seconds:.2f} s ({seconds / session:.0%}), CPU {cpu:.2f} s")
        rest = session - sum(wall for wall, _ in split.values())
        rest_cpu = session_cpu - sum(cpu for _, cpu in split.values())
        print(
            f"- the rest (plan.json, rejects.csv, manifest, lookups): {rest:.2f} s, "
            f"CPU {rest_cpu:.2f} s"
        )
        if apart is not None:
            print(f"- the follow-up files' own process, beside this one: CPU {apart[1]:.2f} s")
    return {
        jobs: (statistics.median(times[f"jobs={jobs}"]), statistics.median(cpus[f"jobs={jobs}"]))
        for jobs in jobs_list
    }


def warm_up(folder: Path) -> None:
    """One untimed run of each process on a small log: their modules' bytecode is written."""
    log = folder / "warm-up.csv"
    write_log(log, 5)
    bare(5, folder / "bare")
    mailer_run(log, folder / "run", 1)


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, nargs="+", default=[1000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--memory", type=int, nargs="*", help="sizes for peak memory only")
    parser.add_argument(
        "--stages", action="store_true", help="with --memory: each stage's memory, in-process"
    )
    args = parser.parse_args()
    print(f"load average at the start: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.memory:
            print("| contacts | peak MiB (VmHWM), jobs=1 |\n|---:|---:|")
            peaks = []
            for n in args.memory:
                write_log(folder / f"calls-{n}.csv", n)
                peaks.append(peak_memory_mib(folder / f"calls-{n}.csv", folder / "mem", 1))
                print(f"| {n:,} | {peaks[-1]:.0f} |")
            print(f"\nratio largest / smallest: {peaks[-1] / peaks[0]:.2f} (target <= 1.3)")
            if args.stages:
                print("\nin-process, jobs=1, MiB: resident before the stage / its peak / after")
                for n in args.memory:
                    rows = stage_memory(folder / f"calls-{n}.csv", folder / "stages")
                    cells = ", ".join(
                        f"{label} {b / 1024:.0f}/{p / 1024:.0f}/{a / 1024:.0f}"
                        if label != "imports"
                        else f"imports {a / 1024:.0f}"
                        for label, b, p, a in rows
                    )
                    print(f"- {n:,}: {cells}")
            print(f"load average at the end: {os.getloadavg()[0]:.2f}")
            return
        warm_up(folder)
        medians: dict[tuple[int, int], tuple[float, float]] = {}
        for n in args.contacts:
            log = folder / f"calls-{n}.csv"
            write_log(log, n)
            for jobs, median in timed_rounds(log, n, args.rounds, args.jobs, folder).items():
                medians[(n, jobs)] = median
        if len(args.contacts) > 1:
            small, large = min(args.contacts), max(args.contacts)
            print(
                f"\n{large:,} contacts against {small:,} (target: under {large / small:g}x, "
                "as the contacts):"
            )
            for jobs in args.jobs:
                wall, cpu = medians[(large, jobs)]
                wall_small, cpu_small = medians[(small, jobs)]
                print(
                    f"- `--jobs {jobs}`: {wall / wall_small:.2f}x the wall time, "
                    f"{cpu / cpu_small:.2f}x the CPU time"
                )
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
