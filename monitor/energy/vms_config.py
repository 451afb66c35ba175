"""Configuration of ``energy.vms``: which hypervisor hosts to split into W per VM, and how.

Example (main configuration file)::

    energy:
      vms:
        methods: [allocated, marginal]
        hosts:
          - name: ntnx-node-1              # the host as the source names it (Nutanix host name,
            source: prism                  #   Proxmox node); the asset whose probe lists its VMs
            power:                         # wall power: summed over the entries (dual PSUs)
              - {asset: pdu-salle-serveur, metric: vigie_pdu_outlet_power_watts, labels: {outlet: "3"}}
              - {asset: pdu-salle-serveur, metric: vigie_pdu_outlet_power_watts, labels: {outlet: "4"}}
            idle_w: 250                    # measured idle wall power (else profile x threads)
          - name: esxi-mairie              # ESXi over SNMP: the source is the host itself
            source: esxi-mairie
            power: [{asset: esxi-mairie-ilo}]   # metric defaults to vigie_redfish_power_watts
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

REDFISH_POWER = "vigie_redfish_power_watts"
PDU_OUTLET_POWER = "vigie_pdu_outlet_power_watts"


@dataclass(frozen=True, kw_only=True)
class PowerSource:
    """Samples of one asset that give (part of) a host's wall power, in W."""

    asset: str
    metric: str = REDFISH_POWER
    labels: dict[str, str] = field(default_factory=dict)   # every label listed must match


@dataclass(frozen=True, kw_only=True)
class VmHost:
    name: str
    source: str                                  # asset polled by nutanix / proxmox / snmp (ESXi)
    power: tuple[PowerSource, ...] = ()
    idle_w: float | None = field(default=None, metadata={"min": 0})
    threads: int | None = field(default=None, metadata={"min": 1})   # when the source has none


@dataclass(frozen=True, kw_only=True)
class VmsSection:
    hosts: tuple[VmHost, ...] = ()
    methods: tuple[Literal["allocated", "marginal"], ...] = ("allocated", "marginal")


def check(section: VmsSection, assets: set[str]) -> list[str]:
    """Cross-references the binder cannot see: ``energy.vms.hosts[i].<field>: message`` lines."""
    out = []
    seen: set[str] = set()
    for i, h in enumerate(section.hosts):
        where = f"energy.vms.hosts[{i}]"
        if h.name in seen:
            out.append(f"{where}.name: host {h.name!r} listed twice")
        seen.add(h.name)
        if h.source not in assets:
            out.append(f"{where}.source: unknown asset {h.source!r}")
        for j, p in enumerate(h.power):
            if p.asset not in assets:
                out.append(f"{where}.power[{j}].asset: unknown asset {p.asset!r}")
    return out
