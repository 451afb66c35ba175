"""The sla engine inside the daemon (see monitor.extensions and docs/sla.md, "In the daemon").

Every ``tick`` the month-to-date figures, incident counts and tiers proposals are recomputed in a
worker thread (its own SQLite connections) and published as an immutable tuple of metric
families; the composite service states are recomputed after each poll result. Scrapes only read
those tuples.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Iterable

from aiohttp import web
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from monitor.config.model import Config
from monitor.errors import ConfigError, VigieError
from monitor.extensions import DaemonContext, Extension
from monitor.probes.base import Result
from monitor.sla import incidents as inc
from monitor.sla.api import Api
from monitor.sla.calendar import DAY
from monitor.sla.config import overlap_warnings
from monitor.sla.db import SlaDb
from monitor.sla.ledger import Ledger
from monitor.sla.monthdata import SlaMonth
from monitor.sla.service import SlaService, db_path
from monitor.state import UP

log = logging.getLogger("vigie.sla")
PRIORITIES = ("P1", "P2", "P3", "P4")


class _Families:
    """Collector replaying families published by the extension (swapped atomically)."""

    def __init__(self) -> None:
        self.families: tuple[Metric, ...] = ()

    def collect(self) -> Iterable[Metric]:
        return iter(self.families)


def service_states(config: Config, states: dict[str, tuple[str, str]]) -> dict[str, bool]:
    """Composite services up now (down or unmeasured members do not count as up)."""
    sla = config.sla
    memo: dict[str, bool] = {}

    def up(name: str) -> bool:
        if name in sla.services:
            if name not in memo:
                svc = sla.engine_services()[name]
                memo[name] = sum(up(m) for m in svc.members) >= svc.needed
            return memo[name]
        return states.get(name, ("unmeasured", ""))[0] == UP

    return {name: up(name) for name in sla.services}


def month_families(config: Config, month: SlaMonth, now: float, counts: dict, open_: dict,
                   breaches: dict) -> list[Metric]:
    sla = config.sla
    ratio = GaugeMetricFamily("vigie_sla_availability_ratio", "Availability month to date (0-1) as the "
                              "contract defines it", labels=["contract", "scope_type", "scope"])
    target = GaugeMetricFamily("vigie_sla_target_ratio", "Contract availability target (0-1)",
                               labels=["contract"])
    budget = GaugeMetricFamily("vigie_sla_error_budget_remaining_seconds", "Down time still allowed this "
                               "month before the target is missed (negative: missed)",
                               labels=["contract", "scope_type", "scope"])
    cover = GaugeMetricFamily("vigie_sla_coverage_ratio", "Measured share of the guaranteed hours (0-1)",
                              labels=["contract", "scope_type", "scope"])
    info = GaugeMetricFamily("vigie_sla_member_info", "Contract membership and calendar (always 1)",
                             labels=["contract", "calendar", "scope_type", "scope"])
    cal = GaugeMetricFamily("vigie_calendar_in_service", "1 inside the calendar's service hours, else 0",
                            labels=["calendar"])
    for c in month.contracts:
        target.add_metric([c.name], c.target_percent / 100)
        rows = [("contract", c.name, c.totals)] + [(m.scope_type, m.scope, m.figure.totals) for m in c.members]
        for kind, scope, t in rows:
            labels = [c.name, kind, scope]
            if t.rate is not None:
                ratio.add_metric(labels, t.rate / 100)
            if t.budget_remaining_seconds is not None:
                budget.add_metric(labels, t.budget_remaining_seconds)
            if t.coverage is not None:
                cover.add_metric(labels, t.coverage / 100)
            info.add_metric([c.name, c.calendar, kind, scope], 1)
    for name, calendar in sla.engine_calendars().items():
        cal.add_metric([name], 1.0 if calendar.in_service(now) else 0.0)
    opened = GaugeMetricFamily("vigie_incidents_open", "Incidents in progress", labels=["contract", "priority"])
    total = CounterMetricFamily("vigie_incidents", "Incidents recorded since the state file was created",
                                labels=["contract", "priority"])
    gtr = CounterMetricFamily("vigie_incident_gtr_breaches", "Incidents whose restoration guarantee (GTR) "
                              "was missed", labels=["contract", "priority"])
    gti = CounterMetricFamily("vigie_incident_gti_breaches", "Incidents whose intervention guarantee (GTI) "
                              "was missed", labels=["contract", "priority"])
    for name in sla.contracts:
        for p in PRIORITIES:
            opened.add_metric([name, p], open_.get((name, p), 0))
            total.add_metric([name, p], counts.get((name, p), 0))
            gti.add_metric([name, p], breaches.get((name, p, "gti"), 0))
            gtr.add_metric([name, p], breaches.get((name, p, "gtr"), 0))
    return [ratio, target, budget, cover, info, cal, opened, total, gti, gtr]


class SlaExtension:
    name = "sla"

    def __init__(self, ctx: DaemonContext) -> None:
        self.ctx = ctx
        self.config = ctx.config
        self.path = db_path(ctx.config)
        self.worker = SlaService(ctx.config, self.path, clock=ctx.wall)   # used in the worker thread
        self.worker.sync_config_exclusions(ctx.wall())
        self.ledger = Ledger(self.path, key=ctx.config.sla.ledger_key_bytes())  # loop thread (API)
        self.db = SlaDb(self.path)
        self.api = Api(section=lambda: self.config.sla, ledger=self.ledger, db=self.db, wall=ctx.wall)
        self.month_collector, self.live_collector = _Families(), _Families()
        self._samples: list[tuple[str, str, float, float | None, bool]] = []
        self._busy = False
        self._retired: list[SlaService] = []
        self._pruned: float | None = None   # last http_samples pruning (once a day)
        for warning in overlap_warnings(ctx.config.sla):
            log.warning("sla: %s", warning)
        self.month_collector.families = tuple(self._compute(ctx.wall()))
        self._publish_services()

    def collectors(self) -> Iterable[object]:
        return [self.month_collector, self.live_collector]

    def routes(self) -> Iterable[web.RouteDef]:
        return self.api.routes()

    def on_result(self, result: Result) -> None:
        if result.probe == "http":
            now = self.ctx.wall()
            checks = {dict(s.labels).get("check", "") for s in result.samples if s.name == "vigie_http_up"}
            totals = {dict(s.labels).get("check", ""): s.value for s in result.samples
                      if s.name == "vigie_http_duration_seconds" and dict(s.labels).get("phase") == "total"}
            for check in checks or totals.keys():
                self._samples.append((result.asset, check, now, totals.get(check), result.ok))
        self._publish_services()

    def _publish_services(self) -> None:
        fam = GaugeMetricFamily("vigie_service_up", "Composite service state now: 1 up, 0 down or unmeasured",
                                labels=["service"])
        for name, up in service_states(self.config, self.ctx.states()).items():
            fam.add_metric([name], 1.0 if up else 0.0)
        self.live_collector.families = (fam,)

    def _compute(self, now: float) -> list[Metric]:
        svc = self.worker
        self.prune(svc.db, now)
        for e in svc.propose_tiers(now):
            log.info("third-party exclusion proposed (entry %d): %s", e.id, e.reason)
        month = svc.current(now)
        counts = inc.counts(svc.db)
        open_, breaches = svc.incident_status(now)
        return month_families(svc.config, month, now, counts, open_, breaches)

    async def tick(self, now: float) -> None:
        samples, self._samples = self._samples, []
        self.db.add_samples(samples)
        if self._busy:
            return
        while self._retired:
            self._retired.pop().close()
        self._busy = True
        try:
            self.month_collector.families = tuple(await asyncio.to_thread(self._compute, now))
        finally:
            self._busy = False

    def prune(self, db: SlaDb, now: float) -> None:
        """Drop the http samples older than ``sla.retention``, at most once a day (worker thread)."""
        if self._pruned is None or now - self._pruned >= DAY:
            self._pruned = now
            n = db.prune_samples(now - self.config.sla.retention)
            if n:
                log.info("sla: %d http samples older than the retention pruned", n)

    def reload(self, config: Config) -> None:
        try:
            worker = SlaService(config, self.path, clock=self.ctx.wall)
        except (ConfigError, VigieError) as err:
            log.error("sla: keeping the previous sla configuration: %s", err)
            return
        if not config.sla.contracts:
            log.warning("sla: no contract left after reload; figures stop until restart")
        old, self.worker, self.config = self.worker, worker, config
        worker.sync_config_exclusions(self.ctx.wall())
        self._retired.append(old)  # closed at the next tick, when no computation uses it

    async def close(self) -> None:
        for old in self._retired:
            old.close()
        self.db.add_samples(self._samples)
        self._samples = []
        self.worker.close()
        self.ledger.close()
        self.db.close()


def build(ctx: DaemonContext) -> Extension | None:
    """None when the sla section has no contract."""
    if not ctx.config.sla.contracts:
        return None
    return SlaExtension(ctx)
