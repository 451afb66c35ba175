"""InfluxDB v2 export: poll samples as line protocol to ``/api/v2/write``, through a durable spool.

Each sample of each poll result becomes one point: measurement = metric family (sample name without
``vigie_``), tags = ``asset``, ``site``, ``kind`` plus the sample's labels, field ``value``, time in
seconds (``precision=s``). Pending points are spooled (fsync) every ``flush_interval`` and sent
oldest first in batches with ``influxdb-client``; a batch is deleted from the spool only after a
2xx. Failures back off exponentially from ``retry_min`` to ``retry_max`` (``Retry-After`` honoured);
a 413 halves the batch; a 400 on a single point drops that point, counted as ``rejected`` and
logged (it can never be written). Delivery is at-least-once: a crash between the 2xx and the delete
resends a batch, which InfluxDB stores once (same series and timestamp = same point).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Callable, Iterable, Mapping

import aiohttp
from aiohttp import web
from influxdb_client import Point, WritePrecision
from influxdb_client.client.influxdb_client_async import InfluxDBClientAsync
from influxdb_client.rest import ApiException
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric

from monitor.config.model import Asset, Config
from monitor.export.influx_config import InfluxSection
from monitor.export.spool import Spool
from monitor.extensions import DaemonContext, Extension
from monitor.probes.base import Result

log = logging.getLogger(__name__)


def result_lines(result: Result, asset: Asset, t: float, conf: InfluxSection) -> list[str]:
    """Line protocol for the samples of one result (``include`` filter applied)."""
    out = []
    for s in result.samples:
        name = s.name.removeprefix("vigie_")
        if not conf.wanted(name):
            continue
        p = Point(name).tag("asset", asset.name).tag("site", asset.site).tag("kind", asset.kind)
        for k, v in s.labels:
            if k not in ("asset", "site", "kind") and v != "":
                p = p.tag(k, v)
        out.append(p.field("value", float(s.value)).time(int(t), WritePrecision.S).to_line_protocol())
    return out


def _retry_after(err: ApiException) -> float | None:
    try:
        return float((err.headers or {}).get("Retry-After", ""))
    except (TypeError, ValueError):
        return None


class InfluxExport:
    """The writer. Built by :func:`build`, or directly by tests (``state_dir``, ``assets``, ``wall``)."""

    name = "influxdb"

    def __init__(self, conf: InfluxSection, *, state_dir: str | Path, assets: Mapping[str, Asset],
                 wall: Callable[[], float]) -> None:
        self._conf = conf
        self._assets = dict(assets)
        self._wall = wall
        self.spool = Spool(Path(conf.spool_file or Path(state_dir) / "influx_spool.db"),
                           max_points=conf.spool_max_points)
        self._pending: list[str] = []
        self._task: asyncio.Task | None = None
        self._wake = asyncio.Event()
        self._closing = False
        self._batch = conf.batch_size
        self._failing = False
        self._full = False
        self.written = 0
        self.errors: dict[str, int] = {}
        self._stats: tuple[int, int, int, tuple[tuple[str, int], ...]] = (0, len(self.spool), 0, ())

    # --- Extension -----------------------------------------------------------------------------
    def collectors(self) -> Iterable[object]:
        return [self]

    def routes(self) -> Iterable[web.RouteDef]:
        return []

    def reload(self, config: Config) -> None:
        self._assets = {a.name: a for a in config.assets}
        if config.influxdb is not None:
            self._conf = config.influxdb
            self._batch = config.influxdb.batch_size

    def on_result(self, result: Result) -> None:
        asset = self._assets.get(result.asset)
        if asset is not None:
            self.add(result_lines(result, asset, self._wall(), self._conf))

    def add(self, lines: list[str]) -> None:
        self._pending.extend(lines)

    async def tick(self, now: float) -> None:
        if self._task is None and not self._closing:
            self._task = asyncio.create_task(self._run(), name="influx-writer")

    async def close(self) -> None:
        self._closing = True
        self._wake.set()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await asyncio.to_thread(self._spool_pending)
        self.spool.close()

    # --- self-metrics --------------------------------------------------------------------------
    def collect(self) -> Iterable[Metric]:
        written, spooled, dropped, errors = self._stats
        w = CounterMetricFamily("vigie_influx_points_written", "Points acknowledged by InfluxDB (2xx).")
        w.add_metric([], written)
        s = GaugeMetricFamily("vigie_influx_spool_points", "Points in the on-disk spool, not yet acknowledged.")
        s.add_metric([], spooled)
        d = CounterMetricFamily("vigie_influx_spool_dropped_points", "Oldest points dropped because the "
                                "spool reached spool_max_points.")
        d.add_metric([], dropped)
        e = CounterMetricFamily("vigie_influx_write_errors", "Failed write attempts (rejected: points "
                                "InfluxDB refused as malformed, dropped).", labels=["reason"])
        for reason, n in errors:
            e.add_metric([reason], n)
        return [w, s, d, e]

    def _publish(self) -> None:
        self._stats = (self.written, len(self.spool), self.spool.dropped, tuple(sorted(self.errors.items())))

    # --- sending -------------------------------------------------------------------------------
    def _spool_pending(self) -> None:
        lines, self._pending = self._pending, []
        if lines and self.spool.append(lines) and not self._full:
            self._full = True
            log.error("influxdb: spool full (%d points): dropping the oldest points", self.spool.max_points)
        elif self._full and len(self.spool) < self.spool.max_points:
            self._full = False
        self._publish()

    def _error(self, reason: str, detail: str) -> None:
        self.errors[reason] = self.errors.get(reason, 0) + 1
        if not self._failing:
            log.warning("influxdb: write failed (%s): %s; points kept in the spool", reason, detail)
        self._failing = True

    async def _send(self, client: InfluxDBClientAsync, batch: list[tuple[int, str]]) -> float | None:
        """Send one batch; None on success (or a point rejected for good), else seconds to wait."""
        try:
            await client.write_api().write(self._conf.bucket, self._conf.org, record=[x for _, x in batch],
                                           write_precision=WritePrecision.S)
        except ApiException as err:
            status = err.status or 0
            if status == 400 and len(batch) == 1:
                self._error("rejected", f"HTTP 400 on {batch[0][1][:200]!r}")
                await asyncio.to_thread(self.spool.delete, [batch[0][0]])
                return None
            if status in (400, 413):
                self._batch = max(1, len(batch) // 2)
                self._error("too_large" if status == 413 else "bad_request", f"HTTP {status}")
                return 0.0
            reason = {401: "auth", 403: "auth", 404: "not_found", 429: "rate_limited"}.get(
                status, "server_error" if status >= 500 else "http")
            self._error(reason, f"HTTP {status}")
            return _retry_after(err) or -1.0
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as err:
            self._error("unreachable", str(err) or type(err).__name__)
            return -1.0
        await asyncio.to_thread(self.spool.delete, [i for i, _ in batch])
        self.written += len(batch)
        if self._failing:
            log.info("influxdb: writes recovered, %d points in the spool", len(self.spool))
        self._failing = False
        self._batch = self._conf.batch_size
        return None

    async def _run(self) -> None:
        c = self._conf
        delay = c.retry_min
        async with InfluxDBClientAsync(url=c.url, token=c.token.reveal(), org=c.org,
                                       timeout=int(c.timeout * 1000)) as client:
            while not self._closing:
                await asyncio.to_thread(self._spool_pending)
                wait: float | None = None
                while not self._closing and len(self.spool):
                    wait = await self._send(client, self.spool.peek(self._batch))
                    self._publish()
                    if wait is not None and wait != 0.0:
                        break
                if wait is not None and wait != 0.0:
                    pause = wait if wait > 0 else delay
                    delay = min(c.retry_max, delay * 2)
                else:
                    pause, delay = c.flush_interval, c.retry_min
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), min(pause, c.retry_max))
                except asyncio.TimeoutError:
                    pass

    def wake(self) -> None:
        """Flush and send now (tests; the daemon relies on ``flush_interval``)."""
        self._wake.set()


def build(ctx: DaemonContext) -> Extension | None:
    """The InfluxDB writer when the ``influxdb:`` section is present."""
    conf = ctx.config.influxdb
    if conf is None:
        return None
    return InfluxExport(conf, state_dir=ctx.config.daemon.state_dir,
                        assets={a.name: a for a in ctx.config.assets}, wall=ctx.wall)
