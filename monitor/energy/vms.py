"""W per VM: hypervisor inventory (nutanix, proxmox, ESXi over SNMP) x host wall power.

Every ``tick`` reads the daemon's latest snapshot, and for each host of ``energy.vms.hosts``:

1. the powered-on VMs of that host from the source asset's samples (``vigie_vm_*`` of the
   nutanix/proxmox probes, or ``vigie_vm_vcpus`` / ``vigie_vm_power_state_info`` of the
   ``vmware_esxi`` SNMP profile, where all VMs belong to the polled host);
2. the host's wall power (:func:`snapshot_power`: summed power samples, measured);
3. its idle power: ``idle_w`` (configured, measured) or the server profile's per-vCPU idle W x the
   host's threads (factor, data/energy_profiles.yml);
4. :func:`monitor.energy.attribution.attribute` with busy vCPUs ``cpu_ratio x vcpus`` as each
   VM's CPU (a rate: the split is scale-free) and ``host ratio x threads`` as the host's. Without
   per-VM CPU (ESXi SNMP, or a VM whose stats failed) both parts are split by vCPU share
   (``basis="vcpu_share"``), said in the metric and in the figure's sources.

The result is a frozen :class:`VmsReport` swapped as a whole; the collector only reads it.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Callable, Iterable

from aiohttp import web
from prometheus_client.metrics_core import GaugeMetricFamily, Metric

from monitor.config.model import Config
from monitor.energy.attribution import VmUsage, attribute, marginal_residual, residual, vm_figure
from monitor.energy.figure import Figure, Provenance, mean
from monitor.energy.profiles import EnergyProfiles, PowerState, load_profiles
from monitor.energy.vms_config import PowerSource, VmHost, VmsSection, check
from monitor.errors import ConfigError
from monitor.exporter import AssetView, Snapshot
from monitor.extensions import DaemonContext, Extension
from monitor.probes.base import Result, Sample
from monitor.probes.vmsamples import unique_names

log = logging.getLogger(__name__)

SERVICE = "energy.vms"
VCPU_SHARE_NOTE = "cpu basis: vCPU share (no per-VM CPU from the source)"


@dataclass(frozen=True, slots=True)
class HostInventory:
    vms: tuple[VmUsage, ...]          # powered-on VMs; cpu_seconds = busy vCPUs (a rate)
    threads: int | None
    host_busy: float | None           # busy threads of the host, when known
    basis: str                        # "cpu_usage" or "vcpu_share"


@dataclass(frozen=True, slots=True)
class VmPower:
    vm: str
    host: str
    method: str
    basis: str
    figure: Figure


@dataclass(frozen=True, slots=True)
class HostReport:
    host: str
    power: Figure
    idle_w: float
    unallocated_w: float
    residual_w: float
    marginal_residual_w: float
    vms_on: int


@dataclass(frozen=True, slots=True)
class VmsReport:
    vms: tuple[VmPower, ...] = ()
    hosts: tuple[HostReport, ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()     # (host, reason): no_inventory, no_power, no_idle
    average: Figure | None = None                 # allocated W per powered-on VM, fleet


def _labels(s: Sample) -> dict[str, str]:
    return dict(s.labels)


def inventory(view: AssetView | None, host: str) -> HostInventory | None:
    """The powered-on VMs of ``host`` in the samples of its source asset, or None."""
    if view is None:
        return None
    samples = [s for pv in view.probes.values() for s in pv.samples]
    vcpus: dict[str, float] = {}
    state: dict[str, bool] = {}
    cpu: dict[str, float] = {}
    names: dict[str, str] = {}
    threads = busy_ratio = None
    loads: list[float] = []
    for s in samples:
        lab = _labels(s)
        if s.name == "vigie_host_processor_load_ratio":
            loads.append(s.value)
        if "host" in lab and lab["host"] != host:
            continue
        if s.name == "vigie_hypervisor_host_cpu_threads":
            threads = int(s.value)
        elif s.name == "vigie_hypervisor_host_cpu_usage_ratio":
            busy_ratio = s.value
        if "vm" not in lab:
            continue
        key = lab["vm"] if "host" in lab else lab.get("vm_index", lab["vm"])
        names[key] = lab["vm"]
        if s.name == "vigie_vm_vcpus":
            vcpus[key] = s.value
        elif s.name == "vigie_vm_power_state" and lab.get("state") == "on":
            state[key] = s.value == 1.0
        elif s.name == "vigie_vm_power_state_info":
            state[key] = lab.get("power_state", "").lower().replace(" ", "") in ("poweredon", "on")
        elif s.name == "vigie_vm_cpu_usage_ratio":
            cpu[key] = s.value
    if not vcpus:
        return None
    if threads is None and loads:                 # ESXi: one hrProcessorLoad row per thread
        threads, busy_ratio = len(loads), math.fsum(loads) / len(loads)
    on = sorted(k for k in vcpus if state.get(k))
    label = unique_names([(k, names[k]) for k in sorted(vcpus)]) if any(
        "host" not in _labels(s) for s in samples if s.name == "vigie_vm_vcpus") else names
    basis = "cpu_usage" if on and all(k in cpu for k in on) else "vcpu_share"
    usages = tuple(VmUsage(label[k], int(vcpus[k]), cpu[k] * vcpus[k] if basis == "cpu_usage"
                           else float(vcpus[k])) for k in on)
    host_busy = (busy_ratio * threads if basis == "cpu_usage" and busy_ratio is not None
                 and threads else None)
    return HostInventory(usages, threads, host_busy, basis)


def snapshot_power(snap: Snapshot, sources: Iterable[PowerSource]) -> Figure | None:
    """Host wall power from the latest power samples (measured); None if any part is missing."""
    total, cited = 0.0, []
    sources = tuple(sources)
    for src in sources:
        view = snap.get(src.asset)
        found = [s.value for pv in (view.probes.values() if view else ()) for s in pv.samples
                 if s.name == src.metric and all(_labels(s).get(k) == v for k, v in src.labels.items())]
        if not found:
            return None
        total += math.fsum(found)
        cited.append(f"{src.asset}:{src.metric}"
                     + "".join(f",{k}={v}" for k, v in sorted(src.labels.items())))
    return Figure.exact(total, "W", Provenance.MEASURED, tuple(cited)) if sources else None


PowerLookup = Callable[[Snapshot, VmHost], Figure | None]


def idle_power(h: VmHost, threads: int | None,
               profiles: EnergyProfiles | None) -> tuple[float, tuple[str, ...]] | None:
    """Idle W of the host and its sources: configured (measured) or profile x threads (factor)."""
    if h.idle_w is not None:
        return h.idle_w, ("configured idle wall power",)
    if threads and profiles is not None and "server" in profiles.kinds:
        idle = profiles.kinds["server"].power_per_vcpu.get(PowerState.IDLE)
        if idle is not None:
            return idle.value * threads, tuple(f"idle: {c}" for c in idle.citations)
    return None


def compute(section: VmsSection, snap: Snapshot, *, power: PowerLookup,
            profiles: EnergyProfiles | None) -> VmsReport:
    vms: list[VmPower] = []
    hosts: list[HostReport] = []
    skipped: list[tuple[str, str]] = []
    for h in section.hosts:
        inv = inventory(snap.get(h.source), h.name)
        if inv is None:
            skipped.append((h.name, "no_inventory"))
            continue
        host_fig = power(snap, h)
        if host_fig is None:
            skipped.append((h.name, "no_power"))
            continue
        threads = h.threads or inv.threads
        idle = idle_power(h, threads, profiles)
        if idle is None:
            skipped.append((h.name, "no_idle"))
            continue
        a = attribute(host_fig.value, idle[0], inv.vms, host_cpu_seconds=inv.host_busy,
                      host_threads=threads)
        extra = idle[1] + ((VCPU_SHARE_NOTE,) if inv.basis == "vcpu_share" else ())
        basis_fig = Figure(host_fig.value, "W", host_fig.provenance, host_fig.low, host_fig.high,
                           host_fig.sources + extra)
        for vm in inv.vms:
            for method in section.methods:
                vms.append(VmPower(vm.name, h.name, method, inv.basis,
                                   vm_figure(a, vm.name, basis_fig, marginal=method == "marginal")))
        hosts.append(HostReport(h.name, host_fig, a.idle_w, a.unallocated_w, residual(a),
                                marginal_residual(a), len(inv.vms)))
    allocated = [v.figure for v in vms if v.method == "allocated"]
    return VmsReport(tuple(vms), tuple(hosts), tuple(skipped), mean(allocated, "W"))


class VmsCollector:
    """Metric families from the latest published report (no I/O, no live state)."""

    def __init__(self, get: Callable[[], VmsReport]) -> None:
        self._get = get

    def collect(self) -> Iterable[Metric]:
        r = self._get()
        vm = GaugeMetricFamily("vigie_vm_power_watts", "Wall power attributed to the VM: allocated "
                               "(idle part by vCPU share + dynamic part by CPU share) or marginal "
                               "(dynamic part only).", labels=["vm", "host", "method", "provenance", "basis"])
        for v in r.vms:
            vm.add_metric([v.vm, v.host, v.method, v.figure.provenance, v.basis], v.figure.value)
        hp = GaugeMetricFamily("vigie_vm_host_power_watts", "Host wall power split between its VMs.",
                               labels=["host", "provenance"])
        un = GaugeMetricFamily("vigie_host_unallocated_power_watts", "Host power carried by no VM "
                               "(free capacity, hypervisor overhead).", labels=["host"])
        res = GaugeMetricFamily("vigie_vm_attribution_residual_watts", "Host power minus (sum of "
                                "allocated VM power + unallocated): the conservation check, ~0.",
                                labels=["host"])
        for h in r.hosts:
            hp.add_metric([h.host, h.power.provenance], h.power.value)
            un.add_metric([h.host], h.unallocated_w)
            res.add_metric([h.host], h.residual_w)
        sk = GaugeMetricFamily("vigie_vm_attribution_skipped", "1 for a configured host not "
                               "attributed, with the reason.", labels=["host", "reason"])
        for host, reason in r.skipped:
            sk.add_metric([host, reason], 1.0)
        avg = GaugeMetricFamily("vigie_vms_power_watts_average", "Mean allocated wall power per "
                                "powered-on VM over the attributed hosts (W/VM).",
                                labels=["provenance"])
        if r.average is not None:
            avg.add_metric([r.average.provenance], r.average.value)
        count = GaugeMetricFamily("vigie_vms_attributed", "Powered-on VMs with an attributed power.")
        count.add_metric([], float(sum(h.vms_on for h in r.hosts)))
        yield from (vm, hp, un, res, sk, avg, count)


class VmsExtension:
    name = "vms"

    def __init__(self, section: VmsSection, snapshot: Callable[[], Snapshot], *,
                 power: PowerLookup | None = None, profiles: EnergyProfiles | None = None) -> None:
        self._section = section
        self._snapshot = snapshot
        self._power = power or (lambda snap, h: snapshot_power(snap, h.power))
        self._profiles = profiles
        self.report = VmsReport()
        self._bad: set[str] = set()

    def collectors(self) -> Iterable[object]:
        return (VmsCollector(lambda: self.report),)

    def routes(self) -> Iterable[web.RouteDef]:
        return ()

    def on_result(self, result: Result) -> None:
        pass

    async def tick(self, now: float) -> None:
        report = compute(self._section, self._snapshot(), power=self._power, profiles=self._profiles)
        bad = {h.host for h in report.hosts if abs(h.residual_w) > 1e-6 * max(1.0, h.power.value)}
        for host in bad - self._bad:
            log.warning("VM attribution of %s does not conserve power", host)
        self._bad = bad
        self.report = report                        # one reference swap

    def reload(self, config: Config) -> None:
        self._section = config.energy.vms

    async def close(self) -> None:
        pass


def build(ctx: DaemonContext) -> Extension | None:
    section = ctx.config.energy.vms
    if not section.hosts:
        return None
    problems = check(section, {a.name for a in ctx.config.assets})
    if problems:
        raise ConfigError("; ".join(problems))
    ext = VmsExtension(section, ctx.snapshot, profiles=load_profiles())
    ctx.services[SERVICE] = ext
    return ext


def vms_of(ctx: DaemonContext) -> VmsExtension | None:
    """The VMs extension of this daemon (its latest ``report``), for extensions built after it."""
    ext = ctx.services.get(SERVICE)
    return ext if isinstance(ext, VmsExtension) else None
