"""Gathering the SLA report's data: from the engine's results to :mod:`monitor.report.sla_model`.

* :func:`from_sla_month` adapts :func:`monitor.sla.service.month_report_data`'s ``SlaMonth``
  (what the CLI uses: configuration + state file, incidents with GTI/GTR);
* :func:`from_contract_result` adapts a :class:`~monitor.sla.compute.ContractResult` (figures,
  exclusions and the daily series, recomputed from the intervals each figure keeps);
* :func:`collect` reads transitions (:class:`~monitor.store.Store`) and the exclusion ledger from
  the state SQLite file and computes every contract for a month, measured up to ``now``;
* :func:`ledger_head` publishes the ledger chain head relevant to the month (see below).
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Mapping, Sequence

from monitor.sla import intervals as iv
from monitor.sla.calendar import local_date, local_ts
from monitor.sla.compute import ContractResult, Figure, Period, Totals, compute_contract
from monitor.sla.contract import Contract, Service
from monitor.sla.ledger import GENESIS, Entry, Ledger, verify_rows
from monitor.store import Store, Transition

from .sla_model import ContractReport, Day, Exclusion, Figures, Incident, SlaReport

if TYPE_CHECKING:
    from monitor.config.model import Config
    from monitor.sla.monthdata import IncidentRow, SlaMonth


def figures(name: str, kind: str, t: Totals, target: float) -> Figures:
    return Figures(name=name, kind=kind, nht=t.nht, nhi=t.nhi, down=t.down,
                   unmeasured=t.unmeasured, denominator=t.denominator, rate=t.rate,
                   target=target, coverage=t.coverage, budget=t.budget_seconds,
                   budget_remaining=t.budget_remaining_seconds, met=t.met)


def from_contract_result(contract: Contract, res: ContractResult,
                         incidents: Sequence[Incident] = ()) -> ContractReport:
    """The report section of one contract (incidents come from the incident engine, if any)."""
    members = tuple(figures(f.name, f.kind, f.totals, contract.target_percent) for f in res.members)
    scope: dict[tuple[int, float, float], list[str]] = {}
    occ: dict[tuple[int, float, float], object] = {}
    for f in res.members:
        for o in f.exclusions:
            key = (o.entry, o.start, o.end)
            scope.setdefault(key, []).append(f.name)
            occ[key] = o
    exclusions = tuple(
        Exclusion(entry=o.entry, type=o.type, scope=tuple(sorted(set(scope[k]))), start=o.start,
                  end=o.end, author=o.author, reason=o.reason, reference=o.reference, late=o.late)
        for k, o in sorted(occ.items(), key=lambda kv: (kv[0][1], kv[0][0], kv[0][2])))  # type: ignore[misc]
    return ContractReport(
        name=contract.name, calendar=contract.calendar.name, policy=contract.unmeasured,
        target=contract.target_percent,
        total=figures(contract.name, "contract", res.totals, contract.target_percent),
        members=members, exclusions=exclusions,
        incidents=tuple(sorted(incidents, key=lambda i: (i.start, i.name))),
        days=days(res.members, contract.unmeasured, res.period))


def days(members: Sequence[Figure], policy: str, period: Period) -> tuple[Day, ...]:
    """Pooled availability of the members for each local day of the period."""
    out: list[Day] = []
    d = local_date(period.start)
    while (a := local_ts(d, 0)) < period.end:
        b = local_ts(d + timedelta(days=1), 0)
        nht = down = unm = 0.0
        for f in members:
            nht += iv.total(iv.clip(f.nht_intervals, a, b))
            down += iv.total(iv.clip(f.down, a, b))
            unm += iv.total(iv.clip(f.unmeasured, a, b))
        den, nhi = {"exclude": (nht - unm, down), "down": (nht, down + unm)}.get(policy, (nht, down))
        out.append(Day(date=d.isoformat(), service=nht, unavailable=nhi,
                       rate=(den - nhi) / den * 100 if den > 0 else None))
        d += timedelta(days=1)
    return tuple(out)


def collect(db_path: str | Path, contracts: Sequence[Contract], services: Mapping[str, Service],
            year: int, month: int, now: float,
            incidents: Mapping[str, Sequence[Incident]] | None = None) -> SlaReport:
    """Compute every contract for ``year-month`` from the state file, measured up to ``now``."""
    period = Period.month(year, month)
    store = Store(db_path)
    try:
        by_asset: dict[str, list[Transition]] = {}
        for t in store.transitions(end=period.end):
            by_asset.setdefault(t.asset, []).append(t)
    finally:
        store.close()
    ledger = Ledger(db_path)
    try:
        entries = ledger.entries()
    finally:
        ledger.close()
    sections = []
    for c in contracts:
        res = compute_contract(c, period=period, now=now, transitions=by_asset,
                               services=services, entries=entries)
        sections.append(from_contract_result(c, res, (incidents or {}).get(c.name, ())))
    rows, head = ledger_head(db_path, entries, period)
    return SlaReport(year=year, month=month, start=period.start, end=period.end,
                     until=min(max(now, period.start), period.end), contracts=tuple(sections),
                     ledger_rows=rows, ledger_hash=head)


def ledger_head(db_path: str | Path, entries: Sequence[Entry], period: Period) -> tuple[int, str]:
    """``(rows, hash)`` of the chain prefix ending at the last entry that touches the month (its
    intervals or recurrence, or the entries superseding those). Entries appended later for other
    months do not change it, so a regenerated report stays identical; the prefix is verified."""
    touching: set[int] = set()
    for e in entries:
        spans = iv.clip(iv.normalize(e.intervals), period.start, period.end)
        if spans or (e.recurrence is not None and e.recurrence.expand(period.start, period.end)):
            touching.add(e.id)
    for e in entries:  # corrections, withdrawals, confirmations of those
        if e.supersedes in touching:
            touching.add(e.id)
    last = max(touching, default=0)
    if last == 0:
        return 0, GENESIS
    db = sqlite3.connect(f"file:{Path(db_path)}?mode=ro", uri=True)
    try:
        rows = db.execute("SELECT seq, entry, prev, hash FROM sla_ledger WHERE seq <= ? "
                          "ORDER BY seq", (last,)).fetchall()
    finally:
        db.close()
    check = verify_rows(rows)
    if not check.ok:
        from monitor.sla.ledger import LedgerError
        raise LedgerError(f"exclusion ledger chain broken at row {check.first_bad}: {check.problem}")
    return check.rows, check.head


def from_sla_month(m: "SlaMonth", ledger: tuple[int, str] | None = None) -> SlaReport:
    """The report of a :class:`~monitor.sla.monthdata.SlaMonth`. ``ledger`` overrides the chain
    head (see :func:`ledger_head`: the month-relevant head keeps regenerations identical)."""
    contracts = []
    for c in m.contracts:
        scope: dict[tuple[int, float, float], set[str]] = {}
        for mm in c.members:
            for o in mm.exclusions:
                scope.setdefault((o.entry, o.start, o.end), set()).add(mm.scope)
        contracts.append(ContractReport(
            name=c.name, calendar=c.calendar, policy=c.policy, target=c.target_percent,
            total=figures(c.name, "contract", c.totals, c.target_percent),
            members=tuple(figures(mm.scope, mm.scope_type, mm.figure.totals, c.target_percent)
                          for mm in c.members),
            exclusions=tuple(Exclusion(
                entry=o.entry, type=o.type, scope=tuple(sorted(scope.get((o.entry, o.start, o.end), ()))),
                start=o.start, end=o.end, author=o.author, reason=o.reason, reference=o.reference,
                late=o.late) for o in c.exclusions),
            incidents=tuple(_incident(r) for r in c.incidents),
            days=tuple(Day(date=d.day, service=d.nht, unavailable=d.nhi, rate=d.rate)
                       for d in c.daily)))
    rows, head = ledger if ledger is not None else (m.ledger_rows, m.ledger_head)
    return SlaReport(year=int(m.period.label[:4]), month=int(m.period.label[5:]),
                     start=m.period.start, end=m.period.end, until=m.until,
                     contracts=tuple(contracts), ledger_rows=rows, ledger_hash=head)


def _incident(r: "IncidentRow") -> Incident:
    i, c = r.incident, r.compliance
    return Incident(name=i.scope, priority=i.priority, start=i.start, ticket_opened=i.ticket_opened,
                    restored=i.end if i.end is not None else i.restored_at,
                    calendar_seconds=c.outage_service_seconds, gti_seconds=r.gti_objective,
                    gti_met=c.gti_met, gtr_seconds=r.gtr_objective, gtr_met=c.gtr_met,
                    reference=i.ticket or "")


def from_config(config: "Config", db_path: str | Path, year: int, month: int,
                now: float) -> SlaReport:
    """The report for ``year-month`` from the configuration's ``sla:`` section and the state file."""
    from monitor.sla.service import month_report_data
    m = month_report_data(config, db_path, year, month, now)
    ledger = Ledger(db_path)
    try:
        entries = ledger.entries()
    finally:
        ledger.close()
    return from_sla_month(m, ledger_head(db_path, entries, m.period))
