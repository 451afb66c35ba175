"""Prometheus exposition from an immutable snapshot.

The scheduler publishes a new :class:`Snapshot` (a frozen mapping replaced as a whole) after each
poll; a scrape only reads the snapshot it finds, builds metric families and never does I/O nor
touches live state. Exposition text is rendered in a worker thread so that a large scrape does not
stall the event loop. The registry is explicit (no global default registry).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Callable, Iterable, Mapping

from aiohttp import web
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.samples import Sample as PSample
from prometheus_client.metrics_core import (CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily,
                                            Metric)

from monitor.probes.base import Sample
from monitor.state import STATES


@dataclass(frozen=True, slots=True)
class AssetView:
    """What the exporter knows of one asset: identity labels, state and its probes' samples."""

    asset: str
    site: str
    kind: str
    state: str = "unmeasured"
    probes: Mapping[str, "ProbeView"] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProbeView:
    success: bool
    reason: str
    duration: float
    timestamp: float
    samples: tuple[Sample, ...]


Snapshot = Mapping[str, AssetView]
EMPTY: Snapshot = MappingProxyType({})


class SnapshotCollector:
    """Collector over the latest snapshot; ``get`` returns it (a reference swap, no locking)."""

    def __init__(self, get: Callable[[], Snapshot]) -> None:
        self._get = get

    def collect(self) -> Iterable[Metric]:
        snap = self._get()
        up = GaugeMetricFamily("vigie_up", "1 if the asset is up (every probe with a verdict "
                               "succeeded), else 0.", labels=["asset", "site", "kind"])
        state = GaugeMetricFamily("vigie_asset_state", "Asset state (1 for the current one): up, "
                                  "down, unreachable (parent down) or unmeasured.",
                                  labels=["asset", "site", "kind", "state"])
        success = GaugeMetricFamily("vigie_probe_success", "1 if the probe's last poll succeeded.",
                                    labels=["asset", "probe"])
        reason = GaugeMetricFamily("vigie_probe_last_reason", "Outcome of the probe's last poll "
                                   "(1 for the current reason).", labels=["asset", "probe", "reason"])
        duration = GaugeMetricFamily("vigie_probe_duration_seconds",
                                     "Duration of the probe's last poll.", labels=["asset", "probe"])
        stamp = GaugeMetricFamily("vigie_probe_last_poll_timestamp_seconds",
                                  "When the probe's last poll ended (Unix time).",
                                  labels=["asset", "probe"])
        families: dict[str, Metric] = {}
        for view in snap.values():
            ids = [view.asset, view.site, view.kind]
            up.add_metric(ids, 1.0 if view.state == "up" else 0.0)
            for s in STATES:
                state.add_metric(ids + [s], 1.0 if view.state == s else 0.0)
            for kind, pv in view.probes.items():
                success.add_metric([view.asset, kind], 1.0 if pv.success else 0.0)
                reason.add_metric([view.asset, kind, pv.reason], 1.0)
                duration.add_metric([view.asset, kind], pv.duration)
                stamp.add_metric([view.asset, kind], pv.timestamp)
                for sample in pv.samples:
                    _add(families, sample, view)
        yield from (up, state, success, reason, duration, stamp)
        yield from families.values()


def _add(families: dict[str, Metric], s: Sample, view: AssetView) -> None:
    fam = families.get(s.name)
    names = ["asset", "site", "kind"] + [k for k, _ in s.labels]
    values = [view.asset, view.site, view.kind] + [v for _, v in s.labels]
    if fam is None:
        help_text = s.help or s.name
        if s.type == "counter":
            fam = CounterMetricFamily(s.name, help_text)
        elif s.type == "info":
            fam = InfoMetricFamily(s.name.removesuffix("_info"), help_text)
        else:
            fam = GaugeMetricFamily(s.name, help_text)
        families[s.name] = fam
    if s.type == "info" and isinstance(fam, InfoMetricFamily):
        fam.add_metric([], dict(zip(names, values)))
        return
    suffix = "_total" if isinstance(fam, CounterMetricFamily) else ""
    fam.samples.append(PSample(fam.name + suffix, dict(zip(names, values)), s.value, None, None))


async def render(registry: CollectorRegistry) -> bytes:
    return await asyncio.to_thread(generate_latest, registry)


def make_app(registry: CollectorRegistry, *, ready: Callable[[], bool],
             before_scrape: Callable[[], None] = lambda: None) -> web.Application:
    """``before_scrape`` runs in the event-loop thread (to copy live, mutable state); rendering
    then happens in a worker thread over immutable data only."""

    async def metrics(_: web.Request) -> web.Response:
        before_scrape()
        body = await render(registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def healthy(_: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def readiness(_: web.Request) -> web.Response:
        return web.Response(text="ready\n") if ready() else web.Response(status=503, text="starting\n")

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/-/healthy", healthy)
    app.router.add_get("/-/ready", readiness)
    return app
