"""How the SLA and energy engines plug into the daemon: one small protocol, one explicit list.

An extension is built once per daemon run from a :class:`DaemonContext`. The daemon calls
``on_result`` after the pipeline handled each poll result (event-loop thread), ``tick`` on every
housekeeping period, ``reload`` after a successful SIGHUP, and ``close`` at stop. Its
``collectors`` are registered in the exposition registry: their ``collect`` runs in a worker
thread during a scrape and must only read immutable data the extension published (no I/O).
Its ``routes`` are added to the daemon's HTTP server (e.g. the exclusion API).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Callable, Iterable, Protocol

import aiohttp
from aiohttp import web

from monitor.config.model import Config
from monitor.exporter import Snapshot
from monitor.probes.base import Result
from monitor.selfmetrics import SelfMetrics
from monitor.store import Store


@dataclass
class DaemonContext:
    config: Config
    store: Store
    metrics: SelfMetrics
    http: aiohttp.ClientSession
    wall: Callable[[], float]
    states: Callable[[], dict[str, tuple[str, str]]]   # asset -> (state, reason), current
    snapshot: Callable[[], Snapshot]                     # latest exported snapshot
    # Extensions built earlier publish read APIs here for later ones (BUILDERS order), e.g.
    # "energy.meters" -> monitor.energy.runtime.EnergyRuntime (see docs/energy.md).
    services: dict[str, object] = field(default_factory=dict)


class Extension(Protocol):
    name: str

    def collectors(self) -> Iterable[object]: ...

    def routes(self) -> Iterable[web.RouteDef]: ...

    def on_result(self, result: Result) -> None: ...

    async def tick(self, now: float) -> None: ...

    def reload(self, config: Config) -> None: ...

    async def close(self) -> None: ...


#: "module:function" builders, each ``build(ctx) -> Extension | None`` (None: not configured).
BUILDERS = ("monitor.sla.runtime:build", "monitor.energy.runtime:build",
            "monitor.energy.vms:build", "monitor.energy.sobriety:build",
            "monitor.export.influx:build")


def build_extensions(ctx: DaemonContext, builders: tuple[str, ...] = BUILDERS) -> list[Extension]:
    out = []
    for spec in builders:
        module, _, func = spec.partition(":")
        ext = getattr(importlib.import_module(module), func)(ctx)
        if ext is not None:
            out.append(ext)
    return out
