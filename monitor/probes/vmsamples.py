"""What the hypervisor probes (nutanix, proxmox) share: inventory rows -> samples.

Every hypervisor source exports the same families so that the VM attribution
(``monitor/energy/vms.py``) reads them alike. Labels are bounded: ``vm`` (unique per source),
``host`` (node name), ``hypervisor`` and ``state`` (one of :data:`POWER_STATES`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from monitor.probes.base import Sample

POWER_STATES = ("on", "off", "paused", "suspended", "unknown")

HELP = {
    "vigie_vm_info": "Virtual machine known to the hypervisor source (1), with its host and hypervisor.",
    "vigie_vm_power_state": "VM power state (1 for the current one: on, off, paused, suspended, unknown).",
    "vigie_vm_vcpus": "Virtual CPUs of the VM (vCPUs x cores per vCPU where the source has both).",
    "vigie_vm_cpu_usage_ratio": "CPU use of the VM as a fraction of its own vCPUs (0-1), latest sample.",
    "vigie_vm_memory_bytes": "Memory configured for the VM.",
    "vigie_hypervisor_host_cpu_usage_ratio": "CPU use of the hypervisor host as a fraction of its threads.",
    "vigie_hypervisor_host_cpu_threads": "Logical CPUs (threads) of the hypervisor host.",
}


@dataclass(frozen=True, slots=True)
class VmRow:
    vm: str
    host: str                       # "" when the VM runs nowhere (off)
    state: str                      # one of POWER_STATES
    vcpus: int
    memory_bytes: float | None = None
    cpu_ratio: float | None = None  # fraction of the VM's vCPUs, None when unknown


@dataclass(frozen=True, slots=True)
class HostRow:
    host: str
    threads: int | None = None
    cpu_ratio: float | None = None


def inventory_samples(hypervisor: str, vms: Iterable[VmRow], hosts: Iterable[HostRow]) -> list[Sample]:
    out: list[Sample] = []
    for v in vms:
        lab = (("vm", v.vm), ("host", v.host))
        out.append(Sample("vigie_vm_info", 1.0, lab + (("hypervisor", hypervisor),), "info",
                          HELP["vigie_vm_info"]))
        for s in POWER_STATES:
            out.append(Sample("vigie_vm_power_state", 1.0 if v.state == s else 0.0,
                              lab + (("state", s),), help=HELP["vigie_vm_power_state"]))
        out.append(Sample("vigie_vm_vcpus", float(v.vcpus), lab, help=HELP["vigie_vm_vcpus"]))
        if v.memory_bytes is not None:
            out.append(Sample("vigie_vm_memory_bytes", v.memory_bytes, lab,
                              help=HELP["vigie_vm_memory_bytes"]))
        if v.cpu_ratio is not None:
            out.append(Sample("vigie_vm_cpu_usage_ratio", v.cpu_ratio, lab,
                              help=HELP["vigie_vm_cpu_usage_ratio"]))
    for h in hosts:
        lab = (("host", h.host),)
        if h.cpu_ratio is not None:
            out.append(Sample("vigie_hypervisor_host_cpu_usage_ratio", h.cpu_ratio, lab,
                              help=HELP["vigie_hypervisor_host_cpu_usage_ratio"]))
        if h.threads is not None:
            out.append(Sample("vigie_hypervisor_host_cpu_threads", float(h.threads), lab,
                              help=HELP["vigie_hypervisor_host_cpu_threads"]))
    return out


def unique_names(items: list[tuple[str, str]]) -> dict[str, str]:
    """``[(id, name)]`` -> ``{id: label}``: the name when unique, else ``name (id)``."""
    count: dict[str, int] = {}
    for _, name in items:
        count[name] = count.get(name, 0) + 1
    return {i: (n if count[n] == 1 and n else f"{n} ({i})") for i, n in items}


def number(value: Any) -> float | None:
    """A JSON number or numeric string (Prism sends stats as strings); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def clamp01(x: float) -> float:
    return min(max(x, 0.0), 1.0)
