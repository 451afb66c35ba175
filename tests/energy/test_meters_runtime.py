"""The meters extension over synthetic poll results: integration, counters, resets, restarts, export."""

from __future__ import annotations

import asyncio
import shutil
import subprocess

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from monitor.config.model import Asset, Config, Tiers
from monitor.energy.config import EnergySection
from monitor.energy.meters import MeterKey
from monitor.energy.meters_config import Feed, MetersSection
from monitor.energy.runtime import EnergyRuntime, MeterTable, check_feeds
from monitor.probes.base import Reason, Result, Sample


class Clock:
    def __init__(self, t: float = 1_800_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def config(**meters: object) -> Config:
    return Config(tiers=Tiers(fast=60.0), assets=(
        Asset(name="pdu", site="hdv", kind="pdu"), Asset(name="esxi", site="hdv", kind="hypervisor"),
        Asset(name="ups", site="ct", kind="ups")),
        energy=EnergySection(meters=MetersSection(**meters)))  # type: ignore[arg-type]


def outlet(watts: float | None, kwh: float | None = None, *, uptime: float | None = None) -> Result:
    s = []
    if watts is not None:
        s.append(Sample("vigie_pdu_outlet_power_watts", watts, (("outlet", "7"),)))
    if kwh is not None:
        s.append(Sample("vigie_pdu_outlet_energy_joules_total", kwh * 3.6e6, (("outlet", "7"),),
                        "counter"))
    return Result("snmp", "pdu", Reason.OK, 0.1, s, uptime=uptime)


def ups(watts: float) -> Result:
    return Result("snmp", "ups", Reason.OK, 0.1,
                  [Sample("vigie_ups_output_power_watts", watts, (("line", "1"),))])


KEY = MeterKey("pdu", "pdu_outlet:outlet=7")
FEED = Feed(meter="pdu", match={"outlet": "7"}, asset="esxi")


@pytest.fixture
def db(tmp_path):
    return tmp_path / "vigie.db"


def test_power_integrated_then_gap_is_unmeasured(db) -> None:
    clock = Clock()
    rt = EnergyRuntime(config(), MeterTable(db), clock)
    rt.on_result(ups(100.0))
    clock.t += 60
    rt.on_result(ups(200.0))          # (100 + 200) / 2 x 60 = 9,000 J
    clock.t += 181                    # > 3 x 60 s: not interpolated
    rt.on_result(ups(200.0))
    st = rt.meter_states()[MeterKey("ups", "ups_output:line=1")]
    assert (st.joules, st.measured_s, st.unmeasured_s) == (9000.0, 60.0, 181.0)


def test_counter_preferred_and_feed_gives_asset_power(db) -> None:
    clock = Clock()
    rt = EnergyRuntime(config(feeds=(FEED,)), MeterTable(db), clock)
    rt.on_result(outlet(300.0, 1000.0))
    clock.t += 60
    rt.on_result(outlet(300.0, 1000.01))     # counter: 0.01 kWh = 36,000 J (power says 18,000)
    st = rt.meter_states()[KEY]
    assert st.counter_j == pytest.approx(36_000.0) and st.power_j == 0.0
    p = rt.host_power("esxi")
    assert p is not None and (p.value, p.unit, p.provenance.value) == (300.0, "W", "measured")
    e = rt.asset_energy("esxi")
    assert e is not None and e.value == pytest.approx(36_000.0)
    assert [v.key for v in rt.asset_meters("esxi")] == [KEY]
    assert rt.host_power("pdu") is None          # an outlet is not the PDU's own consumption
    clock.t += 181
    asyncio.run(rt.tick(clock.t))
    assert rt.host_power("esxi") is None         # stale reading: no power claimed


def test_counter_reset_is_detected_and_lost_time_unmeasured(db) -> None:
    clock = Clock()
    rt = EnergyRuntime(config(), MeterTable(db), clock)
    rt.on_result(outlet(None, 500.0, uptime=10_000))
    clock.t += 60
    rt.on_result(outlet(None, 500.1, uptime=10_060))       # +0.1 kWh
    clock.t += 60
    rt.on_result(outlet(None, 0.05, uptime=20))            # PDU rebooted 20 s ago
    st = rt.meter_states()[KEY]
    assert st.resets == 1
    assert st.counter_j == pytest.approx((0.1 + 0.05) * 3.6e6)
    assert (st.measured_s, st.unmeasured_s) == (80.0, 40.0)


def test_restart_resumes_exactly(db) -> None:
    clock = Clock()
    seq = [(0, 250.0), (60, 260.0), (120, 270.0), (180, 255.0), (240, 250.0)]
    other = Clock()
    straight = EnergyRuntime(config(feeds=(FEED,)), MeterTable(db.with_name("a.db")), other)
    for dt, w in seq:
        other.t = 1_800_000_000.0 + dt
        straight.on_result(outlet(w))
    first = EnergyRuntime(config(feeds=(FEED,)), MeterTable(db), clock)
    for dt, w in seq[:3]:
        clock.t = 1_800_000_000.0 + dt
        first.on_result(outlet(w))
    before = first.meter_states()[KEY]
    asyncio.run(first.close())
    second = EnergyRuntime(config(feeds=(FEED,)), MeterTable(db), clock)
    assert second.meter_states()[KEY] == before
    for dt, w in seq[3:]:
        clock.t = 1_800_000_000.0 + dt
        second.on_result(outlet(w))
    assert second.meter_states()[KEY] == straight.meter_states()[KEY]
    assert second.meter_states()[KEY].joules == 60 * (255 + 265 + 262.5 + 252.5)


def test_unknown_feed_asset_is_reported_and_skipped(db) -> None:
    bad = config(feeds=(Feed(meter="pdu", asset="nope"), FEED))
    errs = check_feeds(bad)
    assert [e.path for e in errs] == ["energy.meters.feeds[0].asset"]
    rt = EnergyRuntime(bad, MeterTable(db), Clock())      # a reload must not fail: skip it
    rt.on_result(outlet(300.0))
    assert rt.host_power("esxi") is not None and rt.host_power("nope") is None


def test_exposition_passes_promtool(db) -> None:
    clock = Clock()
    rt = EnergyRuntime(config(feeds=(FEED,)), MeterTable(db), clock)
    for w in (300.0, 310.0):
        rt.on_result(outlet(w))
        rt.on_result(ups(100.0))
        clock.t += 60
    reg = CollectorRegistry(auto_describe=False)
    for c in rt.collectors():
        reg.register(c)
    text = generate_latest(reg).decode()
    lab = 'asset="pdu",kind="pdu",meter="pdu_outlet:outlet=7",site="hdv",source="snmp"'
    assert f"vigie_energy_joules_total{{{lab}}} 18300.0" in text
    assert f"vigie_energy_measured_seconds_total{{{lab}}} 60.0" in text
    assert f"vigie_energy_power_watts{{{lab}}} 310.0" in text
    assert ('vigie_asset_power_watts{asset="esxi",kind="hypervisor",provenance="measured",'
            'site="hdv"} 310.0') in text
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool not installed")
    out = subprocess.run([promtool, "check", "metrics"], input=text.encode(), capture_output=True)
    assert out.returncode == 0, out.stdout.decode() + out.stderr.decode()
