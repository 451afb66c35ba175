"""``vigie probe ASSET``: poll one asset once with every probe and print a table."""

from __future__ import annotations

import sys
from typing import TextIO

from monitor.probes.http import make_session

from monitor.config.loader import load_config
from monitor.probes.base import Result
from monitor.probes.registry import BUILDERS, Resources
from monitor.scheduler import Job, Scheduler
from monitor.selfmetrics import SelfMetrics
from monitor.profiles.catalog import load_catalog
from monitor.snmp.client import SnmpClient


def format_result(result: Result, out: TextIO) -> None:
    out.write(f"# {result.asset} {result.probe}: {result.reason} in {result.duration * 1000:.0f} ms"
              f"{' (' + result.detail + ')' if result.detail else ''}\n")
    if result.partial:
        for part, reason in result.partial.items():
            out.write(f"#   partial: {part}: {reason}\n")
    st = result.stats
    if st.packets_sent:
        out.write(f"#   packets sent {st.packets_sent}, retried {st.packets_retried}, "
                  f"PDUs {st.pdus}, varbinds {st.varbinds}\n")
    rows = [(s.name, ",".join(f'{k}="{v}"' for k, v in s.labels), s.value) for s in result.samples]
    width = max((len(n) for n, _, _ in rows), default=0)
    for name, labels, value in rows:
        shown = f"{value:.6g}" if isinstance(value, float) and not value.is_integer() else f"{value:.0f}"
        out.write(f"{name:<{width}}  {shown:>16}  {labels}\n")


async def probe_asset(config_path: str, asset_name: str, *, only: str | None = None,
                      out: TextIO = sys.stdout) -> int:
    config = load_config(config_path)
    try:
        asset = config.asset(asset_name)
    except KeyError:
        out.write(f"no asset named {asset_name!r}\n")
        return 2
    kinds = [k for k in asset.probes.enabled() if only in (None, k)]
    if not kinds:
        out.write(f"asset {asset_name} has no {only or ''} probe enabled\n")
        return 2
    worst = 0
    # The daemon's own guard: the poll deadline, and a probe bug reported as a result.
    sched = Scheduler(on_result=lambda _r: None, metrics=SelfMetrics(),
                      deadline=config.daemon.poll_deadline)
    async with SnmpClient() as snmp, make_session() as http:
        res = Resources(snmp=snmp, http=http, profiles=load_catalog(config))
        try:
            for kind in kinds:
                _, run = BUILDERS[kind](config, asset, res)
                result = await sched.run_once(Job(asset=asset.name, probe=kind, run=run, fast=60.0))
                format_result(result, out)
                worst = worst if result.ok else 1
        finally:
            await res.close()
    return worst
