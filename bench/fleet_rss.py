"""Memory of a 1,000-asset fleet: real SnmpClient + SNMP probes (+ the daemon's scheduler).

Every asset points at the same net-snmp snmpd on 127.0.0.1 (run it inside ``bench/netns.py``
with ~24 veth pairs: a 48-port switch's worth of interfaces). Each asset gets its own session
and SnmpProbe with the shipped ``if_mib`` profile (its label cache and counters are the
per-asset state); the latest Result of every asset is kept, as the daemon's snapshot does.
Polls the fleet ``--cycles`` times through ``monitor.scheduler.Scheduler`` and prints RSS.
Not a test: it prints figures (target: under 100 MB).
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import gc
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

import psutil

from bench.common import rss_mib, udp_receive_drops
from monitor.probes.base import Reason, Result
from monitor.snmp.client import SnmpClient, Target
from tests.peers.snmpd import Snmpd

ROOT = Path(__file__).resolve().parent.parent
# A bigger receive buffer for the agent: 1,000 concurrent polls burst far more requests
# than net-snmp's default socket buffer holds.
AGENT_CONF = "[snmp] serverRecvBuf 4194304"
PERIOD = 3600.0  # seconds between a job's polls: the bench advances its own clock instead


def _probe_factory():
    """Build SnmpProbe instances with the shipped if_mib profile."""
    from monitor.probes.snmp import SnmpProbe
    from monitor.profiles import load_profile_file

    profiles = [load_profile_file(ROOT / "probes" / "if_mib.yml")]

    def make(asset: str, session):  # type: ignore[no-untyped-def]
        return SnmpProbe(asset=asset, session=session, profiles=profiles, available=profiles)

    return make


def _malloc_trim() -> float:
    """Give free glibc heap pages back to the OS; return the RSS afterwards."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    return rss_mib()


def _pipeline(names: list[str], workdir: Path, metrics):  # type: ignore[no-untyped-def]
    """The daemon's own result sink: counters, states, snapshot, SQLite store."""
    from monitor.pipeline import AssetInfo, Pipeline
    from monitor.store import Store

    assets = {n: AssetInfo(n, site="bench", kind="switch") for n in names}
    return Pipeline(assets=assets, store=Store(workdir / "state.db"), metrics=metrics)


async def run_fleet(agent: Snmpd, workdir: Path, *, assets: int, cycles: int, concurrency: int,
                    sink: str) -> None:
    from monitor.scheduler import Job, Scheduler
    from monitor.selfmetrics import SelfMetrics

    make_probe = _probe_factory()
    metrics = SelfMetrics()
    names = [f"sw-{i:04d}" for i in range(assets)]
    pipeline = _pipeline(names, workdir, metrics) if sink == "pipeline" else None
    latest: dict[str, Result] = {}
    done = asyncio.Event()
    counts = {"results": 0, "target": 0}

    def on_result(result: Result) -> None:
        stats = result.stats
        if pipeline is not None:
            pipeline.handle(result)
            result = Result(result.probe, result.asset, result.reason, result.duration, stats=stats)
        latest[result.asset] = result  # with the pipeline: counts only, samples live there
        counts["results"] += 1
        if counts["results"] >= counts["target"]:
            done.set()

    offset = [0.0]  # the bench's clock: monotonic time plus whole periods skipped

    def clock() -> float:
        return time.monotonic() + offset[0]

    async with SnmpClient() as client:
        rss_start = rss_mib()
        jobs = []
        for name in names:
            target = Target(host=agent.host, port=agent.port, community=agent.community,
                            timeout=5.0, retries=2)
            probe = make_probe(name, client.session(target))
            jobs.append(Job(asset=probe.asset, probe="snmp", run=probe.run, fast=PERIOD))
        sched = Scheduler(on_result=on_result, metrics=metrics, concurrency=concurrency,
                          deadline=120.0, jitter=False, clock=clock)
        sched.set_jobs(jobs)
        rss_built = rss_mib()
        print(f"# {assets} assets, scheduler concurrency {concurrency}; RSS at start "
              f"{rss_start:.1f} MiB, with assets built {rss_built:.1f} MiB", flush=True)
        runner = asyncio.create_task(sched.run())
        for cycle in range(1, cycles + 1):
            counts["target"] = cycle * assets
            done.clear()
            cpu0, t0, drops0 = time.process_time(), time.perf_counter(), udp_receive_drops()
            if cycle > 1:
                offset[0] += PERIOD
                sched.set_jobs(list(sched.jobs.values()))  # same jobs: keeps timing, wakes the loop
            await done.wait()
            wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
            results = list(latest.values())
            ok = sum(r.reason is Reason.OK for r in results)
            varbinds = sum(r.stats.varbinds for r in results)
            pdus = sum(r.stats.pdus for r in results)
            if pipeline is not None:
                pipeline.flush()
                snapshot = pipeline.snapshot
                samples = sum(len(p.samples) for v in snapshot.values() for p in v.probes.values())
            else:
                samples = sum(len(r.samples) for r in results)
            retried = sum(r.stats.packets_retried for r in results)
            drops = udp_receive_drops() - drops0
            print(f"cycle {cycle}: {ok}/{len(results)} ok, {varbinds} varbinds, {pdus} PDUs "
                  f"({retried} retried, {drops} UDP drops), {samples} samples kept, "
                  f"{wall:.1f} s wall, {cpu:.1f} s CPU "
                  f"({1e6 * cpu / max(varbinds, 1):.1f} ms/1k varbinds), "
                  f"RSS {rss_mib():.1f} MiB", flush=True)
        await sched.stop()
        runner.cancel()
        if tracemalloc.is_tracing():
            current, _ = tracemalloc.get_traced_memory()
            print(f"# live Python allocations: {current / 2**20:.1f} MiB; largest by line:")
            for stat in tracemalloc.take_snapshot().statistics("lineno")[:12]:
                print(f"#   {stat.size / 2**20:7.1f} MiB {stat.count:>9} blocks  {stat.traceback[0]}")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        end = rss_mib()
        gc.collect()
        trimmed = _malloc_trim()  # the fleet's state is still alive here
        print(f"RSS end {end:.1f} MiB, peak {peak:.1f} MiB, "
              f"{(end - rss_start) * 1024 / assets:.1f} KiB per asset above start; "
              f"after gc + malloc_trim {trimmed:.1f} MiB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=1000)
    parser.add_argument("--cycles", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=64, help="scheduler's global limit")
    parser.add_argument("--sink", choices=("pipeline", "latest"), default="pipeline",
                        help="pipeline: the daemon's Pipeline (counters, states, snapshot, store); "
                             "latest: only keep each asset's last Result")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also print where the live memory was allocated (slower, more RSS)")
    args = parser.parse_args(argv)
    if args.tracemalloc:
        tracemalloc.start()
    with tempfile.TemporaryDirectory(prefix="vigie-fleet-") as tmp, \
            Snmpd(workdir=Path(tmp) / "snmpd", extra_conf=AGENT_CONF) as agent:
        print(f"# agent: net-snmp snmpd at {agent.host}:{agent.port}, "
              f"{len(psutil.net_if_stats())} interfaces", flush=True)
        asyncio.run(run_fleet(agent, Path(tmp), assets=args.assets, cycles=args.cycles,
                              concurrency=args.concurrency, sink=args.sink))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
