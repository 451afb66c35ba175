"""ESXi over SNMP: snmpsim (monitor/simulator.py) serves the corpus recording vmware-esxi (VMWARE-VMINFO-MIB
vmwVmTable: 32 VMs, 29 powered on, names anonymised "<private>"; 32 hrProcessorLoad rows), the real
SNMP client polls it, and the attribution splits a Redfish-style wall power sample between the VMs.

ESXi SNMP gives no per-VM CPU, so both parts go by vCPU share (basis="vcpu_share", said in the
figures' sources); the host's threads come from its 32 hrProcessorLoad rows.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import MappingProxyType

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from monitor.simulator import shared_dir
from monitor.energy.profiles import load_profiles
from monitor.energy.vms import VCPU_SHARE_NOTE, VmsCollector, compute, snapshot_power
from monitor.energy.vms_config import PowerSource, VmHost, VmsSection
from monitor.exporter import AssetView, ProbeView, SnapshotCollector
from monitor.probes.base import Reason, Result, Sample
from monitor.probes.snmp import SnmpProbe
from monitor.profiles import load_profiles as load_snmp_profiles

REPO = Path(__file__).resolve().parents[2]
CORPUS = shared_dir() / "corpus"
RECORDING = CORPUS / "vmware-esxi.snmprec"


def raw_vms() -> dict[str, tuple[str, int]]:
    """index -> (state, vCPUs) read straight from the recording (so the test cannot drift)."""
    rows: dict[str, dict[str, str]] = {}
    for line in RECORDING.read_text(errors="replace").splitlines():
        oid, _, value = line.split("|", 2)
        for col, key in (("6", "state"), ("9", "vcpus")):
            prefix = f"1.3.6.1.4.1.6876.2.1.1.{col}."
            if oid.startswith(prefix):
                rows.setdefault(oid[len(prefix):], {})[key] = value
    return {i: (r["state"], int(r["vcpus"])) for i, r in rows.items()}


@pytest.fixture(scope="module")
def esxi_agent():
    from monitor import simulator
    if not RECORDING.exists():
        pytest.skip("corpus not present")
    # not pytest's tmp dirs: as root snmpsim runs as nobody and could not read them
    data, work = Path(tempfile.mkdtemp(prefix="vigie-esxi-")), Path(tempfile.mkdtemp(prefix="vigie-esxi-"))
    simulator.prepare_data(data, [(CORPUS, "")], only={"": ("vmware-esxi",)})
    try:
        sim = simulator.start(data, workdir=work)
    except simulator.SimulatorError as err:
        pytest.skip(str(err))
    yield sim
    sim.stop()
    for d in (data, work):
        shutil.rmtree(d, ignore_errors=True)


async def poll_esxi(agent) -> Result:
    from monitor.snmp.client import SnmpClient, Target
    target = Target(host=agent.host, port=agent.port, community="vmware-esxi", timeout=5.0, retries=2)
    async with SnmpClient() as client:
        probe = SnmpProbe(asset="esxi-mairie", session=client.session(target), profiles=None,
                          available=load_snmp_profiles(REPO / "probes"))
        result = await probe.run("all")
    assert result.reason is Reason.OK, result.detail
    return result


async def test_esxi_vms_attributed_by_vcpu_share(esxi_agent) -> None:
    result = await poll_esxi(esxi_agent)
    bmc = Result("redfish", "esxi-ilo", Reason.OK, 0.0,
                 [Sample("vigie_redfish_power_watts", 310.0, (("chassis", "1"),), help="W")])
    snap = MappingProxyType({
        "esxi-mairie": AssetView("esxi-mairie", "mairie", "hypervisor", "up", MappingProxyType(
            {"snmp": ProbeView(True, "ok", 0.1, 0.0, tuple(result.samples))})),
        "esxi-ilo": AssetView("esxi-ilo", "mairie", "server", "up", MappingProxyType(
            {"redfish": ProbeView(True, "ok", 0.1, 0.0, tuple(bmc.samples))}))})
    section = VmsSection(hosts=(VmHost(name="esxi-mairie", source="esxi-mairie",
                                       power=(PowerSource(asset="esxi-ilo"),), idle_w=180.0),))
    report = compute(section, snap, power=lambda s, h: snapshot_power(s, h.power),
                     profiles=load_profiles())
    assert report.skipped == ()
    raw = raw_vms()
    on = {i: v for i, (st, v) in raw.items() if st == "powered on"}
    assert len(raw) == 32 and len(on) == 29
    alloc = {v.vm: v for v in report.vms if v.method == "allocated"}
    assert len(alloc) == 29 and all(v.basis == "vcpu_share" for v in alloc.values())
    assert all(VCPU_SHARE_NOTE in v.figure.sources for v in alloc.values())
    # one VM by hand: index -> "<private> (index)"; V = max(sum of vCPUs on, 32 threads)
    idx, vcpus = next(iter(sorted(on.items())))
    total = sum(on.values())
    expect = 180.0 * vcpus / max(total, 32) + (310.0 - 180.0) * vcpus / total
    assert alloc[f"<private> ({idx})"].figure.value == pytest.approx(expect)
    (host,) = report.hosts
    assert math.fsum(v.figure.value for v in alloc.values()) + host.unallocated_w == pytest.approx(310.0)
    assert abs(host.residual_w) < 1e-9

    # promtool accepts both the probe's samples and the attribution's families
    registry = CollectorRegistry(auto_describe=True)
    registry.register(SnapshotCollector(lambda: snap))
    registry.register(VmsCollector(lambda: report))
    text = generate_latest(registry)
    assert b'vigie_vm_power_watts{basis="vcpu_share",host="esxi-mairie",method="allocated"' in text
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool not installed")
    done = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True)
    assert done.returncode == 0, done.stdout + done.stderr
