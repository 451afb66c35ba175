"""What a month of SLA looks like for the report writer: frozen dataclasses, no I/O.

Built by :func:`monitor.sla.service.month_report_data`. Everything needed to explain a figure is
here: the engine's :class:`~monitor.sla.compute.Figure` (with its intervals), the exclusions that
applied, the incidents with their GTI/GTR compliance and a daily series for a chart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from monitor.sla import intervals as iv
from monitor.sla.calendar import local_date, local_ts
from monitor.sla.compute import Figure, Period, Totals, totals
from monitor.sla.incidents import Compliance, Incident
from monitor.sla.ledger import Occurrence
from monitor.sla.response import ResponseFigure


@dataclass(frozen=True, slots=True)
class DayPoint:
    day: str                # ISO local date (Europe/Paris)
    nht: float              # seconds
    nhi: float
    unmeasured: float
    rate: float | None      # percent, None without service hours that day


@dataclass(frozen=True, slots=True)
class IncidentRow:
    incident: Incident
    compliance: Compliance
    gti_objective: float | None   # seconds of service time, from the contract's guarantees
    gtr_objective: float | None


@dataclass(frozen=True, slots=True)
class ResponseRow:
    asset: str
    check: str
    objectives: str
    figure: ResponseFigure


@dataclass(frozen=True, slots=True)
class MemberMonth:
    scope_type: str          # asset | service
    scope: str
    figure: Figure           # NHT, NHI, rate, coverage, budget... and the intervals behind them
    exclusions: tuple[Occurrence, ...]
    incidents: tuple[IncidentRow, ...]
    daily: tuple[DayPoint, ...]


@dataclass(frozen=True, slots=True)
class ContractMonth:
    name: str
    calendar: str
    target_percent: float
    policy: str
    totals: Totals           # pooled over members
    members: tuple[MemberMonth, ...]
    exclusions: tuple[Occurrence, ...]   # every occurrence applied to a member (deduplicated)
    incidents: tuple[IncidentRow, ...]
    daily: tuple[DayPoint, ...]          # pooled over members
    response: tuple[ResponseRow, ...]


@dataclass(frozen=True, slots=True)
class SlaMonth:
    period: Period
    until: float                         # figures measured up to here (month end for a past month)
    complete: bool                       # the month is over
    ledger_rows: int                     # ledger head at generation (publish it: tamper evidence)
    ledger_head: str
    contracts: tuple[ContractMonth, ...]


def days(period: Period) -> list[tuple[str, float, float]]:
    """(ISO date, start, end) of each local day of the period."""
    out = []
    d = local_date(period.start)
    while True:
        a = local_ts(d, 0)
        if a >= period.end:
            return out
        out.append((d.isoformat(), a, local_ts(d + timedelta(days=1), 0)))
        d += timedelta(days=1)


def daily(figs: list[Figure], period: Period) -> tuple[DayPoint, ...]:
    """Availability per local day, pooled over ``figs`` (same policy and target)."""
    out = []
    for label, a, b in days(period):
        nht = down = unm = 0.0
        for f in figs:
            span = [(a, b)]
            nht += iv.total(iv.intersect(f.nht_intervals, span))
            down += iv.total(iv.intersect(f.down, span))
            unm += iv.total(iv.intersect(f.unmeasured, span))
        policy = figs[0].policy if figs else "exclude"
        target = figs[0].target_percent if figs else 100.0
        t = totals(nht=nht, down=down, unmeasured=unm, month_nht=nht, policy=policy, target_percent=target)
        out.append(DayPoint(label, t.nht, t.nhi, t.unmeasured, t.rate))
    return tuple(out)
