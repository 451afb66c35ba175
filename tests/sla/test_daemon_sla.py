"""The sla engine in the daemon: real snmpd + real HTTP server, gauges on /metrics, the exclusion API."""

import asyncio
import shutil
import subprocess
import textwrap

import aiohttp

from monitor.daemon import Daemon
from monitor.sla.ledger import Ledger
from tests.test_daemon import scrape, wait_for


def write_config(tmp_path, snmpd, http_port):
    (tmp_path / "community").write_text(snmpd.community + "\n")
    (tmp_path / "token").write_text("s3cret-token\n")
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
            criticality: high
            address: 127.0.0.1:{snmpd.port}
            credentials: agent
            profiles: [system]
          - name: portail
            site: hdv
            kind: service
            probes:
              http: {{url: "http://127.0.0.1:{http_port}/", name: home}}
        sla:
          api_token: {{file: token}}
          calendars:
            24x7: {{kind: 24x7}}
            psg: {{kind: weekly, ranges: {{mon-fri: ["09:00-12:00", "14:00-18:00"]}}}}
          services:
            appli: {{mode: all, members: [srv-linux, portail]}}
          contracts:
            saas:
              target: 99.9
              calendar: 24x7
              assets: [portail]
              services: [appli]
              response: [{{asset: portail, check: home, objectives: "< 2 s for 80 %, < 5 s for 100 %"}}]
              guarantees: {{P1: {{gti: 15m, gtr: 4h}}}}
        """))
    return cfg


async def test_sla_gauges_and_exclusion_api(tmp_path, snmpd, portal):
    daemon = Daemon(write_config(tmp_path, snmpd, portal))
    task = asyncio.create_task(daemon.run())
    try:
        assert await wait_for(lambda: _true(daemon.ready))
        port = daemon.listen_port
        base = f"http://127.0.0.1:{port}"

        async def appli_up():
            return 'vigie_service_up{service="appli"} 1.0' in await scrape(port)
        assert await wait_for(appli_up)
        text = await scrape(port)
        for needle in ('vigie_sla_target_ratio{contract="saas"} 0.999',
                       'vigie_sla_member_info{calendar="24x7",contract="saas",scope="appli",scope_type="service"} 1.0',
                       'vigie_calendar_in_service{calendar="24x7"} 1.0',
                       'vigie_calendar_in_service{calendar="psg"}',
                       'vigie_incidents_total{contract="saas",priority="P1"} 0.0',
                       'vigie_incident_gtr_breaches_total{contract="saas",priority="P1"} 0.0',
                       'vigie_incidents_open{contract="saas",priority="P4"} 0.0'):
            assert needle in text, needle

        async def ratio_published():  # after the first tick: the portal was measured up
            return 'vigie_sla_availability_ratio{contract="saas",scope="portail",scope_type="asset"} 1.0' \
                in await scrape(port)
        assert await wait_for(ratio_published, timeout=30)
        text = await scrape(port)
        assert 'vigie_sla_error_budget_remaining_seconds{contract="saas",scope="saas",scope_type="contract"}' in text
        assert 'vigie_sla_coverage_ratio{contract="saas"' in text
        if shutil.which("promtool"):
            proc = subprocess.run(["promtool", "check", "metrics"], input=text.encode(), capture_output=True)
            sla_lines = [ln for ln in proc.stdout.decode().splitlines() + proc.stderr.decode().splitlines()
                         if "sla" in ln or "incident" in ln or "calendar" in ln or "service_up" in ln]
            assert sla_lines == [], sla_lines

        body = {"type": "planned_maintenance", "assets": ["portail"], "start": "2026-10-07T20:00",
                "end": "2026-10-07T22:00", "author": "alice", "reason": "mise à jour", "reference": "GLPI-1"}
        async with aiohttp.ClientSession() as s:
            async with s.post(f"{base}/api/v1/exclusions", json=body) as r:
                assert r.status == 401
            async with s.post(f"{base}/api/v1/exclusions", json=body,
                              headers={"Authorization": "Bearer wrong"}) as r:
                assert r.status == 401
            auth = {"Authorization": "Bearer s3cret-token"}
            async with s.post(f"{base}/api/v1/exclusions", json=body, headers=auth) as r:
                assert r.status == 201
                created = await r.json()
            assert created["id"] == 1 and created["author"] == "alice" and created["late"] is True  # past date
            async with s.post(f"{base}/api/v1/exclusions", json={**body, "assets": []}, headers=auth) as r:
                assert r.status == 422 and "scope is empty" in (await r.json())["error"]
            async with s.post(f"{base}/api/v1/exclusions/1/confirm", json={"author": "bob", "reason": "x"},
                              headers=auth) as r:
                assert r.status == 422   # not a proposal
            async with s.get(f"{base}/api/v1/exclusions?month=2026-10") as r:
                listed = await r.json()
            assert [e["id"] for e in listed["entries"]] == [1] and listed["head"]["rows"] == 1
            async with s.get(f"{base}/api/v1/exclusions?month=2026-11") as r:
                assert (await r.json())["entries"] == []
            async with s.get(f"{base}/api/v1/exclusions/verify") as r:
                assert r.status == 200 and (await r.json())["ok"] is True
    finally:
        daemon.request_stop()
        await asyncio.wait_for(task, 30)
    assert Ledger(tmp_path / "state" / "vigie.db").verify().rows == 1
    import sqlite3
    db = sqlite3.connect(tmp_path / "state" / "vigie.db")
    rows = db.execute('SELECT asset, "check", seconds, ok FROM http_samples').fetchall()
    assert rows and all(r[0] == "portail" and r[1] == "home" and r[2] > 0 and r[3] == 1 for r in rows)


async def _true(value):
    return bool(value)
