"""The sobriety extension end to end (results in, gauges out) and ``promtool check metrics`` on its text."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from monitor.config.model import Asset, Config, DaemonOptions
from monitor.energy.config import EnergySection
from monitor.energy.sobriety import Sobriety
from monitor.energy.sobriety_config import BaselineConf, Eligible, SobrietySection, TariffConf
from monitor.probes.base import Reason, Result, Sample
from monitor.sla.calendar import PARIS
from monitor.sla.config import CalendarConf


def ts(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS).timestamp()


class Ctx:
    """The parts of DaemonContext the extension reads."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.wall = lambda: 0.0
        self.services: dict[str, object] = {}


def config(tmp: Path) -> Config:
    assets = (tuple(Asset(name=f"pc{i}", site="ecole", kind="workstation") for i in range(4))
              + (Asset(name="sw1", site="ecole", kind="switch"), Asset(name="cop", site="ecole", kind="printer"),
                 Asset(name="ahv1", site="mairie", kind="hypervisor"), Asset(name="ups1", site="mairie", kind="ups")))
    sob = SobrietySection(
        hours={"default": CalendarConf(kind="weekly", ranges={"mon-fri": ("08:00-18:00",)})},
        eligible=Eligible(vms=("test-*",), wifi_sites=("ecole",)),
        tariff=TariffConf(eur_per_kwh=0.25, source="contrat 2026", year=2026),
        baselines=(BaselineConf(name="vm_density", value=2.0, unit="VM/node", date="2025-10-01",
                                source="inventaire 2025"),))
    return Config(daemon=DaemonOptions(state_dir=str(tmp)), assets=assets, energy=EnergySection(sobriety=sob))


def poe(state: str) -> Sample:
    return Sample("vigie_poe_port_detection_status", 3 if state == "delivering_power" else 2,
                  (("group", "1"), ("port", "5"), ("state", state)))


def vm(name: str, current: str) -> list[Sample]:
    """As monitor/probes/vmsamples.py emits them: one sample per state, 1 for the current one."""
    return [Sample("vigie_vm_power_state", 1.0 if s == current else 0.0, (("vm", name), ("state", s)))
            for s in ("on", "off", "paused")]


async def test_extension_exports_kpis(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    ext = Sobriety(Ctx(cfg), refresh=0)  # type: ignore[arg-type]
    assets = {a.name: a for a in cfg.assets}
    t, pages = ts("2026-10-21T17:00"), 1000.0
    while t <= ts("2026-10-22T09:00"):
        day = 8 <= datetime.fromtimestamp(t, PARIS).hour < 18
        for i in range(4):   # pc0 never sleeps: 3 of 4 comply
            ext.observe(assets[f"pc{i}"], Result("icmp", f"pc{i}", Reason.OK if day or i == 0 else
                                                 Reason.TIMEOUT, 0.01), t)
        ext.observe(assets["sw1"], Result("snmp", "sw1", Reason.OK, 0.1,
                                          [poe("delivering_power" if day else "searching")]), t)
        ext.observe(assets["ahv1"], Result("nutanix", "ahv1", Reason.OK, 0.1,
                                           vm("test-a", "on" if day else "off") + vm("prod-b", "on")
                                           + vm("prod-c", "on")), t)
        ext.observe(assets["cop"], Result("snmp", "cop", Reason.OK, 0.1, [
            Sample("vigie_printer_pages_total", pages, (("marker", "1"),), "counter", bits=32),
            Sample("vigie_printer_mono_pages_total", pages * 0.5, (("marker", "1"),), "counter")]), t)
        ext.observe(assets["ups1"], Result("snmp", "ups1", Reason.OK, 0.1, [
            Sample("vigie_ups_input_power_watts", 1100.0), Sample("vigie_ups_output_power_watts", 1000.0)]), t)
        await ext.tick(t)
        t += 600
        pages += 10 if day else 0
    ext.publish(ts("2026-10-22T12:00"))
    reg = CollectorRegistry()
    for c in ext.collectors():
        reg.register(c)  # type: ignore[arg-type]
    text = generate_latest(reg).decode()
    await ext.close()

    def value(line_start: str) -> float:
        return float(next(x for x in text.splitlines() if x.startswith(line_start)).rsplit(" ", 1)[1])

    assert value('vigie_sobriety_kpi_ratio{kpi="workstations_off",provenance="measured",site="ecole"}') == 0.75
    assert value('vigie_sobriety_kpi_met{kpi="workstations_off",site="ecole"}') == 0.0
    assert value('vigie_sobriety_kpi_ratio{kpi="aps_off",provenance="measured",site="ecole"}') == 1.0
    assert value('vigie_sobriety_kpi_ratio{kpi="vms_off",provenance="measured",site="mairie"}') == 1.0
    # 3 running VMs by day, 2 at night on one node vs 2.0 baseline: a positive gain.
    assert value('vigie_sobriety_kpi_ratio{kpi="vm_density_gain",') > 0
    assert value('vigie_printer_mono_ratio{asset="cop"}') == pytest.approx(0.5)
    assert value('vigie_pue_ratio{provenance="measured",site="mairie"}') == pytest.approx(1.1)
    assert value('vigie_sobriety_kpi_target_ratio{kpi="workstations_off"}') == 0.9
    assert value('vigie_energy_cost_euros_total{provenance="factor",scope="total"}') > 0
    assert 'vigie_kwh_per_page{asset="cop",provenance="factor"}' in text
    assert 'vigie_workstation_average_power_watts{provenance="modelled",site="fleet"}' in text
    if shutil.which("promtool") is None:
        pytest.skip("promtool not installed")
    out = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_influx_self_metrics_pass_promtool(tmp_path: Path) -> None:
    from monitor.secrets import Secret
    from monitor.export.influx import InfluxExport
    from monitor.export.influx_config import InfluxSection
    w = InfluxExport(InfluxSection(url="http://127.0.0.1:1", org="o", bucket="b", token=Secret("t")),
                     state_dir=tmp_path, assets={}, wall=lambda: 0.0)
    w.errors["unreachable"] = 2
    w._publish()
    reg = CollectorRegistry()
    reg.register(w)  # type: ignore[arg-type]
    text = generate_latest(reg).decode()
    w.spool.close()
    assert 'vigie_influx_write_errors_total{reason="unreachable"} 2.0' in text
    assert "vigie_influx_spool_points 0.0" in text
    if shutil.which("promtool") is None:
        pytest.skip("promtool not installed")
    out = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
