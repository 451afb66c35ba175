"""The meters extension in the running daemon: snmpsim serving real recordings (APC Smart-UPS 1500,
APC AP8959EU3 rack PDU, Cisco 2960-X PoE stack) and the Redfish peer serving the DMTF mockup,
polled every second; exported joules checked against power x measured time, then a restart."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import textwrap

import aiohttp
import pytest

from monitor import simulator
from monitor.daemon import Daemon
from tests.peers.redfish import RedfishPeer

RECORDINGS = ("apc_smart1500", "apc_ap8959eu3", "ios_2960x")


@pytest.fixture(scope="module")
def snmpsim(tmp_path_factory):
    corpus = simulator.corpus_dir()
    if corpus is None:
        pytest.skip("shared corpus not found")
    data = tmp_path_factory.mktemp("snmpsim") / "data"
    simulator.prepare_data(data, [(corpus, "")], only={"": RECORDINGS})
    sim = simulator.start(data, workdir=data.parent / "work")
    yield sim
    sim.stop()


def write_config(tmp_path, sim, redfish_url: str):
    cfg = tmp_path / "vigie.yml"
    assets = [("ups-ct", "ups", "apc_smart1500", "apc_ups"), ("pdu-baie", "pdu", "apc_ap8959eu3", "apc_pdu"),
              ("sw-poe", "switch", "ios_2960x", "cisco")]
    text = textwrap.dedent(f"""\
        daemon: {{listen: "127.0.0.1:0", state_dir: {tmp_path / 'state'}, start_jitter: false,
                 poll_deadline: 10s}}
        tiers: {{fast: 1s, slow: 1h}}
        snmp: {{timeout: 5s, retries: 2}}   # snmpsim is slow; a loaded CI machine must not flake
        credentials:
        """)
    for _, _, community, _ in assets:
        text += f"  {community}: {{snmp: {{version: 2c, community: {{value: {community}}}}}}}\n"
    text += "  bmc: {http: {username: root, password: {value: calvin}}}\n"
    text += "sites:\n  ct: {name: Centre technique}\nassets:\n"
    for name, kind, community, profile in assets:
        text += (f"  - {{name: {name}, site: ct, kind: {kind}, address: '127.0.0.1:{sim.port}', "
                 f"credentials: {community}, profiles: [{profile}]}}\n")
    text += ("  - {name: ap-ecole-1, site: ct, kind: access_point}\n"
             "  - {name: srv-rf, site: ct, kind: server, credentials: bmc,\n"
             f"     probes: {{redfish: {{base_url: '{redfish_url}'}}}}}}\n")
    text += ("energy:\n  meters:\n    feeds:\n"
             "      - {meter: sw-poe, role: poe_port, match: {group: '1', port: '1'}, asset: ap-ecole-1}\n")
    cfg.write_text(text)
    return cfg


async def scrape(port: int) -> str:
    async with aiohttp.ClientSession() as s:
        async with s.get(f"http://127.0.0.1:{port}/metrics") as r:
            return await r.text()


def value(text: str, name: str, **labels: str) -> float | None:
    for line in text.splitlines():
        m = re.match(rf"{name}{{(.*)}} (\S+)$", line)
        if m and all(f'{k}="{v}"' in m.group(1) for k, v in labels.items()):
            return float(m.group(2))
    return None


async def wait_for(predicate, timeout: float = 30.0) -> bool:
    for _ in range(int(timeout / 0.1)):
        if await predicate():
            return True
        await asyncio.sleep(0.1)
    return False


async def test_daemon_meters_from_real_recordings(tmp_path, snmpsim) -> None:
    async with RedfishPeer() as bmc:
        cfg = write_config(tmp_path, snmpsim, bmc.base_url)
        daemon = Daemon(cfg)
        task = asyncio.create_task(daemon.run())
        assert await wait_for(lambda: _true(daemon.ready))
        port = daemon.listen_port

        async def measured() -> bool:
            text = await scrape(port)
            return all((value(text, "vigie_energy_measured_seconds_total", asset=a) or 0) > 0
                       for a in ("ups-ct", "pdu-baie", "sw-poe", "srv-rf"))
        assert await wait_for(measured), await scrape(port)
        text = await scrape(port)
        daemon.request_stop()
        await asyncio.wait_for(task, 30)

        # APC Smart-UPS: upsAdvOutputActivePower 169 W, no energy counter: J = 169 W x seconds.
        ups = dict(asset="ups-ct", meter="ups_output")
        j, s = value(text, "vigie_energy_joules_total", **ups), value(
            text, "vigie_energy_measured_seconds_total", **ups)
        assert j is not None and s is not None and j > 0
        assert j == pytest.approx(169.0 * s, rel=1e-9)
        assert value(text, "vigie_energy_power_watts", **ups) == 169.0
        # Cisco cpeExtPsePortPwrConsumption 2509 mW on port 1/1: 2.509 W, fed to ap-ecole-1.
        poe = dict(asset="sw-poe", meter="poe_port:group=1,port=1")
        assert value(text, "vigie_energy_power_watts", **poe) == pytest.approx(2.509)
        j = value(text, "vigie_energy_joules_total", **poe)
        s = value(text, "vigie_energy_measured_seconds_total", **poe)
        assert j is not None and s is not None and j == pytest.approx(2.509 * s, rel=1e-9)
        assert value(text, "vigie_asset_power_watts", asset="ap-ecole-1",
                     provenance="measured") == pytest.approx(2.509)
        # APC rPDU2: 0.27 kW and a static energy counter (19677 x 0.1 kWh): the counter wins,
        # the recording does not move, so the PDU measured 0 J over measured seconds.
        pdu = dict(asset="pdu-baie", meter="pdu_input:pdu=1")
        assert value(text, "vigie_energy_power_watts", **pdu) == 270.0
        assert value(text, "vigie_energy_joules_total", **pdu) == 0.0
        # Redfish: EnvironmentMetrics 374 W; the server's own meter is its measured power.
        rf = dict(asset="srv-rf", meter="server:chassis=1U", source="redfish")
        j = value(text, "vigie_energy_joules_total", **rf)
        s = value(text, "vigie_energy_measured_seconds_total", **rf)
        assert j is not None and s is not None and j == pytest.approx(374.0 * s, rel=1e-9)
        assert value(text, "vigie_asset_power_watts", asset="srv-rf") == 374.0

        promtool = shutil.which("promtool")
        if promtool is not None:
            energy = "\n".join(l for l in text.splitlines()
                               if "vigie_energy_" in l or "vigie_asset_" in l) + "\n"
            out = subprocess.run([promtool, "check", "metrics"], input=energy.encode(),
                                 capture_output=True)
            assert out.returncode == 0, out.stdout.decode() + out.stderr.decode()

        # Restart: the persisted accumulators come back, then keep growing.
        daemon = Daemon(cfg)
        task = asyncio.create_task(daemon.run())
        assert await wait_for(lambda: _true(daemon.ready))
        port = daemon.listen_port
        after = await scrape(port)
        assert (value(after, "vigie_energy_joules_total", **ups) or 0) >= value(
            text, "vigie_energy_joules_total", **ups)
        before_j = value(text, "vigie_energy_joules_total", **rf)
        assert before_j is not None
        assert (value(after, "vigie_energy_joules_total", **rf) or 0) >= before_j

        async def grew() -> bool:
            return (value(await scrape(port), "vigie_energy_joules_total", **rf) or 0) > before_j
        assert await wait_for(grew)
        daemon.request_stop()
        await asyncio.wait_for(task, 30)


async def _true(v: bool) -> bool:
    return v
