"""Redfish peers on loopback serving the DMTF ``public-rackmount1`` mockup
(``monitor/demo_peers/redfish_mockup``).

* :func:`sushy_static` (:mod:`monitor.demo_peers.redfish`, shared with the demo): the real
  ``sushy-static`` mockup server of sushy-tools (OpenStack) in a subprocess, serving the mockup
  tree as-is (no authentication: it has none).
* :class:`RedfishPeer`: a local aiohttp server serving the same tree with what sushy-static lacks:
  HTTP Basic auth, Redfish sessions (``POST /redfish/v1/SessionService/Sessions`` ->
  ``X-Auth-Token``), editable documents (``peer.docs[path]``) and fault modes: ``delay`` (seconds
  before every answer), ``malformed`` (paths answered with broken JSON).

Both bind port 0 on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import os
from typing import Any

from aiohttp import web

from monitor.demo_peers.redfish import MOCKUP, load_mockup, sushy_static
from monitor.webserve import serve

__all__ = ["MOCKUP", "RedfishPeer", "load_mockup", "sushy_static"]


class RedfishPeer:
    """aiohttp Redfish service with Basic auth and sessions (see the module docstring)."""

    def __init__(self, *, username: str = "root", password: str = "calvin",
                 docs: dict[str, dict[str, Any]] | None = None) -> None:
        self.username, self.password = username, password
        self.docs = docs if docs is not None else load_mockup()
        self.delay = 0.0
        self.malformed: set[str] = set()
        self.requests: list[tuple[str, str]] = []
        self.sessions: dict[str, str] = {}      # token -> session URI
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    def doc(self, path: str) -> dict[str, Any]:
        return self.docs[path]

    def without(self, path: str, *keys: str) -> None:
        """Drop properties from a document (a BMC that does not implement them)."""
        d = copy.deepcopy(self.docs[path])
        for k in keys:
            d.pop(k, None)
        self.docs[path] = d

    async def __aenter__(self) -> RedfishPeer:
        app = web.Application()
        app.router.add_post("/redfish/v1/SessionService/Sessions", self._login)
        app.router.add_delete("/redfish/v1/SessionService/Sessions/{sid}", self._logout)
        app.router.add_get("/{tail:.*}", self._get)
        self._runner, port = await serve(app)
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _authorised(self, request: web.Request) -> bool:
        token = request.headers.get("X-Auth-Token")
        if token is not None:
            return token in self.sessions
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        user, _, pw = base64.b64decode(header[6:]).decode().partition(":")
        return (user, pw) == (self.username, self.password)

    async def _get(self, request: web.Request) -> web.StreamResponse:
        path = request.path.rstrip("/")
        self.requests.append(("GET", path))
        if self.delay:
            await asyncio.sleep(self.delay)
        if not self._authorised(request):
            return web.json_response({"error": {"code": "Base.1.8.GeneralError"}}, status=401,
                                     headers={"WWW-Authenticate": 'Basic realm="redfish"'})
        if path in self.malformed:
            return web.Response(text='{"@odata.id": "' + path, content_type="application/json")
        if path not in self.docs:
            return web.json_response({"error": {"code": "Base.1.8.ResourceMissingAtURI"}},
                                     status=404)
        return web.json_response(self.docs[path])

    async def _login(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(("POST", request.path))
        body = await request.json()
        if (body.get("UserName"), body.get("Password")) != (self.username, self.password):
            return web.json_response({"error": {"code": "Base.1.8.GeneralError"}}, status=401)
        sid = str(len(self.sessions) + 1)
        token = base64.b64encode(os.urandom(12)).decode()
        uri = f"/redfish/v1/SessionService/Sessions/{sid}"
        self.sessions[token] = uri
        return web.json_response({"Id": sid, "UserName": self.username}, status=201,
                                 headers={"X-Auth-Token": token, "Location": uri})

    async def _logout(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(("DELETE", request.path))
        token = request.headers.get("X-Auth-Token", "")
        if self.sessions.get(token) != request.path:
            return web.Response(status=401)
        del self.sessions[token]
        return web.Response(status=204)
