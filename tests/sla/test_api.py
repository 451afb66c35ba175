"""The API on a real aiohttp server (port 0): writes refused without a configured token, incident ack,
and every route documented in docs/openapi-sla.yml."""

import re
from pathlib import Path

import aiohttp
import yaml
from aiohttp import web

from monitor.sla.api import Api
from monitor.sla.db import SlaDb
from monitor.sla.ledger import Ledger
from tests.sla.town import town
from monitor.webserve import serve as start_server

DOC = Path(__file__).resolve().parents[2] / "docs" / "openapi-sla.yml"


async def serve(api):
    app = web.Application()
    app.router.add_routes(api.routes())
    runner, port = await start_server(app)
    return runner, f"http://127.0.0.1:{port}"


async def test_writes_refused_without_configured_token_and_ack(tmp_path):
    cfg = town(tmp_path, token=False)
    path = tmp_path / "state" / "vigie.db"
    db = SlaDb(path)
    db.execute("INSERT INTO sla_incidents (contract, scope_type, scope, start, priority) "
               "VALUES ('saas', 'asset', 'portail', 100.0, 'P2')")
    api = Api(section=lambda: cfg.sla, ledger=Ledger(path), db=db, wall=lambda: 1000.0)
    runner, base = await serve(api)
    try:
        async with aiohttp.ClientSession() as s:
            async with s.post(f"{base}/api/v1/exclusions", json={"reason": "x"},
                              headers={"Authorization": "Bearer anything"}) as r:
                assert r.status == 403 and "api_token" in (await r.json())["error"]
        (tmp_path / "b").mkdir()
        token_cfg = town(tmp_path / "b")
        api.section = lambda: token_cfg.sla
        auth = {"Authorization": "Bearer s3cret-token"}
        async with aiohttp.ClientSession() as s:
            async with s.post(f"{base}/api/v1/incidents/1/ack", json={"at": 500, "by": "astreinte"},
                              headers=auth) as r:
                assert r.status == 200
            async with s.post(f"{base}/api/v1/incidents/9/ack", json={}, headers=auth) as r:
                assert r.status == 404
            async with s.get(f"{base}/api/v1/incidents") as r:
                (row,) = (await r.json())["incidents"]
        assert row["ack_at"] == 500 and row["ack_by"] == "astreinte" and row["priority"] == "P2"
    finally:
        await runner.cleanup()


def test_every_route_is_documented(tmp_path):
    cfg = town(tmp_path)
    api = Api(section=lambda: cfg.sla, ledger=None, db=None, wall=lambda: 0.0)
    doc = yaml.safe_load(DOC.read_text())["paths"]
    for route in api.routes():
        path = re.sub(r"\{(\w+):[^}]*\}", r"{\1}", route.path)
        path = path.replace("{action}", "{action}")
        assert path in doc and route.method.lower() in doc[path], (route.method, path)
