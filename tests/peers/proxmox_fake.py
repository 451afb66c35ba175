"""A real local aiohttp server speaking the Proxmox VE API subset Vigie reads.

No Proxmox VE node can run on the test machines (it is a whole Debian-based distribution with
its cluster filesystem), so this server follows the documented API (pve-docs api-viewer):

* ``GET /api2/json/nodes``: ``{"data": [{"node", "status", "cpu", "maxcpu", "mem", "maxmem",
  "uptime", "id": "node/<name>", "type": "node", "level", "ssl_fingerprint"}]}``;
* ``GET /api2/json/cluster/resources?type=vm``: ``{"data": [{"id": "qemu/100", "type": "qemu",
  "vmid", "name", "node", "status", "cpu", "maxcpu", "mem", "maxmem", "disk", "maxdisk",
  "uptime", "template", "netin", "netout", "diskread", "diskwrite"}]}`` (lxc guests alike);
* Auth: ``Authorization: PVEAPIToken=USER@REALM!TOKENID=SECRET``, else 401 with
  ``{"data": null}`` as pveproxy answers. ``delay`` seconds before answering (timeout tests).
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from monitor.webserve import serve

TOKEN = "vigie@pve!monitoring=4f9c1d2e-8b7a-4c3d-9e1f-0a2b3c4d5e6f"

NODES: list[dict[str, Any]] = [
    {"node": "pve1", "status": "online", "cpu": 0.125, "maxcpu": 16, "mem": 34359738368,
     "maxmem": 137438953472, "uptime": 864000, "id": "node/pve1", "type": "node", "level": "",
     "ssl_fingerprint": "AA:BB", "disk": 10737418240, "maxdisk": 107374182400},
    {"node": "pve2", "status": "online", "cpu": 0.05, "maxcpu": 8, "mem": 8589934592,
     "maxmem": 68719476736, "uptime": 432000, "id": "node/pve2", "type": "node", "level": "",
     "ssl_fingerprint": "CC:DD", "disk": 10737418240, "maxdisk": 107374182400},
]


def _guest(vmid: int, name: str, node: str, status: str, cpu: float, maxcpu: int, maxmem: int,
           kind: str = "qemu", template: int = 0) -> dict[str, Any]:
    running = status == "running"
    return {"id": f"{kind}/{vmid}", "type": kind, "vmid": vmid, "name": name, "node": node,
            "status": status, "cpu": cpu if running else 0, "maxcpu": maxcpu,
            "mem": maxmem // 2 if running else 0, "maxmem": maxmem, "disk": 0,
            "maxdisk": 34359738368, "uptime": 3600 if running else 0, "template": template,
            "netin": 1000, "netout": 2000, "diskread": 0, "diskwrite": 0}


GUESTS: list[dict[str, Any]] = [
    _guest(100, "srv-ad", "pve1", "running", 0.1, 2, 4294967296),
    _guest(101, "srv-fichiers", "pve1", "running", 0.25, 4, 8589934592),
    _guest(102, "web", "pve2", "running", 0.5, 2, 2147483648, kind="lxc"),
    _guest(103, "web", "pve2", "stopped", 0.0, 1, 1073741824),
    _guest(9000, "debian-12-template", "pve1", "stopped", 0.0, 2, 2147483648, template=1),
]


class ProxmoxFake:
    def __init__(self, *, delay: float = 0.0) -> None:
        self.delay = delay
        self.token = TOKEN
        self.base_url = ""
        self.requests: list[tuple[str, dict[str, str], str]] = []
        self._runner: web.AppRunner | None = None

    async def __aenter__(self) -> "ProxmoxFake":
        app = web.Application(middlewares=[self._auth])
        app.router.add_get("/api2/json/nodes", self._nodes)
        app.router.add_get("/api2/json/cluster/resources", self._resources)
        self._runner, port = await serve(app)
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @web.middleware
    async def _auth(self, request: web.Request, handler: Any) -> web.StreamResponse:
        auth = request.headers.get("Authorization", "")
        self.requests.append((request.path, dict(request.query), auth))
        if self.delay:
            await asyncio.sleep(self.delay)
        if auth != f"PVEAPIToken={self.token}":
            return web.json_response({"data": None}, status=401, reason="invalid token value!")
        return await handler(request)

    async def _nodes(self, _: web.Request) -> web.Response:
        return web.json_response({"data": NODES})

    async def _resources(self, request: web.Request) -> web.Response:
        kind = request.query.get("type")
        if kind not in (None, "vm"):
            return web.json_response({"data": []})
        return web.json_response({"data": GUESTS})
