"""Consumption of every metered asset by kind and by site, and VM density per hypervisor node.

Hand-worked, Mon 5 Oct 2026 00:00 -> Tue 6 Oct 00:00 (Paris), hourly polls through the real meters
runtime and sobriety extension, both restarted at 12:00 (state reloaded from the database):

* srv1 (mairie, server): Redfish wall power 150 W (own meter) -> 3.6 kWh (measured). Its two PSU
  input sensors (80 W each) are not attributed to anything: not counted again.
* pdu1 (mairie): inlet 500 W; outlet 1 feeds hv1 (hypervisor) at 300 W -> hv1 7.2 kWh; outlet 2 at
  120 W feeds nothing declared -> "pdu1 (non attribué)" = (500 - 300) x 24 h = 4.8 kWh.
* sw1 (ecole, switch): its own watts sensor (a feed sw1 -> sw1) reads 60 W; its PoE port 1 feeds ap1
  at 10 W -> ap1 0.24 kWh, sw1 (60 - 10) x 24 h = 1.2 kWh (the PoE it delivers is ap1's).
* ups1 (mairie): input 900 W, output 800 W: out of the consumption (19.2 kWh of output is the room's
  load, already counted), PUE 1.125.
* fw1 (firewall) has no meter and no "firewall" profile: listed as unmeasured, not counted.
* Total 3.6 + 7.2 + 4.8 + 1.2 + 0.24 = 17.04 kWh, all measured; mairie 15.6, ecole 1.44 kWh.
* VM density: hv1 (a cluster source) runs a, b on node n1 and c on n2, d is off, node n3 has no VM
  (host CPU sample) -> 3 nodes, 3 running VMs; esx (ESXi, no host label: 1 node) runs 2 of 3 VMs.
  Per node (3 + 2) / (3 + 1) = 1.25 VM (per source it would be 5 / 2 = 2.5); baseline 1.0 -> +25 %.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import pytest

from monitor.config.model import Asset, Config, DaemonOptions
from monitor.energy.config import EnergySection
from monitor.energy.meters_config import Feed, MetersSection
from monitor.energy.runtime import SERVICE as METERS, EnergyRuntime, MeterTable
from monitor.energy.sobriety import Sobriety
from monitor.energy.sobriety_config import BaselineConf, SobrietySection, TariffConf
from monitor.energy.sobriety_month import month_sobriety_data
from monitor.energy.sobriety_scope import UNATTRIBUTED_PDU
from monitor.probes.base import Reason, Result, Sample
from monitor.sla.calendar import PARIS
from monitor.sla.config import CalendarConf

KWH = {"srv1": 3.6, "hv1": 7.2, "pdu1 (non attribué)": 4.8, "sw1": 1.2, "ap1": 0.24}
TOTAL = sum(KWH.values())


def ts(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS).timestamp()


class Ctx:
    def __init__(self, config: Config, services: dict[str, object]) -> None:
        self.config = config
        self.wall = lambda: ts("2026-10-05T00:00")
        self.services = services


def make_config(tmp: Path) -> Config:
    assets = (Asset(name="srv1", site="mairie", kind="server"),
              Asset(name="pdu1", site="mairie", kind="pdu"),
              Asset(name="hv1", site="mairie", kind="hypervisor"),
              Asset(name="esx", site="ecole", kind="hypervisor"),
              Asset(name="ups1", site="mairie", kind="ups"),
              Asset(name="fw1", site="mairie", kind="firewall"),
              Asset(name="sw1", site="ecole", kind="switch"),
              Asset(name="ap1", site="ecole", kind="access_point"))
    feeds = (Feed(meter="pdu1", role="pdu_outlet", match={"outlet": "1"}, asset="hv1"),
             Feed(meter="sw1", role="sensor", asset="sw1"),
             Feed(meter="sw1", role="poe_port", match={"port": "1"}, asset="ap1"))
    sob = SobrietySection(hours={"default": CalendarConf(kind="weekly", ranges={"mon-fri": ("08:00-19:00",)})},
                          max_gap=7200.0, tariff=TariffConf(eur_per_kwh=0.25, source="Contrat", year=2026),
                          baselines=(BaselineConf(name="vm_density", value=1.0, unit="VM/nœud",
                                                  date="2025-10-01", source="Inventaire"),))
    return Config(daemon=DaemonOptions(state_dir=str(tmp)), assets=assets, energy=EnergySection(
        meters=MetersSection(max_gap=7200.0, feeds=feeds), sobriety=sob))


def polls() -> list[Result]:
    def s(name: str, v: float, **labels: str) -> Sample:
        return Sample(name, v, tuple(labels.items()))
    vm = [s("vigie_vm_power_state", 1.0, vm=v, host=h, state=st) for v, h, st in
          (("a", "n1", "on"), ("b", "n1", "on"), ("c", "n2", "on"), ("d", "", "off"))]
    return [
        Result("redfish", "srv1", Reason.OK, 0.1, [
            s("vigie_redfish_power_watts", 150.0, chassis="1"),
            s("vigie_redfish_psu_input_power_watts", 80.0, chassis="1", psu="1"),
            s("vigie_redfish_psu_input_power_watts", 80.0, chassis="1", psu="2")]),
        Result("snmp", "pdu1", Reason.OK, 0.1, [
            s("vigie_pdu_power_watts", 500.0, pdu="1", inlet="1"),
            s("vigie_pdu_outlet_power_watts", 300.0, pdu="1", outlet="1"),
            s("vigie_pdu_outlet_power_watts", 120.0, pdu="1", outlet="2")]),
        Result("snmp", "sw1", Reason.OK, 0.1, [
            s("vigie_sensor_value", 60.0, entity="1", type="watts"),
            s("vigie_poe_port_power_watts", 10.0, group="1", port="1")]),
        Result("snmp", "ups1", Reason.OK, 0.1, [
            s("vigie_ups_input_power_watts", 900.0, line="1"),
            s("vigie_ups_output_power_watts", 800.0, line="1")]),
        Result("nutanix", "hv1", Reason.OK, 0.1, vm + [s("vigie_hypervisor_host_cpu_threads", 8.0, host="n3")]),
        Result("snmp", "esx", Reason.OK, 0.1, [
            s("vigie_vm_power_state_info", 1.0, vm=v, power_state=st) for v, st in
            (("x", "powered on"), ("y", "poweredOn"), ("z", "powered off"))]),
    ]


def drive(cfg: Config, db: Path) -> None:
    """Hourly polls and ticks over 24 h, meters runtime and sobriety extension restarted at 12:00."""
    clock = [ts("2026-10-05T00:00")]
    assets = {a.name: a for a in cfg.assets}

    async def run(first: float, last: float) -> None:
        rt = EnergyRuntime(cfg, MeterTable(db), lambda: clock[0])
        sob = Sobriety(Ctx(cfg, {METERS: rt}), refresh=1e9)  # type: ignore[arg-type]
        t = first
        while t <= last:
            clock[0] = t
            for r in polls():
                rt.on_result(r)
                sob.observe(assets[r.asset], r, t)
            await sob.tick(t)
            t += 3600
        await sob.close()
        await rt.close()

    asyncio.run(run(ts("2026-10-05T00:00"), ts("2026-10-05T12:00")))
    asyncio.run(run(ts("2026-10-05T13:00"), ts("2026-10-06T00:00")))


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Path]:
    tmp = tmp_path_factory.mktemp("scope")
    cfg = make_config(tmp)
    drive(cfg, tmp / "vigie.db")
    return cfg, tmp / "vigie.db"


def test_every_metered_asset_counted_once(state) -> None:
    cfg, db = state
    m = month_sobriety_data(cfg, db, 2026, 10, ts("2026-11-02T00:00"))
    assert {a: f.value for a, f in m.assets_kwh.items()} == pytest.approx(KWH)
    assert all(str(f.provenance) == "measured" for f in m.assets_kwh.values())
    assert {k: f.value for k, f in m.consumption.items()} == pytest.approx(
        {"server": 3.6, "hypervisor": 7.2, UNATTRIBUTED_PDU: 4.8, "switch": 1.2, "access_point": 0.24,
         "total": TOTAL})
    assert "ups" not in m.consumption and "ups1" not in m.assets_kwh
    assert {k: f.value for k, f in m.by_site.items()} == pytest.approx({"mairie": 15.6, "ecole": 1.44})
    assert m.places["pdu1 (non attribué)"] == ("mairie", UNATTRIBUTED_PDU)
    assert m.places["hv1"] == ("mairie", "hypervisor")
    assert m.measured_share == pytest.approx(1.0)
    assert m.unmetered == ("esx", "fw1")
    assert m.pue["mairie"].ratio.value == pytest.approx(1.125)
    assert m.co2e["total"].value == pytest.approx(TOTAL * 0.0461)
    assert m.cost["hypervisor"].value == pytest.approx(7.2 * 0.25)
    assert m.co2e_by_site["ecole"].value == pytest.approx(1.44 * 0.0461)
    assert m.cost_by_site["mairie"].value == pytest.approx(15.6 * 0.25)
    assert [a for a, _ in m.top] == ["hv1", "pdu1 (non attribué)", "srv1", "sw1", "ap1"]
    assert any("délivrés à ap1" in s for s in m.assets_kwh["sw1"].sources)


def test_vm_density_counts_nodes_not_sources(state) -> None:
    cfg, db = state
    m = month_sobriety_data(cfg, db, 2026, 10, ts("2026-11-02T00:00"))
    (k,) = [k for k in m.kpis if k.kpi == "vm_density_gain"]
    assert (k.numerator, k.denominator) == pytest.approx((1.25, 1.0))
    assert k.ratio.value == pytest.approx(0.25) and str(k.status) == "atteint"


def test_past_month_is_deterministic(state) -> None:
    cfg, db = state
    assert (month_sobriety_data(cfg, db, 2026, 10, ts("2026-11-02T00:00"))
            == month_sobriety_data(cfg, db, 2026, 10, ts("2027-03-01T00:00")))


def test_without_restart_the_same(tmp_path: Path, state) -> None:
    """The restart at 12:00 loses nothing: one uninterrupted run gives the same energies."""
    cfg, db = state
    one = make_config(tmp_path)
    clock = [0.0]
    assets = {a.name: a for a in one.assets}

    async def run() -> None:
        rt = EnergyRuntime(one, MeterTable(tmp_path / "vigie.db"), lambda: clock[0])
        sob = Sobriety(Ctx(one, {METERS: rt}), refresh=1e9)  # type: ignore[arg-type]
        t = ts("2026-10-05T00:00")
        while t <= ts("2026-10-06T00:00"):
            clock[0] = t
            for r in polls():
                rt.on_result(r)
                sob.observe(assets[r.asset], r, t)
            await sob.tick(t)
            t += 3600
        await sob.close()
        await rt.close()

    asyncio.run(run())
    a = month_sobriety_data(one, tmp_path / "vigie.db", 2026, 10, ts("2026-11-02T00:00"))
    b = month_sobriety_data(cfg, db, 2026, 10, ts("2026-11-02T00:00"))
    assert {k: f.value for k, f in a.assets_kwh.items()} == pytest.approx(
        {k: f.value for k, f in b.assets_kwh.items()})


def test_co2e_and_cost_metrics_per_kind(state) -> None:
    from prometheus_client import CollectorRegistry, generate_latest
    from monitor.energy.sobriety import Published, families
    cfg, db = state
    m = month_sobriety_data(cfg, db, 2026, 10, ts("2026-11-02T00:00"))

    class C:
        def collect(self):  # noqa: ANN201
            return families(Published(m))
    reg = CollectorRegistry()
    reg.register(C())  # type: ignore[arg-type]
    text = generate_latest(reg).decode()
    line = next(x for x in text.splitlines()
                if x.startswith('vigie_co2e_grams_total{provenance="measured",scope="hypervisor"}'))
    assert float(line.rsplit(" ", 1)[1]) == pytest.approx(7.2 * 46.1)
    assert 'scope="ups"' not in text
