"""Incidents: every unavailability period of an asset or service covered by a contract.

* **Priority** P1-P4 from the 3x3 impact x urgency matrix (:data:`MATRIX`).
* **Urgency** is the asset's ``criticality`` (high/medium/low); for a service, the highest
  criticality of the assets under it.
* **Impact** is the higher of the contract's ``criticality`` and the dependents level: the
  number of assets behind it (its children through ``parent``, transitively) plus the services
  using it (transitively); ``>= sla.impact.high`` (5) is high, ``>= sla.impact.medium`` (1)
  medium, else low.
* Times: ``start`` = detection (the transition Vigie recorded); the reference for GTI/GTR is the
  ticket's opening when a ticket is linked (GLPI import), else the detection. GTI ends at the
  first intervention (``intervention_at``, else ``ack_at``); GTR ends at the measured restore
  (end of the outage), else the recorded ``restored_at``. All durations are counted in the
  contract calendar's service hours; a deadline is ``calendar.add_service_time(ref, limit)``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping, Sequence

from monitor.sla import intervals as iv
from monitor.sla.calendar import Calendar
from monitor.sla.config import SlaSection
from monitor.sla.db import SlaDb
from monitor.sla.timeline import Timeline, build, combine
from monitor.state import DOWN, UNREACHABLE, UP
from monitor.store import Transition

LEVELS = ("low", "medium", "high")
MATRIX: Mapping[tuple[str, str], str] = {  # (impact, urgency) -> priority
    ("high", "high"): "P1",
    ("high", "medium"): "P2", ("medium", "high"): "P2",
    ("high", "low"): "P3", ("medium", "medium"): "P3", ("low", "high"): "P3",
    ("medium", "low"): "P4", ("low", "medium"): "P4", ("low", "low"): "P4",
}


def priority(impact: str, urgency: str) -> str:
    return MATRIX[(impact, urgency)]


def _max(*levels: str) -> str:
    return max(levels, key=LEVELS.index)


@dataclass(frozen=True, slots=True)
class Incident:
    id: int                 # row id in sla_incidents (0 when not stored)
    contract: str
    scope_type: str         # asset | service
    scope: str
    start: float            # detection
    end: float | None       # measured restore; None while ongoing
    impact: str
    urgency: str
    priority: str
    ack_at: float | None = None
    ack_by: str | None = None
    intervention_at: float | None = None
    restored_at: float | None = None
    ticket: str | None = None
    ticket_opened: float | None = None
    ticket_title: str | None = None
    ticket_priority: str | None = None


@dataclass(frozen=True, slots=True)
class Compliance:
    """GTI/GTR of one incident in the contract's calendar hours (``None``: no objective or not yet known)."""

    reference: float                  # ticket opening, else detection
    outage_service_seconds: float     # unavailability counted in service hours (until now if ongoing)
    gti_seconds: float | None
    gtr_seconds: float | None
    gti_deadline: float | None
    gtr_deadline: float | None
    gti_met: bool | None
    gtr_met: bool | None


def levels(section: SlaSection, assets: Mapping[str, tuple[str, str | None]]
           ) -> tuple[dict[str, int], dict[str, str]]:
    """(dependents count, urgency) per asset and service name. ``assets``: name -> (criticality, parent)."""
    children: dict[str, list[str]] = {}
    for name, (_, parent) in assets.items():
        if parent:
            children.setdefault(parent, []).append(name)
    users: dict[str, set[str]] = {}
    for sname, s in section.services.items():
        for m in s.members:
            users.setdefault(m, set()).add(sname)

    def behind(name: str, seen: set[str]) -> set[str]:
        for c in children.get(name, ()):
            if c not in seen:
                seen.add(c)
                behind(c, seen)
        return seen

    def using(name: str, seen: set[str]) -> set[str]:
        for s in users.get(name, ()):
            if s not in seen:
                seen.add(s)
                using(s, seen)
        return seen

    count = {n: len(behind(n, set())) + len(using(n, set())) for n in assets}
    count.update({n: len(using(n, set())) for n in section.services})
    urgency = {n: crit for n, (crit, _) in assets.items()}
    for sname in section.services:
        crits = [assets[a][0] for a in section.service_assets(sname) if a in assets]
        urgency[sname] = _max(*crits) if crits else "medium"
    return count, urgency


def impact_of(dependents: int, contract_level: str, section: SlaSection) -> str:
    dep = "high" if dependents >= section.impact.high else "medium" if dependents >= section.impact.medium else "low"
    return _max(dep, contract_level)


def down_periods(*, assets: Sequence[str], services: Sequence[str], section: SlaSection,
                 transitions: Mapping[str, Sequence[Transition]], start: float, until: float
                 ) -> dict[tuple[str, str], iv.Intervals]:
    """Incident spans (see :func:`outages`) per ``(scope_type, scope)`` over ``[start, until)``."""
    engine = section.engine_services()
    tls: dict[str, object] = {}

    def tl(name: str):
        if name not in tls:
            if name in engine:
                svc = engine[name]
                tls[name] = combine([tl(m) for m in svc.members], svc.needed, start, until)
            else:
                tls[name] = build(transitions.get(name, ()), start, until)
        return tls[name]

    out = {("asset", a): outages(tl(a)) for a in assets}
    out.update({("service", s): outages(tl(s)) for s in services})
    return out


def outages(tl: Timeline) -> iv.Intervals:
    """Incident spans of a timeline: from a down or unreachable segment to the next ``up`` one.

    Unmeasured time (a daemon restart writes ``unmeasured`` at its last heartbeat) does not end an
    outage: down periods separated only by unmeasured time are one incident. A span still open at
    the end of the timeline ends at ``tl.end``.
    """
    out: iv.Intervals = []
    begin: float | None = None
    for a, _b, state in tl.segments:
        if state in (DOWN, UNREACHABLE):
            begin = a if begin is None else begin
        elif state == UP and begin is not None:
            out.append((begin, a))
            begin = None
    if begin is not None:
        out.append((begin, tl.end))
    return out


def compliance(inc: Incident, calendar: Calendar, gti: float | None, gtr: float | None,
               now: float) -> Compliance:
    ref = inc.ticket_opened if inc.ticket_opened is not None else inc.start
    outage = calendar.service_seconds(inc.start, inc.end if inc.end is not None else max(now, inc.start))
    first = inc.intervention_at if inc.intervention_at is not None else inc.ack_at
    restore = inc.end if inc.end is not None else inc.restored_at

    def judge(limit: float | None, done: float | None) -> tuple[float | None, float | None, bool | None]:
        spent = calendar.service_seconds(ref, done) if done is not None and done > ref else (
            0.0 if done is not None else None)
        if limit is None:
            return spent, None, None
        deadline = calendar.add_service_time(ref, limit)
        if done is not None:
            return spent, deadline, done <= deadline
        return spent, deadline, (False if now > deadline else None)

    gti_s, gti_d, gti_ok = judge(gti, first)
    gtr_s, gtr_d, gtr_ok = judge(gtr, restore)
    return Compliance(ref, outage, gti_s, gtr_s, gti_d, gtr_d, gti_ok, gtr_ok)


# --- the sla_incidents table ---------------------------------------------------------------------
_COLS = ("id, contract, scope_type, scope, start, end, priority, ack_at, ack_by, intervention_at, "
         "restored_at, ticket, ticket_opened, ticket_title, ticket_priority")


def sync(db: SlaDb, incidents: Sequence[Incident], *, recorded_end: bool = False) -> list[Incident]:
    """Store new incidents (their priority is fixed at first sight), record restores, return them
    with their ids and the recorded acknowledgement/ticket data. With ``recorded_end`` (the
    transitions were read up to a horizon before now), an incident open at that horizon takes the
    restore already recorded, if any."""
    out = []
    for inc in incidents:
        key = (inc.contract, inc.scope_type, inc.scope, inc.start)
        db.execute("INSERT OR IGNORE INTO sla_incidents (contract, scope_type, scope, start, end, priority) "
                   "VALUES (?, ?, ?, ?, ?, ?)", (*key, inc.end, inc.priority))
        if inc.end is not None:   # a measured restore (transition to up) is authoritative
            db.execute("UPDATE sla_incidents SET end = ? WHERE contract = ? AND scope_type = ? AND scope = ? "
                       "AND start = ? AND (end IS NULL OR end != ?)", (inc.end, *key, inc.end))
        row = db.execute(f"SELECT {_COLS} FROM sla_incidents WHERE contract = ? AND scope_type = ? "
                         "AND scope = ? AND start = ?", key).fetchone()
        merged = _merge(inc, row)
        out.append(merged if recorded_end or inc.end is not None else replace(merged, end=None))
    return out


def _merge(inc: Incident, row: tuple) -> Incident:
    (rid, _c, _t, _s, _st, end, prio, ack_at, ack_by, interv, restored, ticket, opened, title,
     tprio) = row
    return replace(inc, id=rid, priority=prio, end=inc.end if inc.end is not None else end,
                   ack_at=ack_at, ack_by=ack_by, intervention_at=interv, restored_at=restored,
                   ticket=ticket, ticket_opened=opened, ticket_title=title, ticket_priority=tprio)


def from_row(row: tuple) -> Incident:
    """An incident from a stored row (impact/urgency are not stored: shown as '')."""
    return _merge(Incident(0, row[1], row[2], row[3], row[4], row[5], "", "", row[6]), row)


def stored(db: SlaDb, start: float | None = None, end: float | None = None) -> list[tuple]:
    sql, args = f"SELECT {_COLS} FROM sla_incidents WHERE 1=1", []
    if start is not None:
        sql += " AND (end IS NULL OR end > ?)"
        args.append(start)
    if end is not None:
        sql += " AND start < ?"
        args.append(end)
    return list(db.execute(sql + " ORDER BY start, id", args))


def record(db: SlaDb, incident_id: int, **fields: object) -> bool:
    """Set ``ack_at``, ``ack_by``, ``intervention_at``, ``restored_at`` or ticket fields of one incident."""
    allowed = {"ack_at", "ack_by", "intervention_at", "restored_at", "ticket", "ticket_opened",
               "ticket_title", "ticket_priority"}
    sets = {k: v for k, v in fields.items() if k in allowed and v is not None}
    if not sets:
        return False
    cur = db.execute(f"UPDATE sla_incidents SET {', '.join(f'{k} = ?' for k in sets)} WHERE id = ?",
                     (*sets.values(), incident_id))
    return cur.rowcount > 0


def counts(db: SlaDb) -> dict[tuple[str, str], int]:
    """Incidents ever recorded per (contract, priority): a persisted, monotonic total."""
    return {(c, p): n for c, p, n in db.execute(
        "SELECT contract, priority, COUNT(*) FROM sla_incidents GROUP BY contract, priority")}
