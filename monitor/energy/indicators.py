"""The tender's sobriety indicators, each a :class:`Figure` that carries its provenance and sources.

Energies enter as figures in kWh (see :func:`meter_energy`). A year is 8,760 h (365 days), the same
convention as the ``derived:`` arithmetic of ``data/energy_profiles.yml``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from monitor.counters import CounterState, Discontinuity, advance
from monitor.energy.accumulate import JOULES_PER_KWH, MeterState
from monitor.energy.figure import Figure, Provenance, mean, ratio
from monitor.energy.profiles import EmissionFactor

SECONDS_PER_YEAR = 365 * 86_400.0


def meter_energy(state: MeterState, sources: tuple[str, ...] = ()) -> Figure:
    """Energy a meter measured, in kWh (over its ``measured_s`` seconds only)."""
    return Figure.exact(state.joules / JOULES_PER_KWH, "kWh", Provenance.MEASURED, sources)


def joules_to_kwh(energy_j: Figure) -> Figure:
    if energy_j.unit != "J":
        raise ValueError(f"expected J, got {energy_j.unit}")
    return energy_j.scaled(1.0 / JOULES_PER_KWH, "kWh")


def _kwh(f: Figure) -> Figure:
    if f.unit != "kWh":
        raise ValueError(f"expected kWh, got {f.unit}")
    return f


def mean_watts(energy_kwh: Figure, seconds: float) -> Figure | None:
    """Average power over ``seconds`` (None for an empty period)."""
    if seconds <= 0:
        return None
    return _kwh(energy_kwh).scaled(JOULES_PER_KWH / seconds, "W")


def kwh_per_year(energy_kwh: Figure, seconds: float) -> Figure | None:
    """Energy over ``seconds`` brought to a year at the same average rate."""
    if seconds <= 0:
        return None
    return _kwh(energy_kwh).scaled(SECONDS_PER_YEAR / seconds, "kWh/year")


def meter_mean_watts(state: MeterState) -> Figure | None:
    """Average power over the time the meter actually measured."""
    return mean_watts(meter_energy(state), state.measured_s)


def group_means(values: Mapping[str, Figure], group_of: Mapping[str, str], unit: str
                ) -> tuple[dict[str, Figure], Figure | None]:
    """Mean per group (e.g. W per workstation per site) and over all (the fleet)."""
    groups: dict[str, list[Figure]] = {}
    for asset, fig in values.items():
        groups.setdefault(group_of[asset], []).append(fig)
    per = {g: m for g, figs in sorted(groups.items()) if (m := mean(figs, unit)) is not None}
    return per, mean(values.values(), unit)


def measured_share(figures: Iterable[Figure]) -> float | None:
    """Share of figures (by value) that are measured: the report's "share measured"."""
    figs = list(figures)
    whole = math.fsum(f.value for f in figs)
    if whole <= 0:
        return None
    return math.fsum(f.value for f in figs if f.provenance is Provenance.MEASURED) / whole


# --- printing --------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class CounterDelta:
    """Increase of a device counter over readings, with the discontinuities seen."""

    delta: float
    resets: int
    wraps: int
    state: CounterState | None


def counter_delta(readings: Sequence[tuple[float, float | None]], *, bits: int = 0,
                  state: CounterState | None = None) -> CounterDelta:
    """Increase of a counter from (raw, uptime) readings in time order.

    Page counters (prtMarkerLifeCount, PWG impressions) are Counter32 but never wrap in practice:
    with the default ``bits=0`` a decrease is a reset (agent or controller replaced) and what the
    counter shows afterwards is counted from zero; the pages between the last reading and the reset
    are lost, as on the device.
    """
    resets = wraps = 0
    start = state.total if state is not None else None
    for raw, uptime in readings:
        state, disc = advance(state, raw, bits, uptime)
        if start is None:
            start = state.total
        resets += disc is Discontinuity.RESET
        wraps += disc is Discontinuity.WRAP
    delta = state.total - start if state is not None and start is not None else 0.0
    return CounterDelta(delta, resets, wraps, state)


def kwh_per_page(energy_kwh: Figure, pages: float) -> Figure | None:
    """Printer energy / pages over the same period (None when nothing was printed)."""
    if pages <= 0:
        return None
    return _kwh(energy_kwh).scaled(1.0 / pages, "kWh/page")


def page_ratio(part: float, whole: float) -> Figure | None:
    """Share of pages (duplex, black & white) over the same period, from measured counters."""
    if whole <= 0:
        return None
    if not 0 <= part <= whole:
        raise ValueError(f"part {part} not within 0..{whole}")
    return Figure.exact(part / whole, "ratio", Provenance.MEASURED)


# --- network, rooms, conversions -------------------------------------------------------------------

def kwh_per_ap_year(ap_energies_kwh: Sequence[Figure], seconds: float) -> Figure | None:
    """kWh per access point per year: mean of the APs' PoE energies, annualised."""
    m = mean((_kwh(f) for f in ap_energies_kwh), "kWh")
    return kwh_per_year(m, seconds) if m is not None else None


def pue(facility_kwh: Figure, it_kwh: Figure) -> Figure | None:
    """PUE = total facility energy / IT energy over the same period (ISO/IEC 30134-2).

    Per technical room, facility = UPS input and IT = UPS output: this covers the UPS losses only
    (a partial PUE) unless the facility meter also feeds cooling. None when IT energy is zero.
    """
    return ratio(_kwh(facility_kwh), _kwh(it_kwh), "ratio")


@dataclass(frozen=True, slots=True, kw_only=True)
class Tariff:
    """Electricity price, configured by the town (EUR per kWh, all taxes as they choose)."""

    eur_per_kwh: float
    source: str
    year: int

    def __post_init__(self) -> None:
        if not (math.isfinite(self.eur_per_kwh) and self.eur_per_kwh >= 0):
            raise ValueError("tariff must be finite and >= 0")


def co2e(energy_kwh: Figure, factor: EmissionFactor) -> Figure:
    """kgCO2e = kWh x grid factor (ADEME Base Empreinte, per year edition)."""
    return _kwh(energy_kwh).scaled(factor.kg_per_kwh, "kgCO2e", sources=factor.citations)


def cost(energy_kwh: Figure, tariff: Tariff) -> Figure:
    """EUR = kWh x tariff."""
    return _kwh(energy_kwh).scaled(tariff.eur_per_kwh, "EUR", sources=(f"{tariff.source} ({tariff.year})",))
