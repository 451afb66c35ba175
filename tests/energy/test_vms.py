"""W per VM end to end: real local peers -> probe Results -> snapshot -> attribution -> exposition.

Nutanix: no cluster can run here, so tests/peers/nutanix_fake.py (a real aiohttp server built from
the documented Prism v2 payloads) serves the town's 3 nodes / 22 VMs / 44 vCPUs. Host wall power
comes as the samples a PDU outlet (rPDU2) or a Redfish probe would publish in the snapshot.

Hand-worked, node 1 (ntnx-node-1, 32 threads, host CPU 100,000 ppm -> 3.2 busy threads):
  P = 230 + 170 = 400 W (two PDU outlets), idle 250 W (configured) -> D = 150 W, I = 250 W.
  Its 8 VMs have 16 vCPUs and 2.55 busy vCPUs (sum of ppm x vCPUs), so V = max(16, 32) = 32 and
  C = max(2.55, 3.2) = 3.2.
  srv-sql (4 vCPUs at 250,000 ppm -> 1.0 busy):
    allocated = 250 x 4/32 + 150 x 1.0/3.2 = 31.25 + 46.875 = 78.125 W; marginal = 46.875 W.
  unallocated = 250 x (1 - 16/32) + 150 x (1 - 2.55/3.2) = 125 + 30.46875 = 155.46875 W.
  sum(allocated) = 125 + 119.53125 = 244.53125 W; + 155.46875 = 400 W: conservation holds.
"""

from __future__ import annotations

import math
import time
from types import MappingProxyType

import pytest

from monitor.energy.figure import Figure, Provenance
from monitor.energy.profiles import load_profiles
from monitor.energy.vms import VCPU_SHARE_NOTE, VmsExtension, compute, inventory, snapshot_power
from monitor.energy.vms_config import PDU_OUTLET_POWER, PowerSource, VmHost, VmsSection, check
from monitor.errors import ConfigError
from monitor.exporter import AssetView, ProbeView, Snapshot
from monitor.probes.base import Reason, Result, Sample
from monitor.probes.nutanix import NutanixOptions, NutanixProbe
from tests.peers.nutanix_fake import NutanixFake

PROFILES = load_profiles()


def view(asset: str, kind: str, *results: Result) -> AssetView:
    return AssetView(asset, "mairie", kind, "up", MappingProxyType({
        r.probe: ProbeView(r.ok, str(r.reason), r.duration, 0.0, tuple(r.samples)) for r in results}))


def power_result(asset: str, probe: str, metric: str, readings: dict[str, float], key: str) -> Result:
    """What a PDU (snmp, rPDU2 profile) or Redfish probe publishes: one power sample per outlet."""
    return Result(probe, asset, Reason.OK, 0.01,
                  [Sample(metric, w, ((key, k),), help="W") for k, w in readings.items()])


async def nutanix_snapshot(**fake_kw: object) -> Snapshot:
    async with NutanixFake(**fake_kw) as fake:  # type: ignore[arg-type]
        result = await NutanixProbe(asset="prism", options=NutanixOptions(base_url=fake.base_url),
                                    username=fake.username, password=fake.password).run()
    assert result.ok, result.detail
    pdu = power_result("pdu-baie", "snmp", PDU_OUTLET_POWER,
                       {"3": 230.0, "4": 170.0, "5": 320.0, "6": 280.0}, "outlet")
    bmc = power_result("node3-bmc", "redfish", "vigie_redfish_power_watts", {"1": 210.0}, "chassis")
    return MappingProxyType({"prism": view("prism", "hypervisor", result),
                             "pdu-baie": view("pdu-baie", "pdu", pdu),
                             "node3-bmc": view("node3-bmc", "server", bmc)})


def outlet(n: str) -> PowerSource:
    return PowerSource(asset="pdu-baie", metric=PDU_OUTLET_POWER, labels={"outlet": n})


SECTION = VmsSection(hosts=(
    VmHost(name="ntnx-node-1", source="prism", power=(outlet("3"), outlet("4")), idle_w=250.0),
    VmHost(name="ntnx-node-2", source="prism", power=(outlet("5"), outlet("6"))),   # idle: profile
    VmHost(name="ntnx-node-3", source="prism", power=(PowerSource(asset="node3-bmc"),), idle_w=180.0),
))


async def test_nutanix_cluster_attribution_conserves() -> None:
    report = compute(SECTION, await nutanix_snapshot(), power=_power, profiles=PROFILES)
    assert report.skipped == ()
    hosts = {h.host: h for h in report.hosts}
    assert set(hosts) == {"ntnx-node-1", "ntnx-node-2", "ntnx-node-3"}
    assert [hosts[h].vms_on for h in sorted(hosts)] == [8, 7, 5]       # 20 on, 2 off
    allocated = {v.vm: v.figure.value for v in report.vms if v.method == "allocated"}
    marginal = {v.vm: v.figure.value for v in report.vms if v.method == "marginal"}
    assert len(allocated) == len(marginal) == 20
    # the hand-worked case (module docstring)
    assert allocated["srv-sql"] == pytest.approx(78.125)
    assert marginal["srv-sql"] == pytest.approx(46.875)
    assert hosts["ntnx-node-1"].unallocated_w == pytest.approx(155.46875)
    # conservation on every host: sum(VMs) + unallocated = host power, residual ~0
    for h in report.hosts:
        on_host = [v.figure.value for v in report.vms if v.host == h.host and v.method == "allocated"]
        assert math.fsum(on_host) + h.unallocated_w == pytest.approx(h.power.value, abs=1e-9)
        assert abs(h.residual_w) < 1e-9 and abs(h.marginal_residual_w) < 1e-9
    # node 2: no configured idle -> server profile 0.74 W/vCPU x 32 threads (a factor)
    assert hosts["ntnx-node-2"].idle_w == pytest.approx(0.74 * 32)
    assert hosts["ntnx-node-2"].power.value == 600.0 and hosts["ntnx-node-3"].power.value == 210.0
    # provenance: measured host power -> modelled VM figures; fleet W/VM = mean allocated
    assert {v.figure.provenance for v in report.vms} == {Provenance.MODELLED}
    assert all(v.basis == "cpu_usage" for v in report.vms)
    assert report.average is not None and report.average.provenance is Provenance.MODELLED
    assert report.average.value == pytest.approx(math.fsum(allocated.values()) / 20)


def _power(snap: Snapshot, h: VmHost) -> Figure | None:
    return snapshot_power(snap, h.power)


async def test_vm_without_stats_falls_back_to_vcpu_share() -> None:
    from tests.peers.nutanix_fake import VMS
    snap = await nutanix_snapshot(fail_stats=frozenset({VMS[4]["uuid"]}))   # srv-sql on node 1
    report = compute(SECTION, snap, power=_power, profiles=PROFILES)
    node1 = [v for v in report.vms if v.host == "ntnx-node-1"]
    node2 = [v for v in report.vms if v.host == "ntnx-node-2"]
    assert {v.basis for v in node1} == {"vcpu_share"} and {v.basis for v in node2} == {"cpu_usage"}
    assert VCPU_SHARE_NOTE in node1[0].figure.sources
    # vCPU share for both parts: D = 150 W over the 16 vCPUs of the VMs; I = 250 W over 32 threads
    sql = next(v for v in node1 if v.vm == "srv-sql" and v.method == "allocated")
    assert sql.figure.value == pytest.approx(250 * 4 / 32 + 150 * 4 / 16)
    assert all(abs(h.residual_w) < 1e-9 for h in report.hosts)


async def test_missing_power_or_inventory_is_skipped_not_guessed() -> None:
    snap = await nutanix_snapshot()
    section = VmsSection(hosts=(
        VmHost(name="ntnx-node-1", source="prism", power=(outlet("9"),), idle_w=1.0),
        VmHost(name="ntnx-node-9", source="prism", power=(outlet("3"),), idle_w=1.0),
        VmHost(name="ntnx-node-2", source="prism", power=(outlet("3"),), idle_w=None, threads=None),
    ))
    no_threads = compute(section, snap, power=_power, profiles=None)
    assert no_threads.skipped == (("ntnx-node-1", "no_power"), ("ntnx-node-9", "no_inventory"),
                                  ("ntnx-node-2", "no_idle"))
    assert no_threads.vms == () and no_threads.average is None


def test_check_cross_references() -> None:
    bad = VmsSection(hosts=(VmHost(name="a", source="nope", power=(outlet("1"),)),
                            VmHost(name="a", source="prism")))
    assert check(bad, {"prism"}) == [
        "energy.vms.hosts[0].source: unknown asset 'nope'",
        "energy.vms.hosts[0].power[0].asset: unknown asset 'pdu-baie'",
        "energy.vms.hosts[1].name: host 'a' listed twice"]


async def test_extension_tick_publishes_immutable_report() -> None:
    snap = await nutanix_snapshot()
    ext = VmsExtension(SECTION, lambda: snap, profiles=PROFILES)
    (collector,) = ext.collectors()
    assert [m.samples for m in collector.collect() if m.name == "vigie_vm_power_watts"] == [[]]
    before = ext.report
    await ext.tick(time.time())
    assert ext.report is not before
    fams = {m.name: m for m in collector.collect()}
    res = {s.labels["host"]: s.value for s in fams["vigie_vm_attribution_residual_watts"].samples}
    assert set(res) == {"ntnx-node-1", "ntnx-node-2", "ntnx-node-3"}
    assert all(abs(v) < 1e-9 for v in res.values())
    sql = [s for s in fams["vigie_vm_power_watts"].samples if s.labels["vm"] == "srv-sql"]
    assert {(s.labels["method"], s.labels["provenance"], s.labels["basis"]): s.value for s in sql} == \
        pytest.approx({("allocated", "modelled", "cpu_usage"): 78.125,
                       ("marginal", "modelled", "cpu_usage"): 46.875})
    assert fams["vigie_vms_attributed"].samples[0].value == 20
    assert fams["vigie_vms_power_watts_average"].samples[0].labels == {"provenance": "modelled"}


def test_inventory_none_without_vms() -> None:
    assert inventory(None, "x") is None
    assert inventory(view("a", "server", Result("snmp", "a", Reason.OK, 0.0)), "x") is None



async def test_probe_and_attribution_exposition_pass_promtool() -> None:
    import shutil
    import subprocess

    from prometheus_client import CollectorRegistry, generate_latest

    from monitor.energy.vms import VmsCollector
    from monitor.exporter import SnapshotCollector
    snap = await nutanix_snapshot()
    report = compute(SECTION, snap, power=_power, profiles=PROFILES)
    registry = CollectorRegistry(auto_describe=True)
    registry.register(SnapshotCollector(lambda: snap))
    registry.register(VmsCollector(lambda: report))
    text = generate_latest(registry).decode()
    assert "# HELP vigie_vm_cpu_usage_ratio CPU use of the VM" in text
    assert 'vigie_vm_info{asset="prism"' in text and 'hypervisor="nutanix"' in text
    assert "# TYPE vigie_vms_power_watts_average gauge" in text
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool not installed")
    done = subprocess.run([promtool, "check", "metrics"], input=text.encode(), capture_output=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_section_binds_from_yaml(tmp_path) -> None:
    from monitor.config.loader import load_config
    (tmp_path / "vigie.yml").write_text("""
sites:
  mairie: {name: Mairie}
assets:
  - {name: prism, site: mairie, kind: hypervisor}
  - {name: pdu-baie, site: mairie, kind: pdu}
energy:
  vms:
    methods: [allocated]
    hosts:
      - name: ntnx-node-1
        source: prism
        power:
          - {asset: pdu-baie, metric: vigie_pdu_outlet_power_watts, labels: {outlet: "3"}}
        idle_w: 250
        threads: 32
""")
    config = load_config(tmp_path / "vigie.yml")
    section = config.energy.vms
    assert section.methods == ("allocated",)
    (h,) = section.hosts
    assert (h.name, h.source, h.idle_w, h.threads) == ("ntnx-node-1", "prism", 250, 32)
    assert h.power[0].labels == {"outlet": "3"} and h.power[0].metric == PDU_OUTLET_POWER
    assert check(section, {a.name for a in config.assets}) == []


async def test_build_from_config(tmp_path) -> None:
    from monitor.config.loader import load_config
    from monitor.energy.vms import build
    from monitor.extensions import DaemonContext
    main = "sites:\n  mairie: {name: Mairie}\nassets:\n  - {name: prism, site: mairie, kind: hypervisor}\n"
    (tmp_path / "none.yml").write_text(main)
    (tmp_path / "bad.yml").write_text(main + "energy:\n  vms:\n    hosts: [{name: n1, source: ghost}]\n")
    (tmp_path / "ok.yml").write_text(main + "energy:\n  vms:\n    hosts: [{name: ntnx-node-1, source: prism,"
                                     " idle_w: 250, power: [{asset: prism, metric: vigie_x_watts}]}]\n")
    snap = await nutanix_snapshot()

    def ctx(name: str) -> DaemonContext:
        return DaemonContext(load_config(tmp_path / name), None, None, None,  # type: ignore[arg-type]
                             time.time, dict, lambda: snap)
    assert build(ctx("none.yml")) is None
    with pytest.raises(ConfigError, match="unknown asset 'ghost'"):
        build(ctx("bad.yml"))
    ext = build(ctx("ok.yml"))
    assert ext is not None and ext.name == "vms"
    await ext.tick(0.0)
    assert ext.report.skipped == (("ntnx-node-1", "no_power"),)   # no vigie_x_watts sample: not guessed
