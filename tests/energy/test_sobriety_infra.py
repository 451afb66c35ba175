"""PUE per technical room, W per VM and kWh per Wi-Fi AP: recorded on ticks, summed per month.

Hand-worked, October 2026 (Paris), hourly ticks from Thu 1 Oct 00:00 to Sun 11 Oct 00:00 (240 h):

* ap1 and ap2 (ecole) on PoE ports 1 and 2 of sw at 3.5 W and 4.5 W: 3.5 x 240 / 1000 = 0.84 kWh and
  1.08 kWh (measured, coverage 1.0); x 8,760 h: 30.66 and 39.42 kWh/year (modelled: a projection),
  ecole mean 35.04. ap3 (mairie) has no
  meter: ADEME 70 kWh/year (20-120, factor) and 7.99 W x 240 h = 1.9176 kWh. Fleet mean
  (30.66 + 39.42 + 70) / 3 = 46.6933 kWh/year (factor: the weakest).
* ups1 (mairie): input 600 W, output 500 W -> 144 kWh / 120 kWh -> PUE 1.2 (measured).
* hv1: 300 W measured, idle 150 W configured, 6 threads; VMs a, b, c with 1, 2, 3 vCPUs and no per-VM
  CPU (split by vCPU share): 50, 100, 150 W (300 W / 3 VMs = 100 W/VM). From Tue 6 Oct 00:00 c is
  off: a = 150 x 1/6 + 150 x 1/3 = 75 W, b = 150 W (225 W / 2 VMs). The tick at t credits the
  report of t for the hour before it: 119 hours with 3 VMs, 121 with 2 ->
  W/VM = (119 x 300 + 121 x 225) / (119 x 3 + 121 x 2) = 62,925 / 599 = 105.0501 W (modelled).
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from types import MappingProxyType

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from monitor.config.model import Asset, Config, DaemonOptions
from monitor.energy.config import EnergySection
from monitor.energy.figure import Figure, Provenance
from monitor.energy.meters_config import Feed, MetersSection
from monitor.energy.profiles import load_profiles
from monitor.energy.runtime import SERVICE as METERS, EnergyRuntime, MeterTable
from monitor.energy.sobriety import Sobriety
from monitor.energy.sobriety_config import SobrietySection
from monitor.energy.sobriety_db import Recorder, connect
from monitor.energy.sobriety_infra import access_points, meter_rows, pue_by_site
from monitor.energy.sobriety_month import month_sobriety_data
from monitor.energy.vms import SERVICE as VMS, VmsExtension
from monitor.energy.vms_config import PowerSource, VmHost, VmsSection
from monitor.exporter import AssetView, ProbeView
from monitor.probes.base import Reason, Result, Sample
from monitor.sla.calendar import PARIS
from monitor.sla.config import CalendarConf

W_VM = (119 * 300 + 121 * 225) / (119 * 3 + 121 * 2)


def ts(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS).timestamp()


def test_pue_from_ups_energy_and_month_carry(tmp_path: Path) -> None:
    """UPS input 1.2 kWh vs IT output 1.0 kWh over October -> PUE 1.2; November starts where October ended."""
    db = connect(tmp_path / "v.db")
    rec = Recorder(db, max_gap=600)
    for t, j_in, j_out, s in ((ts("2026-10-01T00:05"), 0.0, 0.0, 0.0),
                              (ts("2026-10-31T23:55"), 4.32e6, 3.6e6, 2_678_400.0),
                              (ts("2026-11-02T00:00"), 4.32e6 + 1.0e5, 3.6e6 + 5.0e4, 2_678_400.0 + 86_400)):
        rec.meter("ups1", "ups_input:line=1", "ups_input", t, j_in, s)
        rec.meter("ups1", "ups_output:line=1", "ups_output", t, j_out, s)
        rec.meter("ups2", "ups_output:line=1", "ups_output", t, j_out, s)   # no input: not counted
    sites = {"ups1": "mairie", "ups2": "ecole"}
    oct_ = pue_by_site(meter_rows(db, "2026-10"), sites)
    assert set(oct_) == {"mairie", "fleet"}
    assert oct_["mairie"].ratio.value == pytest.approx(1.2)
    assert str(oct_["mairie"].ratio.provenance) == "measured"
    assert (oct_["mairie"].input_kwh.value, oct_["mairie"].output_kwh.value) == pytest.approx((1.2, 1.0))
    nov = pue_by_site(meter_rows(db, "2026-11"), sites)
    assert nov["fleet"].ratio.value == pytest.approx(2.0)            # 1e5 J in / 5e4 J out
    assert nov["fleet"].input_kwh.value == pytest.approx(1.0e5 / 3.6e6)
    db.close()


def test_meter_state_loss_keeps_the_month_so_far(tmp_path: Path) -> None:
    db = connect(tmp_path / "v.db")
    rec = Recorder(db, max_gap=600)
    rec.meter("ap1", "sw/poe_port:port=1", "ap", ts("2026-10-01T00:00"), 1000.0, 10.0)
    rec.meter("ap1", "sw/poe_port:port=1", "ap", ts("2026-10-02T00:00"), 4000.0, 1010.0)
    rec.meter("ap1", "sw/poe_port:port=1", "ap", ts("2026-10-03T00:00"), 500.0, 100.0)   # state lost
    rec.meter("ap1", "sw/poe_port:port=1", "ap", ts("2026-10-04T00:00"), 1500.0, 400.0)
    (row,) = meter_rows(db, "2026-10")
    assert row == ("ap1", "sw/poe_port:port=1", "ap", 3000.0 + 1000.0, 1000.0 + 300.0)
    db.close()


def test_unmetered_ap_uses_the_ademe_range() -> None:
    aps = access_points([], [Asset(name="ap9", site="s", kind="access_point")], load_profiles(), 86_400.0)
    y = aps["ap9"].kwh_year
    assert (y.value, y.low, y.high, str(y.provenance)) == (70.0, 20.0, 120.0, "factor")
    assert aps["ap9"].kwh.value == pytest.approx(7.99 * 24 / 1000) and aps["ap9"].metered_s == 0


class Ctx:
    """The parts of DaemonContext the extensions read."""

    def __init__(self, config: Config, services: dict[str, object]) -> None:
        self.config = config
        self.wall = lambda: ts("2026-10-01T00:00")
        self.services = services


def make_config(tmp: Path) -> Config:
    assets = (Asset(name="sw", site="ecole", kind="switch"),
              Asset(name="ap1", site="ecole", kind="access_point"),
              Asset(name="ap2", site="ecole", kind="access_point"),
              Asset(name="ap3", site="mairie", kind="access_point"),
              Asset(name="ups1", site="mairie", kind="ups"),
              Asset(name="hv1", site="mairie", kind="hypervisor"))
    return Config(daemon=DaemonOptions(state_dir=str(tmp)), assets=assets, energy=EnergySection(
        meters=MetersSection(max_gap=7200.0, feeds=(Feed(meter="sw", match={"port": "1"}, asset="ap1"),
                                                    Feed(meter="sw", match={"port": "2"}, asset="ap2"))),
        vms=VmsSection(hosts=(VmHost(name="hv1", source="hv1", power=(PowerSource(asset="hv1-bmc"),),
                                     idle_w=150.0),)),
        sobriety=SobrietySection(hours={"default": CalendarConf(kind="weekly", ranges={"mon-fri": ("08:00-19:00",)})},
                                 max_gap=7200.0)))


def hv_view(c_on: bool) -> AssetView:
    samples = [Sample("vigie_hypervisor_host_cpu_threads", 6.0)]
    for name, vcpus, on in (("a", 1, True), ("b", 2, True), ("c", 3, c_on)):
        samples += [Sample("vigie_vm_vcpus", float(vcpus), (("vm", name),)),
                    Sample("vigie_vm_power_state", 1.0 if on else 0.0, (("vm", name), ("state", "on")))]
    return AssetView("hv1", "mairie", "hypervisor", "up",
                     MappingProxyType({"nutanix": ProbeView(True, "ok", 0.1, 0.0, tuple(samples))}))


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Path, str]:
    import asyncio
    tmp = tmp_path_factory.mktemp("infra")
    cfg = make_config(tmp)
    clock = [ts("2026-10-01T00:00")]
    rt = EnergyRuntime(cfg, MeterTable(tmp / "vigie.db"), lambda: clock[0])
    c_on = [True]
    vms = VmsExtension(cfg.energy.vms, lambda: MappingProxyType({"hv1": hv_view(c_on[0])}),
                       power=lambda snap, h: Figure.exact(300.0, "W", Provenance.MEASURED, ("hv1-bmc",)))
    text: list[str] = []

    async def drive() -> None:
        sob = Sobriety(Ctx(cfg, {METERS: rt, VMS: vms}), refresh=1e9)  # type: ignore[arg-type]
        while clock[0] <= ts("2026-10-11T00:00"):
            t = clock[0]
            c_on[0] = t < ts("2026-10-06T00:00")
            rt.on_result(Result("snmp", "sw", Reason.OK, 0.1, [
                Sample("vigie_poe_port_power_watts", w, (("group", "1"), ("port", p))) for p, w in
                (("1", 3.5), ("2", 4.5), ("3", 6.0))]))
            rt.on_result(Result("snmp", "ups1", Reason.OK, 0.1, [
                Sample("vigie_ups_input_power_watts", 600.0, (("line", "1"),)),
                Sample("vigie_ups_output_power_watts", 500.0, (("line", "1"),))]))
            await vms.tick(t)
            await sob.tick(t)
            clock[0] = t + 3600
        sob.publish(ts("2026-10-11T00:00"))
        reg = CollectorRegistry()
        for c in sob.collectors():
            reg.register(c)  # type: ignore[arg-type]
        text.append(generate_latest(reg).decode())
        await sob.close()
        await rt.close()

    asyncio.run(drive())
    return cfg, tmp / "vigie.db", text[0]


def test_month_figures_match_the_hand_worked_values(state) -> None:
    cfg, db, _ = state
    m = month_sobriety_data(cfg, db, 2026, 10, ts("2026-10-11T00:00"))
    aps = m.access_points
    assert sorted(aps) == ["ap1", "ap2", "ap3"]
    assert (aps["ap1"].kwh.value, aps["ap1"].kwh_year.value) == pytest.approx((0.84, 30.66))
    assert (aps["ap2"].kwh.value, aps["ap2"].kwh_year.value) == pytest.approx((1.08, 39.42))
    assert str(aps["ap1"].kwh_year.provenance) == "modelled" and aps["ap1"].metered_s == 240 * 3600
    assert str(aps["ap1"].kwh.provenance) == "measured" and aps["ap1"].coverage == 1.0
    assert m.coverage == {"ap1": 1.0, "ap2": 1.0}
    assert (aps["ap3"].kwh_year.value, str(aps["ap3"].kwh_year.provenance)) == (70.0, "factor")
    assert aps["ap3"].kwh.value == pytest.approx(7.99 * 240 / 1000)
    assert m.ap_kwh_year["ecole"].value == pytest.approx(35.04)
    assert m.ap_kwh_year["fleet"].value == pytest.approx((30.66 + 39.42 + 70) / 3)
    assert str(m.ap_kwh_year["fleet"].provenance) == "factor"
    assert m.consumption["access_point"].value == pytest.approx(0.84 + 1.08 + 7.99 * 0.24)
    assert m.assets_kwh["ap1"].value == pytest.approx(0.84)
    assert set(m.pue) == {"mairie", "fleet"}
    assert m.pue["mairie"].ratio.value == pytest.approx(1.2)
    assert (m.pue["mairie"].input_kwh.value, m.pue["mairie"].output_kwh.value) == pytest.approx((144.0, 120.0))
    assert set(m.vm_power) == {"fleet", "hv1"}
    assert m.vm_power["fleet"].value == pytest.approx(W_VM)
    assert str(m.vm_power["hv1"].provenance) == "modelled"
    assert any("Borne Wi-Fi 70" in f for f in m.factors)


def test_past_month_is_deterministic(state) -> None:
    cfg, db, _ = state
    assert (month_sobriety_data(cfg, db, 2026, 10, ts("2026-11-20T00:00"))
            == month_sobriety_data(cfg, db, 2026, 10, ts("2027-01-20T00:00")))


def test_gauges_pass_promtool(state) -> None:
    _, _, text = state

    def value(line_start: str) -> float:
        return float(next(x for x in text.splitlines() if x.startswith(line_start)).rsplit(" ", 1)[1])

    assert value('vigie_access_point_energy_kwh_per_year{asset="ap1",provenance="modelled",site="ecole"}') \
        == pytest.approx(30.66)
    assert value('vigie_access_point_energy_kwh_per_year{asset="ap3",provenance="factor",site="mairie"}') == 70.0
    assert value('vigie_access_point_energy_kwh_per_year_average{provenance="modelled",site="ecole"}') \
        == pytest.approx(35.04)
    assert value('vigie_vm_power_watts_month_average{host="fleet",provenance="modelled"}') == pytest.approx(W_VM)
    assert value('vigie_pue_month_ratio{provenance="measured",site="mairie"}') == pytest.approx(1.2)
    if shutil.which("promtool") is None:
        pytest.skip("promtool not installed")
    out = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
