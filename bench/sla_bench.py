"""SLA engine benchmark: one month's figures for 10,000 assets holding a year of transitions.

Synthetic, deterministic (``random.Random(seed)``): each asset has about ``--per-year`` state
changes over 2026 (outages of 1 min to 4 h, some unreachable, some unmeasured gaps), plus a
fleet-wide daemon stop each month. Exclusions: a recurring contract-wide maintenance and one-off
maintenance on 1 % of the assets. Prints seconds; the target is under 2 s per month computation.

    .venv/bin/python -m bench.sla_bench [--assets 10000] [--per-year 120] [--month 10]
"""

from __future__ import annotations

import argparse
import random
import time

from monitor.sla.calendar import Calendar, month_bounds
from monitor.sla.compute import Period, compute_contract
from monitor.sla.contract import Contract
from monitor.sla.ledger import Entry, Recurrence
from monitor.store import Transition


def synthetic(assets: int, per_year: int, seed: int) -> dict[str, list[Transition]]:
    rng = random.Random(seed)
    start, end = month_bounds(2026, 1)[0], month_bounds(2026, 12)[1]
    stops = [month_bounds(2026, m)[0] + 9 * 86400 for m in range(1, 13)]  # daemon upgrade, 10 min
    out: dict[str, list[Transition]] = {}
    for i in range(assets):
        name = f"asset-{i:05d}"
        events: list[tuple[float, float, str]] = [(s, s + 600, "unmeasured") for s in stops]
        for _ in range(per_year // 2):
            a = rng.uniform(start, end)
            events.append((a, a + rng.uniform(60, 4 * 3600),
                           rng.choices(("down", "unreachable", "unmeasured"), (6, 2, 1))[0]))
        events.sort()
        rows = [Transition(name, start - 86400, "up")]
        last = start
        for a, b, state in events:
            if a < last:
                continue  # overlapping events: keep the first
            rows += [Transition(name, a, state), Transition(name, b, "up")]
            last = b
        out[name] = rows
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--assets", type=int, default=10_000)
    ap.add_argument("--per-year", type=int, default=120)
    ap.add_argument("--month", type=int, default=10)
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()

    t0 = time.perf_counter()
    data = synthetic(args.assets, args.per_year, args.seed)
    rows = sum(len(v) for v in data.values())
    print(f"generated {rows} transitions for {args.assets} assets in {time.perf_counter() - t0:.2f} s")

    names = tuple(sorted(data))
    rng = random.Random(args.seed + 1)
    a, _ = month_bounds(2026, args.month)
    entries = [Entry("planned_maintenance", "bench", "monthly patching", 0.0, id=1,
                     recurrence=Recurrence(weekday=1, start="06:00", end="08:00", nth=1),
                     contracts=("bench",))]
    for i, n in enumerate(rng.sample(names, len(names) // 100), start=2):
        s = a + rng.uniform(0, 25 * 86400)
        entries.append(Entry("planned_maintenance", "bench", "swap", 0.0, id=i,
                             intervals=((s, s + 3600),), assets=(n,)))

    period = Period.month(2026, args.month)
    for label, cal, now in (("24x7, complete month", Calendar.always(), 4e9),
                            ("8/5, complete month", Calendar.business(), 4e9),
                            ("24x7, month to date (day 15)", Calendar.always(), a + 14 * 86400)):
        contract = Contract("bench", 99.9, cal, assets=names)
        t0 = time.perf_counter()
        res = compute_contract(contract, period=period, now=now, transitions=data, services={},
                               entries=entries)
        dt = time.perf_counter() - t0
        print(f"{label:32s} {dt:6.2f} s  (pooled rate {res.totals.rate:.4f} %, "
              f"coverage {res.totals.coverage:.3f} %)  target < 2 s")


if __name__ == "__main__":
    main()
