"""The ``sla:`` section of the configuration (calendars, services, contracts, exclusions)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class SlaSection:
    """Placeholder until the SLA configuration lands: accepts an empty ``sla:`` mapping."""
