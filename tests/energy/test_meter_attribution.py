"""Review fixes: one meter per asset (own wall meter wins over its outlets), coverage of monthly figures,
batched saves of the meters runtime, SQLite errors wrapped at the extensions' boundary.

Hand-worked:

* live, two polls 60 s apart: srv (Redfish 300 W, its own meter) is also fed by outlet 2 of pdu at
  300 W: srv is 300 W and 300 x 60 = 18,000 J, not 600 W / 36,000 J. hv has two PSUs on outlets 3 and 4
  (120 W + 130 W) and no meter of its own: 250 W, 15,000 J.
* November 2026 (720 h): srv2 Redfish 300 W x 30 d = 216 kWh, its outlet (declared as a feed) also
  216 kWh: srv2 = 216 kWh (not 432); pdu1 inlet 500 W x 720 h = 360 kWh -> "pdu1 (non attribué)" =
  360 - 216 = 144 kWh (the outlet still leaves the remainder). sw1 metered 15 of 30 days at 50 W:
  18 kWh measured, coverage 0.5 (not scaled up). ap1 metered 15 days at 4 W: 1.44 kWh measured,
  coverage 0.5, 4 x 8.76 = 35.04 kWh/year modelled (a projection).
"""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from monitor.config.model import Asset, Config, DaemonOptions, Tiers
from monitor.energy.config import EnergySection
from monitor.energy.meters import MeterKey
from monitor.energy.meters_config import Feed, MetersSection
from monitor.energy.profiles import load_profiles
from monitor.energy.runtime import EnergyRuntime, MeterStoreError, MeterTable
from monitor.energy.sobriety import Sobriety
from monitor.energy.sobriety_config import SobrietySection
from monitor.energy.sobriety_db import SobrietyDbError
from monitor.energy.sobriety_infra import access_points
from monitor.energy.sobriety_scope import metered_assets
from monitor.probes.base import Reason, Result, Sample
from monitor.sla.calendar import PARIS
from monitor.sla.config import CalendarConf

T0 = 1_800_000_000.0
H = 3600.0
MONTH = 720 * H          # November 2026


class Clock:
    def __init__(self) -> None:
        self.t = T0

    def __call__(self) -> float:
        return self.t


def live_config() -> Config:
    feeds = (Feed(meter="pdu", match={"outlet": "2"}, asset="srv"),
             Feed(meter="pdu", match={"outlet": "3"}, asset="hv"),
             Feed(meter="pdu", match={"outlet": "4"}, asset="hv"))
    return Config(tiers=Tiers(fast=60.0), assets=(
        Asset(name="pdu", site="ct", kind="pdu"), Asset(name="srv", site="ct", kind="server"),
        Asset(name="hv", site="ct", kind="hypervisor")),
        energy=EnergySection(meters=MetersSection(feeds=feeds)))


def polls() -> list[Result]:
    def outlet(n: str, w: float) -> Sample:
        return Sample("vigie_pdu_outlet_power_watts", w, (("outlet", n),))
    return [Result("redfish", "srv", Reason.OK, 0.1, [Sample("vigie_redfish_power_watts", 300.0,
                                                             (("chassis", "1"),))]),
            Result("snmp", "pdu", Reason.OK, 0.1, [outlet("2", 300.0), outlet("3", 120.0), outlet("4", 130.0)])]


def run_polls(rt: EnergyRuntime, clock: Clock, times: tuple[float, ...]) -> None:
    for t in times:
        clock.t = t
        for r in polls():
            rt.on_result(r)


def test_own_wall_meter_wins_over_its_outlet_live(tmp_path: Path) -> None:
    clock = Clock()
    rt = EnergyRuntime(live_config(), MeterTable(tmp_path / "vigie.db"), clock)
    run_polls(rt, clock, (T0, T0 + 60))
    assert len(rt.asset_meters("srv")) == 2             # both attributed...
    assert rt.host_power("srv").value == 300.0          # ...one counted
    assert rt.asset_energy("srv").value == pytest.approx(18_000.0)
    assert rt.asset_energy("srv").sources == ("srv/server:chassis=1",)
    assert rt.host_power("hv").value == 250.0           # two PSUs on two outlets add up
    assert rt.asset_energy("hv").value == pytest.approx(15_000.0)


def test_saves_are_batched_on_tick_and_resume_exactly(tmp_path: Path) -> None:
    clock = Clock()
    db = tmp_path / "vigie.db"
    rt = EnergyRuntime(live_config(), MeterTable(db), clock)
    run_polls(rt, clock, (T0, T0 + 60))
    assert MeterTable(db).load() == []                  # nothing written on the results themselves
    asyncio.run(rt.tick(T0 + 61))
    again = EnergyRuntime(live_config(), MeterTable(db), clock)
    assert again.meter_states() == rt.meter_states()
    assert again.meter_states()[MeterKey("pdu", "pdu_outlet:outlet=2")].joules == pytest.approx(18_000.0)


def test_sqlite_errors_leave_as_vigie_errors(tmp_path: Path) -> None:
    clock = Clock()
    table = MeterTable(tmp_path / "vigie.db")
    rt = EnergyRuntime(live_config(), table, clock)
    run_polls(rt, clock, (T0,))
    table.close()                                       # any sqlite3 failure will do
    with pytest.raises(MeterStoreError) as info:
        asyncio.run(rt.tick(T0 + 10))
    assert isinstance(info.value.__cause__, sqlite3.Error)

    cfg = Config(daemon=DaemonOptions(state_dir=str(tmp_path)),
                 assets=(*live_config().assets, Asset(name="pc", site="s", kind="workstation")),
                 energy=EnergySection(sobriety=SobrietySection(
                     hours={"default": CalendarConf(kind="weekly", ranges={"mon-fri": ("08:00-19:00",)})})))

    class Ctx:
        config, services = cfg, {"energy.meters": rt}     # its snapshot is recorded on ticks

        @staticmethod
        def wall() -> float:
            return T0

    sob = Sobriety(Ctx())  # type: ignore[arg-type]
    asyncio.run(sob.close())
    with pytest.raises(SobrietyDbError) as info2:
        sob.on_result(Result("icmp", "pc", Reason.OK, 0.1, []))
    assert isinstance(info2.value.__cause__, sqlite3.Error)
    with pytest.raises(SobrietyDbError):
        asyncio.run(sob.tick(T0))


def nov(day: int) -> float:
    return datetime(2026, 11, day, tzinfo=PARIS).timestamp()


ASSETS = {a.name: a for a in (Asset(name="srv2", site="ct", kind="server"),
                              Asset(name="pdu1", site="ct", kind="pdu"),
                              Asset(name="sw1", site="ecole", kind="switch"),
                              Asset(name="ap1", site="ecole", kind="access_point"))}


def test_month_counts_the_own_meter_once_and_keeps_the_pdu_remainder() -> None:
    rows = [("srv2", "srv2/server:chassis=1", "asset", 300 * MONTH, MONTH),
            ("srv2", "pdu1/pdu_outlet:outlet=2,pdu=1", "asset", 300 * MONTH, MONTH),
            ("pdu1", "pdu_input:inlet=1,pdu=1", "pdu_input", 500 * MONTH, MONTH),
            ("sw1", "sw1/sensor:entity=1", "asset", 50 * 360 * H, 360 * H)]
    m = metered_assets(rows, ASSETS, MONTH)
    assert {k: v.kwh.value for k, v in m.items()} == pytest.approx(
        {"srv2": 216.0, "pdu1 (non attribué)": 144.0, "sw1": 18.0})
    assert m["srv2"].kwh.sources == ("srv2/server:chassis=1",)
    assert {k: v.coverage for k, v in m.items()} == {"srv2": 1.0, "pdu1 (non attribué)": 1.0, "sw1": 0.5}
    assert str(m["sw1"].kwh.provenance) == "measured"


def test_half_metered_ap_keeps_measured_energy_and_models_the_year() -> None:
    rows = [("ap1", "sw1/poe_port:group=1,port=1", "ap", 4 * 360 * H, 360 * H)]
    (ap,) = access_points(rows, [ASSETS["ap1"]], load_profiles(), MONTH).values()
    assert (ap.kwh.value, str(ap.kwh.provenance)) == (pytest.approx(1.44), "measured")
    assert (ap.kwh_year.value, str(ap.kwh_year.provenance)) == (pytest.approx(35.04), "modelled")
    assert (ap.metered_s, ap.coverage) == (360 * H, 0.5)
