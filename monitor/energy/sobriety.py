"""The sobriety extension: targets outside opening hours, evaluated from poll results.

What it reads from results (sample names without the ``vigie_`` prefix):

* workstations (kind ``workstation``): an ICMP or SNMP poll that answered = on, else asleep/off;
* ``vm_power_state{vm,host,state}`` (monitor/probes/vmsamples.py: one sample per state, 1 for the
  current one): on when the current state is on/powered_on/running; without a ``state`` label, value
  1 = on; ESXi's ``vm_power_state_info{power_state}`` alike. VM density = running VMs per hypervisor
  **node**: the distinct ``host`` labels of ``vm_info``, ``vm_power_state`` and ``hypervisor_host_*``
  samples (a Nutanix or Proxmox cluster source reports several), or the source itself without any;
* ``poe_port_detection_status{group,port,state}``: an AP is powered when ``state=delivering_power``;
* ``printer_pages_total``, ``printer_duplex_pages_total``, ``printer_mono_pages_total``: counters;
* ``ups_input_power_watts`` / ``ups_output_power_watts``: partial PUE per site (UPS losses only, not the
  ISO/IEC 30134-2 PUE, which includes cooling).

On each tick it also records, for the month (:mod:`monitor.energy.sobriety_infra`), the meters
runtime's UPS input/output meters and the meters feeding Wi-Fi APs, and the VMs extension's
allocated W per powered-on VM.

Rows go to the sobriety tables (:mod:`monitor.energy.sobriety_db`); every ``refresh`` seconds the
month so far is recomputed off the event loop (:func:`month_sobriety_data`) and published as a
frozen snapshot the collector reads at scrape time.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterable, Mapping

from aiohttp import web
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric

from monitor.config.model import Asset, Config
from monitor.energy import baselines as bl
from monitor.energy.profiles import load_profiles
from monitor.energy.runtime import runtime_of
from monitor.energy.sobriety_config import KPIS
from monitor.energy.sobriety_db import Recorder, SobrietyDbError, connect
from monitor.energy.sobriety_infra import record_meters, record_vms
from monitor.energy.sobriety_month import SobrietyMonth, month_sobriety_data
from monitor.energy.vms import vms_of
from monitor.extensions import DaemonContext, Extension
from monitor.probes.base import Result
from monitor.sla.calendar import PARIS, Calendar

log = logging.getLogger(__name__)
ON_STATES = frozenset({"on", "powered_on", "poweredon", "running", "started"})
NODE_SAMPLES = frozenset({"vm_info", "vm_power_state", "hypervisor_host_cpu_threads",
                          "hypervisor_host_cpu_usage_ratio"})
PAGE_COUNTERS = {"printer_pages_total": "total", "printer_duplex_pages_total": "duplex",
                 "printer_mono_pages_total": "mono"}


@dataclass(frozen=True, slots=True)
class Published:
    """What a scrape reads: the month so far plus the latest instantaneous PUE per site."""

    month: SobrietyMonth | None = None
    pue: Mapping[str, float] = field(default_factory=dict)
    targets: Mapping[str, float] = field(default_factory=dict)


def families(p: Published) -> list[Metric]:
    """Metric families of a published snapshot (pure: tested on exposition text)."""
    ratio = GaugeMetricFamily("vigie_sobriety_kpi_ratio", "Sobriety KPI over the month so far (share of "
                              "compliant outside-hours windows, or change vs baseline).",
                              labels=["kpi", "site", "provenance"])
    target = GaugeMetricFamily("vigie_sobriety_kpi_target_ratio", "Configured target of the sobriety KPI.",
                               labels=["kpi"])
    met = GaugeMetricFamily("vigie_sobriety_kpi_met", "1 if the KPI meets its target, 0 if not (absent: "
                            "not measured).", labels=["kpi", "site"])
    kpp = GaugeMetricFamily("vigie_kwh_per_page", "Printer energy per page over the month so far.",
                            labels=["asset", "provenance"])
    duplex = GaugeMetricFamily("vigie_printer_duplex_ratio", "Share of duplex pages over the month so far.",
                               labels=["asset"])
    mono = GaugeMetricFamily("vigie_printer_mono_ratio", "Share of black & white pages over the month so far.",
                             labels=["asset"])
    pue = GaugeMetricFamily("vigie_pue_ratio", "Partial PUE (UPS losses only) per site: UPS input / UPS "
                            "output power; not the ISO/IEC 30134-2 PUE (no cooling).", labels=["site", "provenance"])
    wsw = GaugeMetricFamily("vigie_workstation_average_power_watts", "Mean power per workstation over "
                            "the month so far.", labels=["site", "provenance"])
    co2 = CounterMetricFamily("vigie_co2e_grams", "Emissions of the month so far in gCO2e (kWh x ADEME "
                              "grid factor); resets on the 1st of each month.", labels=["scope", "provenance"])
    ap = GaugeMetricFamily("vigie_access_point_energy_kwh_per_year", "Wi-Fi AP energy per year: mean power "
                           "over the metered time of the month x 8760 h (PoE meter; a projection, modelled), else "
                           "the ADEME yearly energy (factor).", labels=["asset", "site", "provenance"])
    ap_avg = GaugeMetricFamily("vigie_access_point_energy_kwh_per_year_average", "Mean kWh per year per Wi-Fi "
                               "AP (site and fleet), month so far.", labels=["site", "provenance"])
    vmw = GaugeMetricFamily("vigie_vm_power_watts_month_average", "Time-weighted mean allocated power per "
                            "powered-on VM over the month so far (host and fleet).", labels=["host", "provenance"])
    pue_m = GaugeMetricFamily("vigie_pue_month_ratio", "Partial PUE (UPS losses only) per site over the month "
                              "so far: UPS input / UPS output mean power from the meters; not the ISO/IEC 30134-2 "
                              "PUE (no cooling).", labels=["site", "provenance"])
    eur = CounterMetricFamily("vigie_energy_cost_euros", "Energy cost of the month so far (kWh x configured "
                              "tariff); resets on the 1st of each month.", labels=["scope", "provenance"])
    for kpi, value in sorted(p.targets.items()):
        target.add_metric([kpi], value)
    for site, value in sorted(p.pue.items()):
        pue.add_metric([site, "measured"], value)
    m = p.month
    if m is not None:
        for k in m.kpis:
            if k.ratio is not None:
                ratio.add_metric([k.kpi, k.site, str(k.ratio.provenance)], k.ratio.value)
                met.add_metric([k.kpi, k.site], 1.0 if k.met else 0.0)
        for asset, pages in sorted(m.pages.items()):
            n = pages.get("total", 0.0)
            if n > 0:
                for part, fam in (("duplex", duplex), ("mono", mono)):
                    if part in pages:
                        fam.add_metric([asset], pages[part] / n)
                e = m.assets_kwh.get(asset)
                if e is not None:
                    kpp.add_metric([asset, str(e.provenance)], e.value / n)
        for site, w in m.workstation_power.items():
            wsw.add_metric([site, str(w.provenance)], w.value)
        for scope, f in sorted(m.co2e.items()):
            co2.add_metric([scope, str(f.provenance)], f.value * 1000.0)   # kg -> g (base unit)
        for scope, f in sorted(m.cost.items()):
            eur.add_metric([scope, str(f.provenance)], f.value)
        for name, a in sorted(m.access_points.items()):
            ap.add_metric([name, a.site, str(a.kwh_year.provenance)], a.kwh_year.value)
        for site, f in sorted(m.ap_kwh_year.items()):
            ap_avg.add_metric([site, str(f.provenance)], f.value)
        for host, f in sorted(m.vm_power.items()):
            vmw.add_metric([host, str(f.provenance)], f.value)
        for site, p_ in sorted(m.pue.items()):
            pue_m.add_metric([site, str(p_.ratio.provenance)], p_.ratio.value)
    return [ratio, target, met, kpp, duplex, mono, pue, pue_m, wsw, co2, eur, ap, ap_avg, vmw]


class _Collector:
    def __init__(self, ext: "Sobriety") -> None:
        self._ext = ext

    def collect(self) -> Iterable[Metric]:
        return families(self._ext.published)


class Sobriety:
    name = "sobriety"

    def __init__(self, ctx: DaemonContext, *, refresh: float = 60.0) -> None:
        self._ctx = ctx
        self._refresh = refresh
        self.db_path = Path(ctx.config.daemon.state_dir) / "vigie.db"
        self._db = connect(self.db_path)
        self._profiles = load_profiles()
        self.published = Published()
        self._next = 0.0
        self._poe_seen: set[str] = set()
        self._vms_on: dict[str, tuple[int, int]] = {}  # hypervisor source -> (nodes, running VMs)
        self._ups: dict[str, tuple[float, float]] = {}  # asset -> (input W, output W)
        self._vm_t: float | None = None              # last tick that credited VM power
        self.reload(ctx.config)

    # --- Extension -----------------------------------------------------------------------------
    def collectors(self) -> Iterable[object]:
        return [_Collector(self)]

    def routes(self) -> Iterable[web.RouteDef]:
        return []

    def reload(self, config: Config) -> None:
        self._config = config
        conf = config.energy.sobriety
        self._conf = conf
        self._assets: dict[str, Asset] = {a.name: a for a in config.assets}
        self._cals: dict[str, Calendar | None] = {}
        self._rec = Recorder(self._db, conf.max_gap)
        bl.save(self._db, [bl.Baseline(b.name, b.scope, b.value, b.unit, b.date, b.source)
                           for b in conf.baselines], self._ctx.wall())
        self._next = 0.0

    def _cal(self, site: str) -> Calendar | None:
        if site not in self._cals:
            self._cals[site] = self._conf.calendar(site)
        return self._cals[site]

    def on_result(self, result: Result) -> None:
        asset = self._assets.get(result.asset)
        if asset is None:
            return
        try:
            self.observe(asset, result, self._ctx.wall())
        except sqlite3.Error as err:
            raise SobrietyDbError(f"cannot record the result of {result.asset}: {err}") from err

    def observe(self, asset: Asset, result: Result, t: float) -> None:
        """Record one poll result seen at ``t`` (public for tests that drive time)."""
        el, cal = self._conf.eligible, self._cal(asset.site)
        if (asset.kind == "workstation" and result.probe in ("icmp", "snmp") and cal is not None
                and el.match(asset.name, el.workstations)):
            self._rec.observe("workstations_off", asset.name, asset.site, cal, t, result.ok)
        vms_on, saw_vms, ups_in, ups_out = 0, False, 0.0, 0.0
        nodes: set[str] = set()
        for s in result.samples:
            name = s.name.removeprefix("vigie_")
            labels = dict(s.labels)
            if name in NODE_SAMPLES and labels.get("host"):
                nodes.add(labels["host"])
            if name in ("vm_power_state", "vm_power_state_info"):
                state = labels.get("state" if name == "vm_power_state" else "power_state")
                if state is not None and s.value != 1:
                    continue    # one sample per state, 1 for the current one
                saw_vms = True
                state = state.lower().replace(" ", "") if state is not None else None
                on = state in ON_STATES if state is not None else s.value == 1
                vms_on += on
                vm = labels.get("vm", "")
                if cal is not None and vm and el.match(vm, el.vms):
                    self._rec.observe("vms_off", vm, asset.site, cal, t, on)
            elif name == "poe_port_detection_status" and cal is not None and asset.site in el.wifi_sites:
                port = f"{asset.name}:{labels.get('group', '')}.{labels.get('port', '')}"
                on = labels.get("state") == "delivering_power"
                if el.ap_ports and port not in el.ap_ports:
                    continue
                if on:
                    self._poe_seen.add(port)
                if el.ap_ports or port in self._poe_seen:
                    self._rec.observe("aps_off", port, asset.site, cal, t, on)
            elif name in PAGE_COUNTERS and el.match(asset.name, el.printers):
                key = ",".join(f"{k}={v}" for k, v in s.labels)
                self._rec.pages(asset.name, PAGE_COUNTERS[name], key, t, s.value, result.uptime)
            elif name == "ups_input_power_watts":
                ups_in += s.value
            elif name == "ups_output_power_watts":
                ups_out += s.value
        if saw_vms:
            self._vms_on[asset.name] = (max(1, len(nodes)), vms_on)
        if ups_in or ups_out:
            self._ups[asset.name] = (ups_in, ups_out)

    async def tick(self, now: float) -> None:
        try:
            self._record(now)
        except sqlite3.Error as err:
            raise SobrietyDbError(f"cannot record the tick: {err}") from err
        if now < self._next:
            return
        self._next = now + self._refresh
        await asyncio.to_thread(self.publish, now)

    def _record(self, now: float) -> None:
        rt = runtime_of(self._ctx)
        if rt is not None:
            for name, asset in self._assets.items():
                e = rt.asset_energy(name) if asset.kind == "printer" else None
                if e is not None:
                    self._rec.energy(name, now, e.value)
            record_meters(self._rec, rt.snapshot(), self._assets, now)
        vms = vms_of(self._ctx)
        if vms is not None:
            self._vm_t = record_vms(self._rec, vms.report, self._vm_t, now, self._conf.max_gap)
        if self._vms_on:
            self._rec.density(now, sum(n for n, _ in self._vms_on.values()),
                              sum(v for _, v in self._vms_on.values()))

    def publish(self, now: float) -> None:
        """Recompute the month so far and swap the published snapshot."""
        d = datetime.fromtimestamp(now, PARIS)
        try:
            month = month_sobriety_data(self._config, self.db_path, d.year, d.month, now,
                                        profiles=self._profiles)
        except Exception:  # a bad row must not stop the daemon; logged once per refresh
            log.exception("sobriety: cannot compute the month")
            month = None
        self.published = Published(month, self._pue(), {k: self._conf.targets.get(k) for k in KPIS})

    def _pue(self) -> dict[str, float]:
        per: dict[str, list[float]] = {}
        for name, (i, o) in self._ups.items():
            site = self._assets[name].site if name in self._assets else ""
            c = per.setdefault(site, [0.0, 0.0])
            c[0] += i
            c[1] += o
        return {s: i / o for s, (i, o) in per.items() if o > 0 and i >= o}

    async def close(self) -> None:
        self._db.close()


def build(ctx: DaemonContext) -> Extension | None:
    """The sobriety extension, when opening hours are configured (``energy.sobriety.hours``)."""
    if not ctx.config.energy.sobriety.configured:
        return None
    return Sobriety(ctx)
