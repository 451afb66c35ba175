"""Configuration of ``energy.sobriety``: opening hours, eligible scopes, targets, tariff, baselines.

Defaults are the tender's indicative targets (``../shared/DOMAIN.md``, digital sobriety). Opening
hours reuse the SLA calendars (:class:`monitor.sla.config.CalendarConf`, Europe/Paris wall clock);
outside hours is their complement. Example::

    energy:
      sobriety:
        hours:
          default: {kind: weekly, ranges: {mon-fri: ["08:00-19:00"]}, holidays: true}
          ecole-a: {kind: weekly, ranges: {mon-tue: ["08:00-17:00"], thu-fri: ["08:00-17:00"]}}
        eligible: {vms: ["test-*", "*-rec"], wifi_sites: [ecole-a], printers: ["copieur-*"]}
        tariff: {eur_per_kwh: 0.2516, source: "Contrat EDF collectivites", year: 2026}
        baselines:
          - {name: workstation_power, scope: fleet, value: 42.0, unit: W, date: 2025-10-01,
             source: "Audit DSI 2025"}
        actions:
          - {title: "Extinction des PoE des ecoles la nuit", owner: DSI, status: in_progress, due: 2026-12-31}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from fnmatch import fnmatchcase
from types import MappingProxyType
from typing import Literal

from monitor.energy.indicators import Tariff
from monitor.sla.calendar import Calendar
from monitor.sla.config import CalendarConf

KPIS = ("workstations_off", "vms_off", "vm_density_gain", "pages_reduction", "duplex", "mono", "aps_off")


def _empty() -> Mapping:
    return MappingProxyType({})


def _ratio(**extra: float) -> dict:
    return {"min": 0.0, "max": 1.0, **extra}


@dataclass(frozen=True, kw_only=True)
class Eligible:
    """Scopes the targets apply to. Patterns are shell-style (``fnmatch``), case-sensitive."""

    workstations: tuple[str, ...] = ("*",)   # asset names of kind workstation
    vms: tuple[str, ...] = ()                # non-production VM names (none eligible by default)
    wifi_sites: tuple[str, ...] = ()         # sites whose APs must be off outside hours
    ap_ports: tuple[str, ...] = ()           # "switch:group.port" PoE ports feeding APs; empty: all
    printers: tuple[str, ...] = ("*",)       # targeted printers (pages, duplex, B&W)

    @staticmethod
    def match(name: str, patterns: tuple[str, ...]) -> bool:
        return any(fnmatchcase(name, p) for p in patterns)


@dataclass(frozen=True, kw_only=True)
class Targets:
    """Ratios in [0, 1]; ``vm_density_gain`` and ``pages_reduction`` are relative to the baseline."""

    workstations_off: float = field(default=0.90, metadata=_ratio())
    vms_off: float = field(default=0.80, metadata=_ratio())
    vm_density_gain: float = field(default=0.10, metadata=_ratio())
    pages_reduction: float = field(default=0.30, metadata=_ratio())
    duplex: float = field(default=0.95, metadata=_ratio())
    mono: float = field(default=0.95, metadata=_ratio())
    aps_off: float = field(default=1.0, metadata=_ratio())

    def get(self, kpi: str) -> float:
        return float(getattr(self, kpi))


@dataclass(frozen=True, kw_only=True)
class TariffConf:
    eur_per_kwh: float = field(metadata={"min": 0.0})
    source: str
    year: int = field(metadata={"min": 1990, "max": 2100})

    def tariff(self) -> Tariff:
        return Tariff(eur_per_kwh=self.eur_per_kwh, source=self.source, year=self.year)


@dataclass(frozen=True, kw_only=True)
class Co2eConf:
    """Grid factor: the profiles file's edition ``year``, or an explicit ``kg_per_kwh`` with its source."""

    year: int = field(default=2025, metadata={"min": 1990, "max": 2100})
    kg_per_kwh: float | None = field(default=None, metadata={"min": 0.0})
    source: str = ""

    def __post_init__(self) -> None:
        if self.kg_per_kwh is not None and not self.source:
            raise ValueError("an explicit kg_per_kwh needs its 'source'")


BaselineName = Literal["workstation_power", "vm_density", "pages", "energy"]


@dataclass(frozen=True, kw_only=True)
class BaselineConf:
    """A reference value: ``workstation_power`` (W per workstation), ``vm_density`` (running VMs per
    node), ``pages`` (pages in the month of ``date``), ``energy`` (kWh per month of a scope)."""

    name: BaselineName
    scope: str = "fleet"            # "fleet", a site id, or a kind for ``energy``
    value: float = field(metadata={"min": 0.0})
    unit: str
    date: str                       # ISO date the value was established (or the month it covers)
    source: str

    def __post_init__(self) -> None:
        date.fromisoformat(self.date)


@dataclass(frozen=True, kw_only=True)
class ActionConf:
    title: str
    owner: str = ""
    status: Literal["planned", "in_progress", "done", "dropped"] = "planned"
    due: str = ""

    def __post_init__(self) -> None:
        if self.due:
            date.fromisoformat(self.due)


@dataclass(frozen=True, kw_only=True)
class SobrietySection:
    enabled: bool = True
    hours: Mapping[str, CalendarConf] = field(default_factory=_empty)   # site id or "default"
    eligible: Eligible = field(default_factory=Eligible)
    targets: Targets = field(default_factory=Targets)
    grace: float = field(default=900.0, metadata={"duration": True, "min": 0.0})  # on-time tolerated
    max_gap: float = field(default=600.0, metadata={"duration": True, "min": 1.0})  # longer: unobserved
    tariff: TariffConf | None = None
    co2e: Co2eConf = field(default_factory=Co2eConf)
    baselines: tuple[BaselineConf, ...] = ()
    actions: tuple[ActionConf, ...] = ()

    def __post_init__(self) -> None:
        for site, conf in self.hours.items():
            conf.build(site)

    @property
    def configured(self) -> bool:
        """Something to evaluate: opening hours are the minimum."""
        return self.enabled and bool(self.hours)

    def calendar(self, site: str) -> Calendar | None:
        """Opening hours of ``site`` (its own, else ``default``); None when the site has none."""
        conf = self.hours.get(site) or self.hours.get("default")
        return conf.build(site) if conf is not None else None
