"""The ``sla:`` section of the configuration: calendars, services, contracts, declared exclusions.

Frozen dataclasses bound by the generic strict binder (main file only). Checks that need only
this section (unknown calendar or service names, service cycles, bad times) raise ``ValueError``
in ``__post_init__``: the binder reports them with file, line and option path. Checks against the
inventory (unknown asset names) are in :func:`check_assets`, run by the configuration loader
(so ``vigie check-config`` reports them) and again when the engine is built.
Converters give the engine's objects (:class:`Calendar`, :class:`Contract`, :class:`Service`,
:class:`Entry`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import Iterable, Literal

from monitor.errors import ConfigError
from monitor.secrets import Secret
from monitor.sla.calendar import PARIS, WEEKDAYS, Calendar, parse_hhmm
from monitor.sla.contract import Contract, Service, service_order
from monitor.sla.ledger import Entry, Recurrence
from monitor.sla.response import Objective, parse_objectives

PRIORITIES = ("P1", "P2", "P3", "P4")
RETENTION = 397 * 86400.0   # 13 months (the longest 13 consecutive months)
Level = Literal["high", "medium", "low"]


def _empty() -> Mapping:
    return MappingProxyType({})


def parse_local(text: str) -> float:
    """ISO date-time; without an offset it is Europe/Paris wall-clock time. Epoch seconds."""
    try:
        dt = datetime.fromisoformat(str(text).strip())
    except ValueError as err:
        raise ValueError(f"bad date-time {text!r} (expected e.g. 2026-10-06T06:00)") from err
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=PARIS)
    return dt.timestamp()


@dataclass(frozen=True, kw_only=True)
class ClosedSpan:
    start: str
    end: str

    def __post_init__(self) -> None:
        if parse_local(self.end) <= parse_local(self.start):
            raise ValueError(f"closed span ends before it starts: {self.start} - {self.end}")


@dataclass(frozen=True, kw_only=True)
class CalendarConf:
    """``kind: 24x7``; ``weekly`` with ``ranges: {mon-fri: ["09:00-12:00", "14:00-18:00"]}``;
    ``business`` (8/5: ``start``-``end`` Mon-Fri without French public holidays)."""

    kind: Literal["24x7", "weekly", "business"]
    ranges: Mapping[str, tuple[str, ...]] = field(default_factory=_empty)
    start: str = "08:00"
    end: str = "19:00"
    holidays: bool | None = None    # default: yes for business, no otherwise
    subdiv: str | None = None       # "57", "67", "68": Alsace-Moselle
    closed_dates: tuple[str, ...] = ()
    closed: tuple[ClosedSpan, ...] = ()

    def __post_init__(self) -> None:
        if self.kind == "weekly" and not self.ranges:
            raise ValueError("a weekly calendar needs 'ranges'")
        if self.kind != "weekly" and self.ranges:
            raise ValueError("'ranges' is only for kind weekly")
        for d in self.closed_dates:
            date.fromisoformat(d)
        try:
            self.build("check")
        except ConfigError as err:
            raise ValueError(err.message) from err

    def build(self, name: str) -> Calendar:
        hol = self.holidays if self.holidays is not None else self.kind == "business"
        kw = dict(holidays="FR" if hol else None, subdiv=self.subdiv,
                  closed_days=frozenset(date.fromisoformat(d) for d in self.closed_dates),
                  closed=tuple((parse_local(c.start), parse_local(c.end)) for c in self.closed))
        if self.kind == "24x7":
            return Calendar.always(name, **kw)
        if self.kind == "business":
            parse_hhmm(self.start), parse_hhmm(self.end)
            return Calendar.weekly_ranges(name, {"mon-fri": [(self.start, self.end)]}, **kw)
        days = {k: [tuple(r.replace(" ", "").split("-", 1)) for r in v] for k, v in self.ranges.items()}
        for k, v in days.items():
            if any(len(r) != 2 for r in v):
                raise ValueError(f"ranges.{k}: expected 'HH:MM-HH:MM'")
        return Calendar.weekly_ranges(name, days, **kw)  # type: ignore[arg-type]


@dataclass(frozen=True, kw_only=True)
class ServiceConf:
    mode: Literal["all", "any", "k_of_n"] = "all"
    members: tuple[str, ...]
    k: int | None = None


@dataclass(frozen=True, kw_only=True)
class Guarantee:
    """GTI (first intervention) and GTR (restoration), counted in the contract calendar's hours."""

    gti: float | None = field(default=None, metadata={"duration": True, "min": 0.0})
    gtr: float | None = field(default=None, metadata={"duration": True, "min": 0.0})


@dataclass(frozen=True, kw_only=True)
class ResponseConf:
    """Response-time objectives measured by one HTTP check (``check`` = its ``name`` or URL)."""

    asset: str
    check: str = ""
    objectives: str   # "< 2 s for 80 %, < 5 s for 100 %"

    def __post_init__(self) -> None:
        try:
            parse_objectives(self.objectives)
        except ConfigError as err:
            raise ValueError(err.message) from err

    def parsed(self) -> tuple[Objective, ...]:
        return parse_objectives(self.objectives)


@dataclass(frozen=True, kw_only=True)
class ContractConf:
    target: float = field(metadata={"min": 0.0, "exclusive_min": True, "max": 100.0})  # percent
    calendar: str
    assets: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    unmeasured: Literal["exclude", "down", "up"] = "exclude"
    criticality: Level = "medium"        # feeds the incident impact (see incidents.py)
    response: tuple[ResponseConf, ...] = ()
    guarantees: Mapping[str, Guarantee] = field(default_factory=_empty)  # P1..P4

    def __post_init__(self) -> None:
        if not self.assets and not self.services:
            raise ValueError("a contract covers at least one asset or service")
        for p in self.guarantees:
            if p not in PRIORITIES:
                raise ValueError(f"guarantees: unknown priority {p!r} (P1..P4)")


@dataclass(frozen=True, kw_only=True)
class RecurrenceConf:
    weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    start: str
    end: str
    nth: int | None = None     # 1..5, -1 = last of the month
    since: str | None = None
    until: str | None = None

    def build(self) -> Recurrence:
        try:
            return Recurrence(WEEKDAYS.index(self.weekday), self.start, self.end, self.nth,
                              self.since, self.until)
        except ConfigError as err:
            raise ValueError(err.message) from err


@dataclass(frozen=True, kw_only=True)
class ExclusionConf:
    """A planned exclusion declared in the configuration; ``id`` keys it in the ledger (written once)."""

    id: str
    type: Literal["planned_maintenance", "force_majeure", "third_party", "client"] = "planned_maintenance"
    assets: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    contracts: tuple[str, ...] = ()
    start: str | None = None
    end: str | None = None
    every: RecurrenceConf | None = None
    author: str | None = None
    reason: str
    reference: str = ""

    def __post_init__(self) -> None:
        if (self.start is None) != (self.end is None):
            raise ValueError("give both 'start' and 'end'")
        if self.start is None and self.every is None:
            raise ValueError("give 'start' and 'end', or 'every'")
        if self.start is not None and self.end is not None and parse_local(self.end) <= parse_local(self.start):
            raise ValueError("'end' must be after 'start'")
        if self.every is not None:
            self.every.build()
        if not (self.assets or self.services or self.contracts):
            raise ValueError("scope is empty: give assets, services or contracts")

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True, default=str).encode()).hexdigest()

    def entry(self, *, default_author: str, declared_at: float) -> Entry:
        spans = ((parse_local(self.start), parse_local(self.end)),) if self.start and self.end else ()
        return Entry(type=self.type, author=self.author or default_author,
                     reason=self.reason, declared_at=declared_at, intervals=spans,
                     recurrence=self.every.build() if self.every else None, assets=self.assets,
                     services=self.services, contracts=self.contracts, reference=self.reference)


@dataclass(frozen=True, kw_only=True)
class ImpactConf:
    """Impact from dependents (assets behind it + services using it): >= high -> high, >= medium -> medium."""

    high: int = field(default=5, metadata={"min": 1})
    medium: int = field(default=1, metadata={"min": 1})


@dataclass(frozen=True, kw_only=True)
class SlaSection:
    calendars: Mapping[str, CalendarConf] = field(default_factory=_empty)
    services: Mapping[str, ServiceConf] = field(default_factory=_empty)
    contracts: Mapping[str, ContractConf] = field(default_factory=_empty)
    exclusions: tuple[ExclusionConf, ...] = ()
    author: str = "vigie"
    api_token: Secret | None = None
    impact: ImpactConf = field(default_factory=ImpactConf)
    tiers_parent_kinds: tuple[str, ...] = ("link", "ups", "pdu")
    refresh: float = field(default=10.0, metadata={"duration": True, "min": 1.0})
    ledger_key: Secret | None = None   # HMAC key of the exclusion ledger (see ledger.py)
    retention: float = field(default=RETENTION, metadata={"duration": True, "min": 86400.0})  # http_samples

    def ledger_key_bytes(self) -> bytes | None:
        return None if self.ledger_key is None else self.ledger_key.reveal().encode("utf-8")

    def __post_init__(self) -> None:
        for name, c in self.contracts.items():
            if c.calendar not in self.calendars:
                raise ValueError(f"contracts.{name}.calendar: unknown calendar {c.calendar!r}")
            for s in c.services:
                if s not in self.services:
                    raise ValueError(f"contracts.{name}.services: unknown service {s!r}")
        for name, s in self.services.items():
            try:
                Service(name, s.members, s.mode, s.k)
            except ConfigError as err:
                raise ValueError(f"services.{name}: {err.message}") from err
        try:
            service_order(self.engine_services())
        except ConfigError as err:
            raise ValueError(f"services: {err.message}") from err
        ids = [e.id for e in self.exclusions]
        if len(set(ids)) != len(ids):
            raise ValueError("exclusions: duplicate id")
        for e in self.exclusions:
            for s in e.services:
                if s not in self.services:
                    raise ValueError(f"exclusions.{e.id}.services: unknown service {s!r}")
            for c in e.contracts:
                if c not in self.contracts:
                    raise ValueError(f"exclusions.{e.id}.contracts: unknown contract {c!r}")

    # --- converters ----------------------------------------------------------------------------
    def engine_calendars(self) -> dict[str, Calendar]:
        return {n: c.build(n) for n, c in self.calendars.items()}

    def engine_services(self) -> dict[str, Service]:
        return {n: Service(n, s.members, s.mode, s.k) for n, s in self.services.items()}

    def engine_contracts(self) -> dict[str, Contract]:
        cals = self.engine_calendars()
        return {n: Contract(n, c.target, cals[c.calendar], c.assets, c.services, c.unmeasured)
                for n, c in self.contracts.items()}

    def service_assets(self, name: str) -> list[str]:
        """Assets under a service, transitively."""
        out: list[str] = []
        for m in self.services[name].members:
            out.extend(self.service_assets(m) if m in self.services else [m])
        return out


def check_assets(section: SlaSection, assets: Iterable[str]) -> list[ConfigError]:
    """Asset names in the sla section that the inventory does not define."""
    known = set(assets)
    errors: list[ConfigError] = []

    def need(name: str, path: str) -> None:
        if name not in known and name not in section.services:
            errors.append(ConfigError(f"unknown asset {name!r}", path=path))

    for name, s in section.services.items():
        for i, m in enumerate(s.members):
            need(m, f"sla.services.{name}.members[{i}]")
    for name, c in section.contracts.items():
        for i, a in enumerate(c.assets):
            need(a, f"sla.contracts.{name}.assets[{i}]")
        for i, r in enumerate(c.response):
            need(r.asset, f"sla.contracts.{name}.response[{i}].asset")
    for e in section.exclusions:
        for i, a in enumerate(e.assets):
            need(a, f"sla.exclusions.{e.id}.assets[{i}]")
    return errors


def overlap_warnings(section: SlaSection) -> list[str]:
    """Contracts listing an asset that is also under one of their services: the pooled contract
    figure (an NHT-weighted mean of the members) then counts that asset's outages twice."""
    out = []
    for name, c in section.contracts.items():
        for i, a in enumerate(c.assets):
            inside = [s for s in c.services if a in section.service_assets(s)]
            if inside:
                out.append(f"sla.contracts.{name}.assets[{i}]: {a!r} is also a member of service(s) "
                           f"{', '.join(inside)}; the contract's pooled figure counts its outages twice")
    return out
