"""Real peers shared by the daemon-level tests: a net-snmp agent and a small HTTP portal."""

import pytest
from aiohttp import web

from monitor.webserve import serve
from tests.peers.snmpd import Snmpd


@pytest.fixture
def snmpd(tmp_path):
    """net-snmp snmpd on 127.0.0.1 at an OS-chosen port (v2c community, v3 authPriv user)."""
    with Snmpd(workdir=tmp_path / "snmpd") as agent:
        yield agent


@pytest.fixture
async def portal():
    """An HTTP "SaaS" on loopback answering "Portail Famille ok"; yields its port."""
    async def home(_):
        return web.Response(text="Portail Famille ok")

    app = web.Application()
    app.router.add_get("/", home)
    runner, port = await serve(app)
    yield port
    await runner.cleanup()
