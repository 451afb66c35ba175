"""The ``energy:`` section of the configuration (sources, opening hours, targets, tariffs)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class EnergySection:
    """Placeholder until the energy configuration lands: accepts an empty ``energy:`` mapping."""
