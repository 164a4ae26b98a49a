"""Send bench: a batch of postcards against the fake Lob on 127.0.0.1, paced to the limit.

    .venv/bin/python bench/send_bench.py                  # 1,000 pieces at 150 per 5 s
    .venv/bin/python bench/send_bench.py --pieces 200 --limit 20 --window 1

Reports the sustained rate against the limit (the time the server saw between request i and
request i + limit, which a perfect client keeps at exactly one window), the overall rate
and elapsed time against the best possible, the 429s the server had to send, and duplicates
and missing pieces (both must be zero).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mailer.config import from_mapping
from mailer.sending.loop import SendItem, send_batch
from mailer.sending.providers import make_provider
from tests.fake_provider import LOB_KEY, FakeProvider, MemoryJournal, card_request


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pieces", type=int, default=1000)
    parser.add_argument("--limit", type=int, default=150, help="requests per window")
    parser.add_argument("--window", type=float, default=5.0, help="window in seconds")
    parser.add_argument("--jobs", type=int, default=4)
    args = parser.parse_args()

    config = from_mapping(
        {"provider": {"rate_limit": args.limit, "rate_window_seconds": args.window}}
    )
    items = [
        SendItem(
            f"P{i:05d}", f"bench-{i:05d}", partial(card_request, f"P{i:05d}", f"bench-{i:05d}")
        )
        for i in range(args.pieces)
    ]
    with FakeProvider(rate_limit=(args.limit, args.window)) as fake:
        provider = make_provider("lob", api_key=LOB_KEY, base_url=fake.url, config=config)
        journal = MemoryJournal()
        start = time.perf_counter()
        report = send_batch(items, provider, journal, jobs=args.jobs)
        elapsed = time.perf_counter() - start
        arrivals = sorted(r.at for r in fake.requests if r.method == "POST")
        # Steady state: how long the server saw between request i and request i + limit
        # (a perfect client: exactly one window).
        gaps = [arrivals[i] - arrivals[i - args.limit] for i in range(args.limit, len(arrivals))]
        sustained = args.limit / (sum(gaps) / len(gaps)) if gaps else float("nan")
        busiest = max(
            (sum(1 for t in arrivals[i:] if t < start_t + args.window))
            for i, start_t in enumerate(arrivals)
        )
        too_many = fake.status_count(429)
        duplicates = len(fake.duplicates())
        missing = args.pieces - fake.created

    # The best any client can do: a full window's worth at once, then one window per batch.
    best = (math.ceil(args.pieces / args.limit) - 1) * args.window
    limit_rate = args.limit / args.window
    rows = [
        ("pieces", f"{args.pieces:,}"),
        ("jobs (threads)", str(args.jobs)),
        ("limit", f"{args.limit} per {args.window:g} s ({limit_rate:.1f}/s)"),
        ("elapsed", f"{elapsed:.1f} s (best possible {best:.1f} s)"),
        ("overall rate", f"{args.pieces / elapsed:.1f}/s (first window is a burst)"),
        ("sustained rate", f"{sustained:.2f}/s = {100 * sustained / limit_rate:.1f} % of limit"),
        ("elapsed vs best possible", f"{100 * best / elapsed:.1f} %" if best else "n/a"),
        ("busiest window at the server", f"{busiest} requests (limit {args.limit})"),
        ("429s received", str(too_many)),
        ("submitted / failed", f"{len(report.submitted)} / {len(report.failed)}"),
        ("duplicates", str(duplicates)),
        ("missing", str(missing)),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    ok = duplicates == 0 and missing == 0 and report.complete
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
