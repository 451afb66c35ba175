"""The daemon end to end: real snmpd and a real HTTP server on loopback, config reload, stop."""

import asyncio
import os
import signal
import textwrap

import aiohttp

from monitor.daemon import Daemon
from monitor.store import Store


def write_config(tmp_path, snmpd, http_port, extra_asset=""):
    (tmp_path / "community").write_text(snmpd.community + "\n")
    cfg = tmp_path / "vigie.yml"
    cfg.write_text(textwrap.dedent(f"""\
        daemon: {{listen: "127.0.0.1:0", state_dir: {tmp_path / 'state'}, start_jitter: false,
                 poll_deadline: 10s}}
        tiers: {{fast: 1s, slow: 1h}}
        credentials:
          agent: {{snmp: {{version: 2c, community: {{file: community}}}}}}
        sites:
          hdv: {{name: Hôtel de ville}}
        assets:
          - name: srv-linux
            site: hdv
            kind: server
            address: 127.0.0.1:{snmpd.port}
            credentials: agent
            profiles: [system, if_mib, host_resources]
          - name: portail
            site: hdv
            kind: service
            probes:
              http: {{url: "http://127.0.0.1:{http_port}/", body_regex: "ok"}}
        """) + extra_asset)
    return cfg


async def scrape(port):
    async with aiohttp.ClientSession() as s:
        async with s.get(f"http://127.0.0.1:{port}/metrics") as r:
            return await r.text()


async def wait_for(predicate, timeout=15.0):
    for _ in range(int(timeout / 0.1)):
        if await predicate():
            return True
        await asyncio.sleep(0.1)
    return False


async def test_daemon_polls_exports_reloads_and_stops(tmp_path, snmpd, portal):
    cfg = write_config(tmp_path, snmpd, portal)
    daemon = Daemon(cfg)
    task = asyncio.create_task(daemon.run())
    assert await wait_for(lambda: _true(daemon.ready))
    port = daemon.listen_port

    async def both_up():
        text = await scrape(port)
        return ('vigie_up{asset="srv-linux",kind="server",site="hdv"} 1.0' in text
                and 'vigie_up{asset="portail",kind="service",site="hdv"} 1.0' in text)
    assert await wait_for(both_up)
    text = await scrape(port)
    assert 'vigie_if_received_bytes_total{asset="srv-linux"' in text
    assert 'ifname="lo"' in text  # labels from the label cache
    assert 'vigie_http_status_code' in text
    assert 'vigie_poll_outcomes_total{probe="snmp",reason="ok"}' in text

    # An invalid config on SIGHUP is refused and the running one stays.
    good = cfg.read_text()
    cfg.write_text(good + "  - name: broken\n    site: nowhere\n    kind: switch\n")
    os.kill(os.getpid(), signal.SIGHUP)
    assert await wait_for(lambda: _true(daemon.metrics.reloads["failure"] == 1))
    assert 'asset="srv-linux"' in await scrape(port)

    # A valid one is installed: a new asset appears.
    cfg.write_text(good + "  - name: portail-bis\n    site: hdv\n    kind: service\n"
                   f"    probes: {{http: {{url: 'http://127.0.0.1:{portal}/'}}}}\n")
    os.kill(os.getpid(), signal.SIGHUP)
    assert await wait_for(lambda: _true(daemon.metrics.reloads["success"] == 1))

    async def bis_up():
        return 'vigie_up{asset="portail-bis",kind="service",site="hdv"} 1.0' in await scrape(port)
    assert await wait_for(bis_up)

    # The agent stops: the asset goes down, one transition is recorded.
    snmpd.stop()

    async def srv_down():
        return 'vigie_up{asset="srv-linux",kind="server",site="hdv"} 0.0' in await scrape(port)
    assert await wait_for(srv_down, timeout=30)

    daemon.request_stop()
    await asyncio.wait_for(task, 30)
    store = Store(tmp_path / "state" / "vigie.db")
    states = [t.state for t in store.transitions("srv-linux")]
    assert states == ["up", "down", "unmeasured"]
    assert store.runs()[0][2] is not None  # clean stop recorded


async def _true(value):
    return bool(value)


class Broken:
    """An extension whose hooks raise: the daemon must log once, count, and keep polling."""

    name = "broken"

    def collectors(self):
        return ()

    def routes(self):
        return ()

    def on_result(self, result):
        raise KeyError("engine bug")

    async def tick(self, now):
        raise RuntimeError("tick bug")

    def reload(self, config):
        pass

    async def close(self):
        pass


def broken_extension(ctx):
    return Broken()


async def test_a_failing_extension_never_stops_polling(tmp_path, snmpd, portal, caplog):
    cfg = write_config(tmp_path, snmpd, portal)
    daemon = Daemon(cfg, extensions=("tests.test_daemon:broken_extension",))
    task = asyncio.create_task(daemon.run())
    assert await wait_for(lambda: _true(daemon.metrics.extension_errors[("broken", "on_result")] >= 4))
    assert daemon.metrics.outcomes[("snmp", "ok")] >= 2            # polling went on
    text = await scrape(daemon.listen_port)
    assert 'vigie_extension_errors_total{extension="broken",hook="on_result"}' in text
    daemon.request_stop()
    await asyncio.wait_for(task, 30)
    logged = [r for r in caplog.records if "broken.on_result failed" in r.getMessage()]
    assert len(logged) == 1                                          # once, not per poll
