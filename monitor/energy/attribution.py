"""Host wall power split between its VMs, conserving the total.

Over one interval, with host wall power ``P`` (Redfish or PDU outlet) and the host's idle power
``P_idle`` (Wmin of its linear model), ``P_dyn = max(P - P_idle, 0)`` and ``P_idle' = P - P_dyn``:

* **allocated**: ``VM_i = P_idle' x vcpu_i / V + P_dyn x cpu_i / C`` where ``V`` is the vCPUs of the
  powered-on VMs (or the host's threads when given and larger: free capacity stays unallocated) and
  ``C`` the host's busy CPU time (or the VMs' total when unknown: hypervisor overhead is then shared);
* **marginal**: ``VM_i = P_dyn x cpu_i / C``, what the VM's activity adds;
* **unallocated**: what no VM carries. ``sum(allocated) + unallocated == P``, checked by
  :func:`residual`; ``sum(marginal) + marginal_unallocated == P_dyn``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping, Sequence

from monitor.energy.figure import Figure, Provenance


@dataclass(frozen=True, slots=True)
class VmUsage:
    name: str
    vcpus: int
    cpu_seconds: float      # CPU time consumed over the interval (all its vCPUs together)


@dataclass(frozen=True, slots=True)
class Attribution:
    host_w: float
    idle_w: float
    dynamic_w: float
    allocated: Mapping[str, float]
    marginal: Mapping[str, float]
    unallocated_w: float
    marginal_unallocated_w: float


def attribute(host_w: float, idle_w: float, vms: Sequence[VmUsage], *,
              host_cpu_seconds: float | None = None, host_threads: int | None = None) -> Attribution:
    """Split ``host_w`` between ``vms`` (powered-on VMs of this host over the interval)."""
    for name, v in (("host_w", host_w), ("idle_w", idle_w)):
        if not (math.isfinite(v) and v >= 0):
            raise ValueError(f"{name} must be finite and >= 0, got {v!r}")
    names = [vm.name for vm in vms]
    if len(set(names)) != len(names):
        raise ValueError("VM names must be unique")
    for vm in vms:
        if vm.vcpus < 0 or not (math.isfinite(vm.cpu_seconds) and vm.cpu_seconds >= 0):
            raise ValueError(f"invalid usage for VM {vm.name!r}")
    dynamic = max(host_w - idle_w, 0.0)
    idle = host_w - dynamic
    vcpu_total = sum(vm.vcpus for vm in vms)
    vcpu_den = max(vcpu_total, host_threads or 0)
    cpu_total = math.fsum(vm.cpu_seconds for vm in vms)
    cpu_den = max(cpu_total, host_cpu_seconds or 0.0)

    allocated: dict[str, float] = {}
    marginal: dict[str, float] = {}
    for vm in vms:
        idle_share = idle * vm.vcpus / vcpu_den if vcpu_den else 0.0
        dyn_share = dynamic * vm.cpu_seconds / cpu_den if cpu_den else 0.0
        allocated[vm.name] = idle_share + dyn_share
        marginal[vm.name] = dyn_share
    # Computed from the shares left over, independently of the per-VM sums, so residual() checks.
    idle_left = idle * (1.0 - vcpu_total / vcpu_den) if vcpu_den else idle
    dyn_left = dynamic * (1.0 - cpu_total / cpu_den) if cpu_den else dynamic
    unallocated = idle_left + dyn_left
    marginal_unallocated = dyn_left
    return Attribution(host_w, idle, dynamic, MappingProxyType(allocated), MappingProxyType(marginal),
                       unallocated, marginal_unallocated)


def residual(a: Attribution) -> float:
    """host power - (sum of allocated VM power + unallocated): zero when conservation holds."""
    return a.host_w - (math.fsum(a.allocated.values()) + a.unallocated_w)


def marginal_residual(a: Attribution) -> float:
    """dynamic power - (sum of marginal VM power + marginal unallocated)."""
    return a.dynamic_w - (math.fsum(a.marginal.values()) + a.marginal_unallocated_w)


def vm_figure(a: Attribution, name: str, host: Figure, *, marginal: bool = False) -> Figure:
    """W of one VM as a modelled figure; the host's range is carried over proportionally."""
    share = (a.marginal if marginal else a.allocated)[name]
    k = share / a.host_w if a.host_w else 0.0
    return Figure(share, "W", Provenance.MODELLED if host.provenance is Provenance.MEASURED
                  else host.provenance, min(host.low * k, share), max(host.high * k, share),
                  host.sources + ("vm attribution: " + ("marginal" if marginal else "allocated"),))
