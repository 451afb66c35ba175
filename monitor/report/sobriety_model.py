"""What the monthly sobriety report shows: frozen values built from the sobriety engine's month.

Every quantity is a :class:`~monitor.energy.figure.Figure` (value, unit, provenance measured /
modelled / factor, low-high range, sources); ratios are in [0, 1] (shown as percent). The renderer
(:mod:`monitor.report.sobriety_render`) reads only these types and never the clock.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.energy.figure import Figure


@dataclass(frozen=True, slots=True, kw_only=True)
class Scope:
    """Consumption of one perimeter (a site, a kind of equipment, or the total) over the month."""

    axis: str                      # "site", "kind" or "total"
    name: str                      # site id, kind id, "total"
    kwh: Figure
    kgco2e: Figure
    eur: Figure | None             # None without a configured tariff
    shares: dict[str, float]       # provenance -> share of the kWh (by value), sums to 1
    assets: int                    # assets with an energy figure in this scope
    previous_kwh: Figure | None = None   # same scope, previous month (None: nothing then)
    partial: tuple[tuple[str, float], ...] = ()   # (asset, coverage) measured on part of the month only


@dataclass(frozen=True, slots=True, kw_only=True)
class Indicator:
    """One line of the indicators table: a tender KPI against its target, or a tracked figure."""

    key: str                       # stable identifier, e.g. "workstations_off", "kwh_per_page"
    label: str                     # French label
    scope: str                     # site id, asset, or "fleet"
    value: Figure | None           # None: not measured
    unit: str                      # "ratio", "W", "kWh/an", "kWh/page", "VM/nœud"...
    target: float | None           # a ratio target, None for a figure tracked without a target
    status: str                    # "atteint", "non atteint", "non mesuré", "suivi"
    detail: str = ""               # how it was counted (e.g. "9/10 fenêtres hors horaires")


@dataclass(frozen=True, slots=True, kw_only=True)
class Printer:
    name: str
    site: str
    pages: float | None            # None: no page counted this month
    duplex: float | None           # pages (None: counter not read)
    mono: float | None
    kwh: Figure | None
    kwh_per_page: Figure | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Gain:
    """Energy saved vs a stored baseline (negative: a drift), with euros and kgCO2e."""

    name: str                      # baseline name (workstation_power, energy...)
    scope: str
    baseline: str                  # "42 W (Audit DSI 2025, 2025-10-01)"
    kwh: Figure
    eur: Figure | None
    kgco2e: Figure | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Consumer:
    rank: int
    name: str
    site: str
    kind: str
    kwh: Figure
    share: float | None            # of the month's total
    kgco2e: Figure | None = None
    eur: Figure | None = None      # None without a configured tariff


@dataclass(frozen=True, slots=True, kw_only=True)
class Action:
    title: str
    owner: str
    status: str                    # planned, in_progress, done, dropped
    due: str                       # ISO date or ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Factor:
    """A constant used by the report, with its source and edition year."""

    label: str
    value: float
    low: float
    high: float
    unit: str
    sources: tuple[str, ...]
    year: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Room:
    """A technical room (a site's UPSes): partial PUE = UPS input / UPS output over the month (UPS losses
    only, not the ISO/IEC 30134-2 PUE, which includes cooling)."""

    site: str                      # site id, or "fleet"
    pue: Figure                    # unit "PUE"
    input_kwh: Figure
    output_kwh: Figure
    ups: int


@dataclass(frozen=True, slots=True, kw_only=True)
class WifiAp:
    """One Wi-Fi access point: the month's energy and its yearly projection (or the ADEME factor)."""

    name: str
    site: str
    kwh: Figure
    kwh_year: Figure               # unit "kWh/an"
    metered_hours: float           # 0: not metered (factor)


@dataclass(frozen=True, slots=True, kw_only=True)
class SobrietyReport:
    year: int
    month: int
    start: float                   # epoch seconds, first instant of the month (Paris)
    end: float                     # first instant of the next month
    until: float                   # data cut: min(now, end)
    complete: bool                 # the month is over
    scopes: tuple[Scope, ...]      # total first, then kinds, then sites
    indicators: tuple[Indicator, ...]
    printers: tuple[Printer, ...]
    gains: tuple[Gain, ...]
    alerts: tuple[str, ...]        # French sentences
    top: tuple[Consumer, ...]
    assets: tuple[tuple[str, Figure], ...]   # every asset with an energy figure, by name
    actions: tuple[Action, ...]
    measured_share: float | None   # share of the month's kWh measured (by value)
    factors: tuple[Factor, ...]
    profiles_version: int
    sources: dict[str, str]        # source id -> title (cited in the method appendix)
    rooms: tuple[Room, ...] = ()   # PUE per site, "fleet" first
    access_points: tuple[WifiAp, ...] = ()
    unmetered: tuple[str, ...] = ()   # assets with neither a meter nor a kind profile (not counted)
    coverage: tuple[tuple[str, float], ...] = ()   # measured asset -> metered s / month so far

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def scope(self, axis: str, name: str) -> Scope | None:
        return next((s for s in self.scopes if s.axis == axis and s.name == name), None)
