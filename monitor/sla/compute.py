"""Monthly availability figures, as the contracts define them, each with the intervals behind it.

For one asset or service over a month ``[start, end)`` (Paris local midnights), measured up to
``until = min(now, end)``:

* NHT = service time of the calendar in ``[start, until)`` minus applied exclusions;
* NHI = down + unreachable time inside NHT (plus unmeasured time under policy ``down``);
* unmeasured time inside NHT: policy ``exclude`` removes it from the denominator (and coverage
  says how much), ``up`` counts it as available, ``down`` counts it in NHI;
* rate = (D - NHI) / D x 100 with D the denominator after the policy; ``None`` when D = 0;
* projection: the rest of the month's service time (minus exclusions declared so far) is
  *assumed up and measured*; the error budget is (1 - target) x the projected month denominator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Mapping, Sequence

from monitor.errors import ConfigError
from monitor.sla import intervals as iv
from monitor.sla.calendar import month_bounds
from monitor.sla.contract import Contract, Service, service_order
from monitor.sla.ledger import Entry, Occurrence, occurrences
from monitor.sla.timeline import Timeline, build, combine, override
from monitor.state import DOWN, UNMEASURED, UP
from monitor.store import Transition

PROJECTION_NOTE = "projection assumes the remaining service time of the month is up and measured"


@dataclass(frozen=True, slots=True)
class Period:
    label: str  # "2026-10"
    start: float
    end: float

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        a, b = month_bounds(year, month)
        return cls(f"{year:04d}-{month:02d}", a, b)


@dataclass(frozen=True, slots=True)
class Totals:
    nht: float            # seconds: calendar time minus exclusions, up to `until`
    nhi: float            # seconds counted unavailable
    down: float           # down + unreachable seconds inside NHT
    unmeasured: float     # unmeasured seconds inside NHT
    denominator: float    # NHT after the unmeasured policy
    rate: float | None    # percent; None when denominator is 0 ("no service hours")
    coverage: float | None  # percent of NHT measured
    month_nht: float      # NHT of the whole month (exclusions declared so far)
    month_denominator: float
    projected_rate: float | None
    budget_seconds: float | None       # down time the target allows over the month
    budget_remaining_seconds: float | None
    met: bool | None      # month-to-date rate >= target


@dataclass(frozen=True, slots=True)
class Figure:
    name: str
    kind: Literal["asset", "service"]
    period: Period
    until: float
    policy: str
    target_percent: float
    service: iv.Intervals      # calendar service time in [start, until)
    excluded: iv.Intervals     # part of it removed by exclusions
    nht_intervals: iv.Intervals
    down: iv.Intervals         # unavailable inside NHT
    unmeasured: iv.Intervals   # unmeasured inside NHT
    exclusions: tuple[Occurrence, ...]
    inherited: iv.Intervals    # service down time explained by members' exclusions (excluded)
    totals: Totals
    notes: tuple[str, ...] = (PROJECTION_NOTE,)


@dataclass(frozen=True, slots=True)
class ContractResult:
    contract: str
    period: Period
    now: float
    members: tuple[Figure, ...]
    totals: Totals  # pooled over members: sums of NHT, NHI and denominators


def totals(*, nht: float, down: float, unmeasured: float, month_nht: float, policy: str,
           target_percent: float) -> Totals:
    if policy == "exclude":
        den, nhi = nht - unmeasured, down
    elif policy == "down":
        den, nhi = nht, down + unmeasured
    elif policy == "up":
        den, nhi = nht, down
    else:
        raise ConfigError(f"unknown unmeasured policy {policy!r}")
    month_den = den + (month_nht - nht)
    rate = (den - nhi) / den * 100 if den > 0 else None
    proj = (month_den - nhi) / month_den * 100 if month_den > 0 else None
    budget = (1 - target_percent / 100) * month_den if month_den > 0 else None
    return Totals(
        nht=nht, nhi=nhi, down=down, unmeasured=unmeasured, denominator=den, rate=rate,
        coverage=(nht - unmeasured) / nht * 100 if nht > 0 else None,
        month_nht=month_nht, month_denominator=month_den, projected_rate=proj,
        budget_seconds=budget, budget_remaining_seconds=None if budget is None else budget - nhi,
        met=None if rate is None else rate >= target_percent)


def figure(name: str, kind: Literal["asset", "service"], tl: Timeline, *, period: Period,
           month_service: iv.Intervals, occs: Sequence[Occurrence], policy: str,
           target_percent: float, inherited: Sequence[iv.Interval] = (),
           member_occs: Sequence[Occurrence] = ()) -> Figure:
    """Figures for one timeline; ``tl.end`` is ``until``; ``month_service`` covers the whole period."""
    until = tl.end
    excl_all = iv.normalize((o.start, o.end) for o in occs)
    month_nht_iv = iv.subtract(month_service, iv.union(excl_all, list(inherited)))
    service = iv.clip(month_service, period.start, until)
    excluded = iv.intersect(service, iv.union(excl_all, list(inherited)))
    nht_iv = iv.subtract(service, excluded)
    down = iv.intersect(nht_iv, tl.unavailable())
    unm = iv.intersect(nht_iv, tl.of(UNMEASURED))
    t = totals(nht=iv.total(nht_iv), down=iv.total(down), unmeasured=iv.total(unm),
               month_nht=iv.total(month_nht_iv),
               policy=policy, target_percent=target_percent)
    used = tuple(o for o in occs if iv.intersect([(o.start, o.end)], service)) + tuple(
        o for o in member_occs if iv.intersect([(o.start, o.end)], list(inherited)))
    return Figure(name, kind, period, until, policy, target_percent, service, excluded, nht_iv,
                  down, unm, used, list(inherited), t)


def compute_contract(contract: Contract, *, period: Period, now: float,
                     transitions: Mapping[str, Sequence[Transition]],
                     services: Mapping[str, Service], entries: Sequence[Entry]) -> ContractResult:
    """Figures of every asset and service of ``contract`` for ``period``, measured up to ``now``.

    ``transitions`` maps each asset to its transitions sorted by time (history before the period
    may be included). Assets of services are computed but only the contract's scope is returned.
    """
    until = min(max(now, period.start), period.end)
    month_service = contract.calendar.intervals(period.start, period.end)
    occs_all = occurrences(entries, period.start, period.end)
    by_entry = {e.id: e for e in entries}
    named: dict[str, list[Occurrence]] = {}
    whole: list[Occurrence] = []  # scoped to this contract
    for o in occs_all:
        e = by_entry[o.entry]
        for name in {*e.assets, *e.services}:
            named.setdefault(name, []).append(o)
        if contract.name in e.contracts:
            whole.append(o)

    def occs_for(name: str, with_contract: bool) -> list[Occurrence]:
        own = named.get(name, [])
        if not with_contract or not whole:
            return own
        return sorted({*own, *whole}, key=lambda o: (o.start, o.entry))

    real: dict[str, Timeline] = {}
    opt: dict[str, Timeline] = {}  # members' exclusions forced up: what the service would be

    def asset(name: str) -> Timeline:
        if name not in real:
            real[name] = build(transitions.get(name, ()), period.start, until)
            spans = iv.normalize((o.start, o.end) for o in occs_for(name, False))
            opt[name] = override(real[name], spans, UP)
        return real[name]

    needed = _needed_services(contract, services)
    for name in service_order({n: services[n] for n in needed}):
        svc = services[name]
        for m in svc.members:
            if m not in services:
                asset(m)
        real[name] = combine([real[m] for m in svc.members], svc.needed, period.start, until)
        spans = iv.normalize((o.start, o.end) for o in occs_for(name, False))
        opt[name] = override(combine([opt[m] for m in svc.members], svc.needed, period.start,
                                     until), spans, UP)

    figs: list[Figure] = []
    for name in contract.assets:
        tl = asset(name)
        figs.append(figure(name, "asset", tl, period=period, month_service=month_service,
                           occs=occs_for(name, True), policy=contract.unmeasured,
                           target_percent=contract.target_percent))
    for name in contract.services:
        inherited = iv.subtract(real[name].of(DOWN), opt[name].of(DOWN))
        inner = [o for m in _members(name, services) for o in occs_for(m, False)]
        figs.append(figure(name, "service", real[name], period=period, month_service=month_service,
                           occs=occs_for(name, True), policy=contract.unmeasured,
                           target_percent=contract.target_percent, inherited=inherited,
                           member_occs=inner))
    pooled = totals(nht=sum(f.totals.nht for f in figs), down=sum(f.totals.down for f in figs),
                    unmeasured=sum(f.totals.unmeasured for f in figs),
                    month_nht=sum(f.totals.month_nht for f in figs), policy=contract.unmeasured,
                    target_percent=contract.target_percent)
    return ContractResult(contract.name, period, now, tuple(figs), pooled)


def _members(name: str, services: Mapping[str, Service]) -> list[str]:
    """Every asset and service under ``name``, transitively."""
    out: list[str] = []
    for m in services[name].members:
        out.append(m)
        if m in services:
            out.extend(_members(m, services))
    return out


def _needed_services(contract: Contract, services: Mapping[str, Service]) -> set[str]:
    out: set[str] = set()
    todo = list(contract.services)
    while todo:
        n = todo.pop()
        if n not in services:
            raise ConfigError(f"contract {contract.name}: unknown service {n}")
        if n not in out:
            out.add(n)
            todo.extend(m for m in services[n].members if m in services)
    return out
