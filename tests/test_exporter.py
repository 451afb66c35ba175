import shutil
import subprocess
from types import MappingProxyType

import aiohttp
import pytest
from prometheus_client import CollectorRegistry

from monitor.exporter import AssetView, ProbeView, SnapshotCollector, make_app
from monitor.probes.base import Result, Reason, Sample
from monitor.selfmetrics import SelfMetrics
from monitor.webserve import serve


def snapshot():
    samples = (
        Sample("vigie_interface_received_bytes", 123456.0, (("interface", "Gi0/1"),), "counter",
               "Bytes received on the interface.", 64),
        Sample("vigie_ups_output_power_watts", 412.0, (("line", "1"),), "gauge", "UPS output power."),
        Sample("vigie_device_info", 1.0, (("sys_descr", "Cisco IOS"),), "info", "Device identity."),
    )
    probes = MappingProxyType({"snmp": ProbeView(True, "ok", 0.25, 1700000000.0, samples)})
    return MappingProxyType({
        "sw": AssetView("sw", "hdv", "switch", "up", probes),
        "ups": AssetView("ups", "hdv", "ups", "down", MappingProxyType({
            "snmp": ProbeView(False, "timeout", 2.0, 1700000000.0, ())})),
    })


async def scrape(registry, before=lambda: None):
    runner, port = await serve(make_app(registry, ready=lambda: True, before_scrape=before))
    try:
        async with aiohttp.ClientSession() as s:
            async with s.get(f"http://127.0.0.1:{port}/metrics") as r:
                assert r.status == 200
                return await r.text()
    finally:
        await runner.cleanup()


async def test_exposition_from_snapshot_passes_promtool(tmp_path):
    snap = snapshot()
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SnapshotCollector(lambda: snap))
    m = SelfMetrics()
    m.observe(Result("snmp", "sw", Reason.OK, 0.3))
    m.observe(Result("snmp", "ups", Reason.TIMEOUT, 2.0))
    registry.register(m)
    text = await scrape(registry)
    assert 'vigie_up{asset="sw",kind="switch",site="hdv"} 1.0' in text
    assert 'vigie_up{asset="ups",kind="ups",site="hdv"} 0.0' in text
    assert 'vigie_asset_state{asset="ups",kind="ups",site="hdv",state="down"} 1.0' in text
    assert ('vigie_interface_received_bytes_total{asset="sw",interface="Gi0/1",kind="switch",'
            'site="hdv"} 123456.0') in text
    assert 'vigie_device_info{asset="sw",kind="switch",site="hdv",sys_descr="Cisco IOS"} 1.0' in text
    assert 'vigie_poll_outcomes_total{probe="snmp",reason="timeout"} 1.0' in text
    assert 'vigie_probe_last_reason{asset="ups",probe="snmp",reason="timeout"} 1.0' in text
    assert "vigie_process_resident_memory_bytes" in text
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.fail("promtool missing: the setup script installs Debian's prometheus package")
    out = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


async def test_scrape_reads_only_the_snapshot_it_finds():
    state = {"snap": snapshot()}
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SnapshotCollector(lambda: state["snap"]))
    first = await scrape(registry)
    state["snap"] = MappingProxyType({})
    second = await scrape(registry)
    assert 'asset="sw"' in first and 'asset="sw"' not in second
