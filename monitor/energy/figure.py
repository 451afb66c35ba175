"""The value every energy result is: a number with its unit, provenance, min-max range and sources.

Provenance says how directly a figure rests on a measurement:

* ``measured``: from a meter or a device counter (UPS, PDU, PoE, Redfish, Printer-MIB);
* ``modelled``: computed by a model (state x profile power, linear server model, VM attribution);
* ``factor``: taken from a published factor alone (ADEME, Boavizta...), nothing of the asset measured.

Combining figures keeps the least direct provenance (measured < modelled < factor). Converting a
quantity with a constant (kWh -> kgCO2e, kWh -> EUR) keeps the quantity's provenance and adds the
constant's source: a CO2e figure from metered kWh is still "measured energy times a sourced factor".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Iterable


class Provenance(StrEnum):
    MEASURED = "measured"
    MODELLED = "modelled"
    FACTOR = "factor"


_RANK = {Provenance.MEASURED: 0, Provenance.MODELLED: 1, Provenance.FACTOR: 2}


def weakest(provenances: Iterable[Provenance]) -> Provenance:
    """The least direct of several provenances (measured < modelled < factor)."""
    return max(provenances, key=_RANK.__getitem__, default=Provenance.MEASURED)


def _merge_sources(*groups: tuple[str, ...]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for group in groups:
        for s in group:
            seen.setdefault(s, None)
    return tuple(seen)


@dataclass(frozen=True, slots=True)
class Figure:
    """A sourced figure. ``low <= value <= high``; a measured figure usually has low == high == value."""

    value: float
    unit: str
    provenance: Provenance
    low: float
    high: float
    sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("value", "low", "high"):
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"Figure.{name} must be finite, got {getattr(self, name)!r}")
        # Tolerate float rounding on ranges built by arithmetic.
        tol = 1e-9 * max(1.0, abs(self.value))
        if not (self.low - tol <= self.value <= self.high + tol):
            raise ValueError(f"Figure range [{self.low}, {self.high}] does not contain {self.value}")

    @classmethod
    def exact(cls, value: float, unit: str, provenance: Provenance,
              sources: tuple[str, ...] = ()) -> Figure:
        return cls(value, unit, provenance, value, value, sources)

    def scaled(self, k: float, unit: str, *, sources: tuple[str, ...] = ()) -> Figure:
        """Multiply by a non-negative constant (a unit conversion or a sourced factor)."""
        if k < 0:
            raise ValueError("scale factor must be >= 0")
        return Figure(self.value * k, unit, self.provenance, self.low * k, self.high * k,
                      _merge_sources(self.sources, sources))


def total(figures: Iterable[Figure], unit: str) -> Figure:
    """Sum of figures of one unit: ranges add, provenance is the weakest."""
    figs = list(figures)
    for f in figs:
        if f.unit != unit:
            raise ValueError(f"cannot add {f.unit} to {unit}")
    return Figure(math.fsum(f.value for f in figs), unit, weakest(f.provenance for f in figs),
                  math.fsum(f.low for f in figs), math.fsum(f.high for f in figs),
                  _merge_sources(*(f.sources for f in figs)))


def mean(figures: Iterable[Figure], unit: str) -> Figure | None:
    """Average of figures of one unit (None when there is none)."""
    figs = list(figures)
    if not figs:
        return None
    return total(figs, unit).scaled(1.0 / len(figs), unit)


def ratio(num: Figure, den: Figure, unit: str) -> Figure | None:
    """num / den with a conservative range (None when den could be zero)."""
    if den.low <= 0 or den.value <= 0:
        return None
    return Figure(num.value / den.value, unit, weakest((num.provenance, den.provenance)),
                  num.low / den.high, num.high / den.low, _merge_sources(num.sources, den.sources))
