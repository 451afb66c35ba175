"""End to end: devices (real snmpd) -> Vigie -> real Prometheus -> real Alertmanager -> webhook.

The rules are the real ones (rules/*.yml) with the asset-down ``for`` shortened; the
Alertmanager config is the real example (routes, receivers, inhibit rules) with the webhook
URLs pointed at this test's aiohttp server and the group timers shortened.
"""

from __future__ import annotations

import asyncio
import copy
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web

from monitor.daemon import Daemon
from tests.e2e.peers import Alertmanager, Prometheus
from tests.peers.snmpd import Snmpd
from monitor.webserve import serve

ROOT = Path(__file__).resolve().parents[2]


def derived_rules(workdir: Path, down_for: str = "1s") -> list[Path]:
    """The real rule files, with VigieAssetDown's ``for`` set to ``down_for``."""
    out = []
    for src in sorted((ROOT / "rules").glob("*.yml")):
        doc = yaml.safe_load(src.read_text())
        for group in doc["groups"]:
            for rule in group["rules"]:
                if rule.get("alert") == "VigieAssetDown":
                    rule["for"] = down_for
        dst = workdir / src.name
        dst.write_text(yaml.safe_dump(doc, sort_keys=False))
        out.append(dst)
    return out




def am_config(webhook: str) -> dict[str, Any]:
    """The example Alertmanager config, receivers on ``webhook``/<receiver>, timers of 1 s."""
    doc = copy.deepcopy(yaml.safe_load((ROOT / "examples/alertmanager/alertmanager.yml").read_text()))
    doc["global"]["resolve_timeout"] = "10s"
    def fast(route: dict[str, Any]) -> None:
        route.update(group_wait="1s", group_interval="1s")
        for sub in route.get("routes", []):
            fast(sub)
    fast(doc["route"])
    for receiver in doc["receivers"]:
        for hook in receiver.get("webhook_configs", []):
            hook["url"] = f"{webhook}/{receiver['name']}"
    return doc


class Webhook:
    """An aiohttp server on port 0 recording Alertmanager's notifications."""

    def __init__(self) -> None:
        self.notifications: list[tuple[str, dict[str, Any]]] = []  # (receiver, payload)
        self.changed = asyncio.Event()
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/{receiver}", self._post)
        self.runner, port = await serve(app)
        self.url = f"http://127.0.0.1:{port}"

    async def _post(self, request: web.Request) -> web.Response:
        self.notifications.append((request.match_info["receiver"], await request.json()))
        self.changed.set()
        return web.Response(text="ok")

    def seen(self, start: int = 0) -> list[tuple[str, str, str]]:
        """(receiver, status, asset) of every VigieAssetDown alert notified since ``start``."""
        return [(rcv, a["status"], a["labels"]["asset"])
                for rcv, payload in self.notifications[start:] for a in payload["alerts"]
                if a["labels"].get("alertname") == "VigieAssetDown"]

    async def wait_for(self, item: tuple[str, str, str], start: int, timeout: float = 30.0) -> None:
        async def until() -> None:
            while item not in self.seen(start):
                self.changed.clear()
                await self.changed.wait()
        try:
            await asyncio.wait_for(until(), timeout)
        except TimeoutError:
            pytest.fail(f"no notification {item}; got {self.seen(start)}")

    async def close(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


def vigie_config(tmp: Path, fw: Snmpd, sw: Snmpd) -> Path:
    (tmp / "community").write_text(fw.community + "\n")
    cfg = tmp / "vigie.yml"
    # No `parent:` on the switch: Vigie would call it unreachable (never alerted); the
    # Alertmanager inhibit rule covers devices whose dependency is not declared.
    cfg.write_text(textwrap.dedent(f"""\
        daemon: {{listen: "127.0.0.1:0", state_dir: {tmp / 'state'}, start_jitter: false,
                 poll_deadline: 5s}}
        tiers: {{fast: 1s, slow: 1h}}
        snmp: {{timeout: 500ms, retries: 0}}
        credentials:
          agent: {{snmp: {{version: 2c, community: {{file: community}}}}}}
        sites:
          hdv: {{name: Hôtel de ville}}
        assets:
          - {{name: fw-mairie, site: hdv, kind: firewall, address: "127.0.0.1:{fw.port}",
             credentials: agent, profiles: [system]}}
          - {{name: sw-mairie, site: hdv, kind: switch, address: "127.0.0.1:{sw.port}",
             credentials: agent, profiles: [system]}}
        sla:
          calendars: {{h24: {{kind: 24x7}}}}
          contracts:
            infra: {{target: 98, calendar: h24, assets: [fw-mairie, sw-mairie]}}
        """))
    return cfg


async def eventually(check, timeout: float = 30.0) -> None:
    """Poll a blocking ``check() -> bool`` in a thread until it holds."""
    for _ in range(int(timeout / 0.2)):
        if await asyncio.to_thread(check):
            return
        await asyncio.sleep(0.2)
    pytest.fail(f"condition never held: {check.__doc__ or check}")


async def test_asset_down_notifies_resolves_and_uplink_inhibits(tmp_path):
    webhook = Webhook()
    await webhook.start()
    fw = Snmpd(workdir=tmp_path / "fw")
    sw = Snmpd(workdir=tmp_path / "sw")
    am = Alertmanager(workdir=tmp_path / "am", config=am_config(webhook.url))
    daemon: Daemon | None = None
    prom: Prometheus | None = None
    task: asyncio.Task[None] | None = None
    try:
        await asyncio.to_thread(fw.start)
        await asyncio.to_thread(sw.start)
        daemon = Daemon(vigie_config(tmp_path, fw, sw))
        await asyncio.to_thread(am.start)
        task = asyncio.create_task(daemon.run())
        for _ in range(300):
            if daemon.ready and daemon.listen_port:
                break
            await asyncio.sleep(0.05)
        assert daemon.listen_port, "Vigie did not start"
        (tmp_path / "rules").mkdir()
        prom = Prometheus(workdir=tmp_path / "prom", targets=[f"127.0.0.1:{daemon.listen_port}"],
                          rule_files=derived_rules(tmp_path / "rules"), alertmanager=am.address)
        await asyncio.to_thread(prom.start)

        def both_up() -> bool:
            """Prometheus sees both devices up."""
            res = prom.query('vigie_up{job="vigie"} == 1')
            return {r["metric"]["asset"] for r in res} == {"fw-mairie", "sw-mairie"}
        await eventually(both_up)
        health = await asyncio.to_thread(prom.rules_health)
        assert health and all(h == "ok" for h in health.values()), health
        assert webhook.seen() == []  # devices answer: no alert

        def sla_joined() -> bool:
            """The SLA recording rules join Vigie's contract, calendar and asset series."""
            res = prom.query('vigie:sla_scope:valid{contract="infra"} == 1')
            return {r["metric"]["scope"] for r in res} == {"fw-mairie", "sw-mairie"}
        await eventually(sla_joined)

        # The switch stops answering: on-call gets the firing alert; it comes back: resolved.
        start = len(webhook.notifications)
        await asyncio.to_thread(sw.stop)
        await webhook.wait_for(("oncall", "firing", "sw-mairie"), start)
        burning = await asyncio.to_thread(prom.query, 'vigie:sla_burn_rate:5m{contract="infra"} > 0')
        assert {r["metric"]["scope"] for r in burning} == {"sw-mairie"}
        await asyncio.to_thread(sw.start)
        await webhook.wait_for(("oncall", "resolved", "sw-mairie"), start)
        assert all(asset == "sw-mairie" for _, _, asset in webhook.seen(start))

        # The site firewall goes down, then the switch behind it: only the firewall notifies,
        # the switch's alert reaches Alertmanager and is inhibited.
        start = len(webhook.notifications)
        await asyncio.to_thread(fw.stop)
        await webhook.wait_for(("oncall", "firing", "fw-mairie"), start)
        await asyncio.to_thread(sw.stop)

        def sw_inhibited() -> bool:
            """Alertmanager holds the switch's alert, suppressed by the firewall's."""
            alerts = am.alerts(alertname="VigieAssetDown", asset="sw-mairie")
            return any(a["status"]["state"] == "suppressed" and a["status"]["inhibitedBy"]
                       for a in alerts)
        await eventually(sw_inhibited)
        assert ("oncall", "firing", "sw-mairie") not in webhook.seen(start)

        # The firewall comes back while the switch stays down: the inhibition lifts, so the
        # switch notifies now (which shows it was held by the inhibition, not lost).
        await asyncio.to_thread(fw.start)
        await webhook.wait_for(("oncall", "resolved", "fw-mairie"), start)
        await webhook.wait_for(("oncall", "firing", "sw-mairie"), start)
    finally:
        if task is not None and daemon is not None:
            daemon.request_stop()
            await asyncio.wait_for(task, 30)
        for peer in (prom, am):
            if peer is not None:
                await asyncio.to_thread(peer.stop)
        fw.stop()
        sw.stop()
        await webhook.close()
