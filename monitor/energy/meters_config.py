"""Configuration of ``energy.meters``: which samples are power/energy meters, and what they feed.

Example::

    energy:
      meters:
        max_gap: 3m                  # default: 3 x the polled asset's fast interval
        feeds:
          - {meter: pdu-baie-mairie, match: {outlet: "7"}, asset: esxi-ct}
          - {meter: sw-poe-ecole, match: {port_name: Gi1/0/5}, asset: ap-ecole-1}
        sources:                     # added to (and checked before) the built-in table
          - {metric: vigie_acme_power_watts, role: acme, quantity: power, key: [unit]}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True, kw_only=True)
class SourceRule:
    """One metric that is a power (W) or energy (J counter) reading of a meter."""

    metric: str                              # full sample name, e.g. vigie_pdu_outlet_power_watts
    role: str                                # meter role: ups_output, pdu_outlet, poe_port...
    quantity: Literal["power", "energy"]
    key: tuple[str, ...] = ()                # labels that tell meters of one asset apart
    where: dict[str, str] = field(default_factory=dict)   # labels the sample must carry
    own: bool = False                        # the meter measures the polled asset itself


@dataclass(frozen=True, kw_only=True)
class Feed:
    """A meter of asset ``meter`` (an outlet, a PoE port) that powers asset ``asset``."""

    meter: str                               # the polled asset: the PDU, the PoE switch
    match: dict[str, str] = field(default_factory=dict)   # meter labels, e.g. {outlet: "7"}
    role: str | None = None                  # restrict to one role (pdu_outlet, poe_port...)
    asset: str                               # the asset powered


@dataclass(frozen=True, kw_only=True)
class MetersSection:
    enabled: bool = True
    max_gap: float | None = field(default=None, metadata={"duration": True, "min": 0.0,
                                                          "exclusive_min": True})
    feeds: tuple[Feed, ...] = ()
    sources: tuple[SourceRule, ...] = ()
