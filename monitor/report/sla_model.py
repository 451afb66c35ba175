"""What the monthly SLA report shows: plain frozen values (seconds, epoch floats, strings).

The renderer reads only these types; :mod:`monitor.report.sla_data` builds them from the SLA
engine. All durations are seconds, all instants UTC epoch seconds; rates and targets in percent.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Figures:
    """One line of the figures table: an asset, a service, or a contract's pooled total."""

    name: str
    kind: str                  # "asset", "service" or "contract"
    nht: float                 # seconds
    nhi: float                 # seconds
    down: float                # down + unreachable seconds inside NHT
    unmeasured: float          # unmeasured seconds inside NHT
    denominator: float         # NHT after the unmeasured policy
    rate: float | None         # percent; None = no service hours
    target: float              # percent
    coverage: float | None     # percent of NHT measured
    budget: float | None       # seconds of unavailability the target allows over the month
    budget_remaining: float | None
    met: bool | None           # rate >= target; None without service hours


@dataclass(frozen=True, slots=True, kw_only=True)
class Exclusion:
    entry: int
    type: str                  # planned_maintenance, force_majeure, third_party, client
    scope: tuple[str, ...]     # members of the contract it applied to
    start: float
    end: float
    author: str
    reason: str
    reference: str
    late: bool                 # declared after it started


@dataclass(frozen=True, slots=True, kw_only=True)
class Incident:
    name: str                  # asset or service
    priority: str              # "P1".."P4", "" when unknown
    start: float               # detection by Vigie (first confirmed failed poll)
    ticket_opened: float | None  # GTI/GTR reference when a ticket exists (else the start)
    restored: float | None     # None: still open at the end of the data
    calendar_seconds: float | None  # outage counted in the contract calendar's hours
    gti_seconds: float | None       # GTI objective for this priority, calendar seconds
    gti_met: bool | None            # None: no objective / not known yet
    gtr_seconds: float | None       # GTR objective
    gtr_met: bool | None
    reference: str = ""             # ticket (e.g. GLPI number)


@dataclass(frozen=True, slots=True, kw_only=True)
class Day:
    date: str                  # ISO local date "2026-10-25"
    service: float             # calendar seconds of the day (after exclusions)
    unavailable: float         # NHI seconds that day
    rate: float | None         # None: no service hours that day (or nothing measured)


@dataclass(frozen=True, slots=True, kw_only=True)
class ContractReport:
    name: str
    calendar: str              # e.g. "24x7", "8/5"
    policy: str                # unmeasured policy: exclude, down, up
    target: float
    total: Figures
    members: tuple[Figures, ...]
    exclusions: tuple[Exclusion, ...] = ()
    incidents: tuple[Incident, ...] = ()
    days: tuple[Day, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaReport:
    year: int
    month: int
    start: float               # local midnight on the 1st
    end: float                 # local midnight on the 1st of next month
    until: float               # data measured up to here (= end for a closed month)
    contracts: tuple[ContractReport, ...]
    ledger_rows: int = 0       # exclusion ledger head, published so later tampering shows
    ledger_hash: str = ""

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def complete(self) -> bool:
        return self.until >= self.end
