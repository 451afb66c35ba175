"""Gathers the SLA engine's inputs (transitions, ledger, http samples, incident records) and calls it.

Pure computation stays in :mod:`monitor.sla.compute`; this module only reads and writes the state
file. The report writer's entry point is :func:`month_report_data`.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable, Mapping, Sequence

from monitor.config.model import Config
from monitor.errors import ConfigErrors
from monitor.sla import incidents as inc
from monitor.sla import proposals
from monitor.sla.calendar import DAY, local_date
from monitor.sla.compute import Period, compute_contract
from monitor.sla.config import check_assets
from monitor.sla.db import SlaDb, SlaDbError
from monitor.sla.ledger import Entry, Ledger
from monitor.sla.monthdata import (ContractMonth, IncidentRow, MemberMonth, ResponseRow, SlaMonth,
                                   daily)
from monitor.sla.response import evaluate
from monitor.state import UP
from monitor.store import Store, Transition

LOOKBACK = 31 * DAY   # how far before a month an incident's start is looked for


def db_path(config: Config) -> Path:
    return Path(config.daemon.state_dir) / "vigie.db"


class SlaService:
    """The SLA figures of one configuration over one state file. Not thread-safe: one per thread."""

    def __init__(self, config: Config, path: str | Path | None = None, *,
                 clock: Callable[[], float] = time.time) -> None:
        errors = check_assets(config.sla, (a.name for a in config.assets))
        if errors:
            raise ConfigErrors(errors)
        self.config = config
        self.sla = config.sla
        self.clock = clock
        path = Path(path) if path is not None else db_path(config)
        self.store = Store(path)
        self.ledger = Ledger(path, key=self.sla.ledger_key_bytes())
        self.db = SlaDb(path)
        self.contracts = self.sla.engine_contracts()
        self.services = self.sla.engine_services()
        self.assets = {a.name: a for a in config.assets}
        self.dependents, self.urgency = inc.levels(
            self.sla, {a.name: (a.criticality, a.parent) for a in config.assets})
        self._scored: dict[tuple, tuple[bool | None, bool | None]] = {}   # final GTI/GTR verdicts

    def close(self) -> None:
        self.store.close()
        self.ledger.close()
        self.db.close()

    # --- ledger ----------------------------------------------------------------------------------
    def sync_config_exclusions(self, now: float | None = None) -> list[Entry]:
        """Append the exclusions declared in the configuration that the ledger lacks (once per id;
        a changed declaration supersedes the previous entry). Returns the entries appended."""
        now = self.clock() if now is None else now
        added = []
        for ex in self.sla.exclusions:
            key, digest = f"config:{ex.id}", ex.digest()
            known = self.db.config_exclusion(key)
            if known is not None and known[1] == digest:
                continue
            entry = ex.entry(default_author=self.sla.author, declared_at=now)
            if known is not None:
                entry = replace(entry, supersedes=known[0])
            stored = self.ledger.append(entry)
            self.db.set_config_exclusion(key, stored.id, digest)
            added.append(stored)
        return added

    def propose_tiers(self, now: float | None = None) -> list[Entry]:
        """Propose (never apply) third-party entries for children of parents that were down."""
        now = self.clock() if now is None else now
        kinds = {a.name: a.kind for a in self.config.assets}
        parents = {a.name: a.parent for a in self.config.assets}
        found = proposals.find(kinds=kinds, parents=parents, tiers_kinds=self.sla.tiers_parent_kinds,
                               transitions=self.transitions(sorted(kinds), now - LOOKBACK, now),
                               start=now - LOOKBACK, now=now)
        return proposals.propose(self.ledger, self.db, found, author=self.sla.author, now=now)

    # --- inputs ----------------------------------------------------------------------------------
    def transitions(self, names: Sequence[str], start: float, end: float) -> dict[str, list[Transition]]:
        """Transitions in ``[start, end)`` plus the last one before ``start`` (initial state)."""
        out: dict[str, list[Transition]] = {}
        for name in names:
            row = self.db.execute("SELECT asset, ts, state, reason FROM transitions WHERE asset = ? AND ts < ? "
                                  "ORDER BY ts DESC, rowid DESC LIMIT 1", (name, start)).fetchone()
            rows = [Transition(*row)] if row else []
            try:
                rows.extend(self.store.transitions(name, start, end))
            except sqlite3.Error as err:
                raise SlaDbError(f"transitions of {name}: {err}") from err
            out[name] = rows
        return out

    def settled_start(self, names: Sequence[str], before: float) -> float:
        """An instant ``<= before`` at which each of ``names`` is up, or has no earlier transition:
        an incident open at ``before`` began after it (its real start, not a window's edge)."""
        t = before
        while True:
            back = t
            for name in names:
                row = self.db.execute("SELECT state FROM transitions WHERE asset = ? AND ts <= ? "
                                      "ORDER BY ts DESC, rowid DESC LIMIT 1", (name, t)).fetchone()
                if row is None or row[0] == UP:
                    continue
                up = self.db.execute("SELECT MAX(ts) FROM transitions WHERE asset = ? AND ts < ? AND state = ?",
                                     (name, t, UP)).fetchone()[0]
                if up is None:   # never up before: its first transition
                    up = self.db.execute("SELECT MIN(ts) FROM transitions WHERE asset = ?", (name,)).fetchone()[0]
                back = min(back, up)
            if back >= t:
                return t
            t = back

    def _assets_of(self, contract: str) -> list[str]:
        c = self.sla.contracts[contract]
        names = list(c.assets)
        for s in c.services:
            names.extend(self.sla.service_assets(s))
        return sorted(set(names))

    # --- figures ---------------------------------------------------------------------------------
    def month(self, year: int, month: int, now: float | None = None) -> SlaMonth:
        now = self.clock() if now is None else now
        return self._month(Period.month(year, month), now)

    def current(self, now: float | None = None) -> SlaMonth:
        """Month to date of the Europe/Paris month containing ``now``."""
        now = self.clock() if now is None else now
        d = local_date(now)
        return self._month(Period.month(d.year, d.month), now)

    def _month(self, period: Period, now: float) -> SlaMonth:
        until = min(max(now, period.start), period.end)
        entries, (rows, head) = self.ledger.snapshot()   # the head of exactly these entries
        out = []
        for name in self.sla.contracts:
            out.append(self._contract(name, period, now, until, entries))
        return SlaMonth(period, until, now >= period.end, rows, head, tuple(out))

    def _contract(self, name: str, period: Period, now: float, until: float,
                  entries: list[Entry]) -> ContractMonth:
        conf, contract = self.sla.contracts[name], self.contracts[name]
        horizon = min(now, period.end + LOOKBACK)
        trans = self.transitions(self._assets_of(name), period.start - LOOKBACK, horizon)
        result = compute_contract(contract, period=period, now=until, transitions=trans,
                                  services=self.services, entries=entries)
        incidents = self._incidents(name, period, now, until, trans)
        members, seen = [], {}
        for fig in result.members:
            rows = tuple(r for r in incidents if r.incident.scope == fig.name
                         and r.incident.scope_type == fig.kind)
            for o in fig.exclusions:
                seen.setdefault((o.entry, o.start, o.end), o)
            members.append(MemberMonth(fig.kind, fig.name, fig, fig.exclusions, rows, daily([fig], period)))
        response = tuple(
            ResponseRow(r.asset, r.check, r.objectives, evaluate(
                self.db.samples(r.asset, r.check, period.start, until),
                contract.calendar.intervals(period.start, until), r.parsed()))
            for r in conf.response)
        return ContractMonth(name, conf.calendar, conf.target, conf.unmeasured, result.totals,
                             tuple(members), tuple(sorted(seen.values(), key=lambda o: (o.start, o.entry))),
                             tuple(incidents), daily(list(result.members), period), response)

    def _incidents(self, name: str, period: Period, now: float, until: float,
                   trans: Mapping[str, Sequence[Transition]]) -> list[IncidentRow]:
        conf, cal = self.sla.contracts[name], self.contracts[name].calendar
        horizon, window = min(now, period.end + LOOKBACK), period.start - LOOKBACK
        periods = inc.down_periods(assets=conf.assets, services=conf.services, section=self.sla,
                                   transitions=trans, start=window, until=horizon)
        for kind, scope in list(periods):
            # an outage going on at the window's start: read back to its real start
            names = [scope] if kind == "asset" else sorted(set(self.sla.service_assets(scope)))
            since = self.settled_start(names, window)
            if since < window:
                periods[(kind, scope)] = inc.down_periods(
                    assets=[scope] if kind == "asset" else [], services=[scope] if kind == "service" else [],
                    section=self.sla, transitions=self.transitions(names, since, horizon), start=since,
                    until=horizon)[(kind, scope)]
        found = []
        for (kind, scope), spans in periods.items():
            impact = inc.impact_of(self.dependents.get(scope, 0), conf.criticality, self.sla)
            urgency = self.urgency.get(scope, "medium")
            for a, b in (s for s in spans if s[1] > period.start and s[0] < until):
                # open at the horizon: still going on, or unknown past it (never a false restore)
                found.append(inc.Incident(0, name, kind, scope, a, None if b >= horizon else b, impact,
                                          urgency, inc.priority(impact, urgency)))
        found.sort(key=lambda i: (i.start, i.scope_type, i.scope))
        rows = []
        for i in inc.sync(self.db, found, recorded_end=horizon < now):
            g = conf.guarantees.get(i.priority)
            gti, gtr = (g.gti, g.gtr) if g else (None, None)
            rows.append(IncidentRow(i, inc.compliance(i, cal, gti, gtr, now), gti, gtr))
        return rows


    def incident_status(self, now: float) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str, str], int]]:
        """Open incidents per (contract, priority) and GTI/GTR breaches per (contract, priority, "gti"|"gtr")
        over every stored incident. Only incidents whose verdict can still change (open, or a
        guarantee not yet decided) are scored at each call: the final verdicts of closed ones are
        kept, keyed by the whole row (a later acknowledgement or ticket rescores it)."""
        open_: dict[tuple[str, str], int] = {}
        breaches: dict[tuple[str, str, str], int] = {}
        scored: dict[tuple, tuple[bool | None, bool | None]] = {}
        for row in inc.stored(self.db):
            i = inc.from_row(row)
            if i.contract not in self.sla.contracts:
                continue
            if i.end is None:
                open_[(i.contract, i.priority)] = open_.get((i.contract, i.priority), 0) + 1
            g = self.sla.contracts[i.contract].guarantees.get(i.priority)
            if g is None:
                continue
            key = (tuple(row), g.gti, g.gtr, self.sla.contracts[i.contract].calendar)  # calendar name
            verdict = self._scored.get(key)
            if verdict is None:
                c = inc.compliance(i, self.contracts[i.contract].calendar, g.gti, g.gtr, now)
                verdict = (c.gti_met, c.gtr_met)
                final = all(m is not None or lim is None for m, lim in zip(verdict, (g.gti, g.gtr)))
                if i.end is not None and final:
                    scored[key] = verdict
            else:
                scored[key] = verdict
            for kind, met in zip(("gti", "gtr"), verdict):
                if met is False:
                    bkey = (i.contract, i.priority, kind)
                    breaches[bkey] = breaches.get(bkey, 0) + 1
        self._scored = scored   # only rows still stored and still final
        return open_, breaches


def month_report_data(config: Config, db_path: str | Path | None, year: int, month: int,
                      now: float) -> SlaMonth:
    """Everything the monthly SLA report shows, for ``year``-``month`` as known at ``now``.

    Stable API for the report writer. Appends config-declared exclusions the ledger lacks (once)
    and records newly seen incidents; otherwise read-only. A past month regenerated later gives
    identical data unless the ledger or incident records changed in between.
    """
    svc = SlaService(config, db_path, clock=lambda: now)
    try:
        svc.sync_config_exclusions(now)
        return svc.month(year, month, now)
    finally:
        svc.close()
