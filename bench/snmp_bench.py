"""SNMP polling benchmark: Vigie's SnmpClient vs snmp_exporter vs plain pysnmp, same agent, same run.

Run inside the namespace made by ``bench/netns.py`` (see ``bench/run.sh``) so the agent has a
large interface table; it also runs on the host's loopback, with whatever interfaces it has.
Starts net-snmp snmpd on 127.0.0.1 (OS-chosen port), then for each poller runs ``--cycles``
polls of the if_mib walks (ifTable + ifXTable + sysUpTime) and prints, per poller: varbinds per
cycle, PDUs per cycle, varbinds/s, CPU ms per 1,000 varbinds, RSS, and the agent's CPU.
Not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import psutil

from bench.common import (
    IF_MIB_GETS, IF_MIB_WALKS, MAX_REPETITIONS, Cycle, Row, cpu_seconds, print_ratios, print_table,
)
from bench.snmp_exporter import SnmpExporter
from tests.peers.snmpd import Snmpd


def bench_exporter(workdir: Path, agent: Snmpd, cycles: int) -> Row:
    agent_proc = psutil.Process(agent.proc.pid)
    with SnmpExporter(workdir=workdir) as exporter:
        target = f"{agent.host}:{agent.port}"
        exporter.scrape(target)  # warm-up: connection setup, first allocations
        proc = exporter.process
        cpu0, agent0, t0 = cpu_seconds(proc), cpu_seconds(agent_proc), time.perf_counter()
        scrapes = [exporter.scrape(target) for _ in range(cycles)]
        wall = time.perf_counter() - t0
        cpu, agent_cpu = cpu_seconds(proc) - cpu0, cpu_seconds(agent_proc) - agent0
        rss = proc.memory_info().rss
    return Row("snmp_exporter (Go)", cycles, sum(s.varbinds for s in scrapes),
               sum(s.packets - s.retries for s in scrapes), cpu, wall, rss, agent_cpu,
               errors=sum(s.retries for s in scrapes))


async def _timed(name: str, agent: Snmpd, cycles: int, poll) -> Row:
    """Run ``poll()`` once to warm up, then ``cycles`` times, measuring this process's CPU."""
    me, agent_proc = psutil.Process(), psutil.Process(agent.proc.pid)
    await poll()
    cpu0, agent0, t0 = time.process_time(), cpu_seconds(agent_proc), time.perf_counter()
    total = Cycle()
    for _ in range(cycles):
        c = await poll()
        total.varbinds += c.varbinds
        total.pdus += c.pdus
        total.errors += c.errors
    wall = time.perf_counter() - t0
    return Row(name, cycles, total.varbinds, total.pdus, time.process_time() - cpu0, wall,
               me.memory_info().rss, cpu_seconds(agent_proc) - agent0, total.errors)


async def bench_vigie(agent: Snmpd, cycles: int) -> Row:
    from bench.vigie_poll import VigiePoller

    async with VigiePoller(agent.host, agent.port, agent.community,
                           max_repetitions=MAX_REPETITIONS) as poller:
        return await _timed("vigie SnmpClient walks", agent, cycles, poller.poll_once)


async def bench_probe(agent: Snmpd, cycles: int) -> Row:
    from bench.vigie_poll import ProbePoller

    async with ProbePoller(agent.host, agent.port, agent.community,
                           max_repetitions=MAX_REPETITIONS) as poller:
        row = await _timed("vigie SnmpProbe if_mib", agent, cycles, poller.poll_once)
    print(f"# vigie SnmpProbe: {poller.samples} samples per poll", flush=True)
    return row


async def bench_pysnmp(agent: Snmpd, cycles: int) -> Row:
    from pysnmp.hlapi.v3arch.asyncio import SnmpEngine

    from bench.pysnmp_ref import poll_once

    engine = SnmpEngine()

    async def poll() -> Cycle:
        return await poll_once(engine, agent.host, agent.port, agent.community, walks=IF_MIB_WALKS,
                               gets=IF_MIB_GETS, max_repetitions=MAX_REPETITIONS)

    try:
        return await _timed("pysnmp bulk_walk_cmd", agent, cycles, poll)
    finally:
        engine.close_dispatcher()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=10, help="polls per poller (after one warm-up)")
    parser.add_argument("--pollers", default="snmp_exporter,vigie,probe,pysnmp",
                        help="comma-separated subset of snmp_exporter,vigie,probe,pysnmp")
    args = parser.parse_args(argv)
    wanted = args.pollers.split(",")
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="vigie-bench-") as tmp, \
            Snmpd(workdir=Path(tmp) / "snmpd") as agent:
        print(f"# agent: net-snmp snmpd at {agent.host}:{agent.port}, {len(psutil.net_if_stats())} "
              f"interfaces; walks {', '.join(IF_MIB_WALKS)} + get {IF_MIB_GETS[0]}, "
              f"max-repetitions {MAX_REPETITIONS}, {args.cycles} cycles each", flush=True)
        if "snmp_exporter" in wanted:
            rows.append(bench_exporter(Path(tmp), agent, args.cycles))
        if "vigie" in wanted:
            rows.append(asyncio.run(bench_vigie(agent, args.cycles)))
        if "probe" in wanted:
            rows.append(asyncio.run(bench_probe(agent, args.cycles)))
        if "pysnmp" in wanted:
            rows.append(asyncio.run(bench_pysnmp(agent, args.cycles)))
    print()
    print_table(rows)
    print()
    print_ratios(rows, "snmp_exporter (Go)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
