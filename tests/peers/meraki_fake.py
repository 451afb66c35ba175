"""A real local aiohttp server speaking the Meraki Dashboard API v1 subset Vigie reads.

No Meraki cloud can be reached from the test machines, so this server is built from the
vendor's documented payloads (developer.cisco.com/meraki/api-v1):

* ``GET /organizations/{organizationId}/devices/statuses``: items shaped like the documented
  example of *getOrganizationDevicesStatuses* (the "My AP" / ``Q234-ABCD-5678`` item is that
  example verbatim, the others copy its shape); paged with ``perPage`` / ``startingAfter`` and
  an RFC 8288 ``Link`` header (``rel=first`` and ``rel=next``), as the API does.
* ``GET /devices/{serial}/switch/ports/statuses``: items shaped like the documented example of
  *getDeviceSwitchPortsStatuses* (port "1" with ``powerUsageInWh: 55.9``, ``trafficInKbps``
  ``{total: 2.2, sent: 1.2, recv: 1}``, ``poe: {isAllocated: false}`` is that example, cdp/lldp
  blocks left out); other ports copy its shape.
* Auth: ``Authorization: Bearer <key>`` or ``X-Cisco-Meraki-API-Key: <key>``; otherwise 401
  ``{"errors": ["Invalid API key"]}``. Unknown organisation or serial: 404.
* ``rate_limit_first=N``: the very first request gets 429 with ``Retry-After: N``.
  ``fail_5xx=N``: the first N requests (after any 429) get 503. ``delay``: seconds slept before
  answering (timeout tests). ``next_origin``: put the next-page link on another origin.

Usage::

    async with MerakiFake(rate_limit_first=2) as fake:
        fake.base_url, fake.api_key, fake.org_id
        fake.requests            # list of (path, query dict) actually served or refused
"""

from __future__ import annotations

import asyncio
import copy
from typing import Any

from aiohttp import web
from monitor.webserve import serve

ORG_ID = "549236"
NETWORK = "N_24329156"

# getOrganizationDevicesStatuses documented example item (verbatim), then the same shape.
DEVICES: list[dict[str, Any]] = [
    {"name": "My AP", "serial": "Q234-ABCD-5678", "mac": "00:11:22:33:44:55",
     "publicIp": "123.123.123.1", "networkId": NETWORK, "status": "online",
     "lastReportedAt": "2018-02-11T00:00:00.090210Z", "lanIp": "1.2.3.4", "gateway": "1.2.3.5",
     "ipType": "dhcp", "primaryDns": "8.8.8.8", "secondaryDns": "8.8.4.4",
     "productType": "wireless", "model": "MR34", "components": {"powerSupplies": []},
     "tags": ["recently-added"]},
    {"name": "Core MS425", "serial": "Q2HP-AAAA-0001", "mac": "00:11:22:33:44:01",
     "publicIp": "123.123.123.1", "networkId": NETWORK, "status": "online",
     "lastReportedAt": "2026-11-22T08:00:00.000000Z", "lanIp": "10.0.0.2",
     "gateway": "10.0.0.1", "ipType": "static", "primaryDns": "10.0.0.1",
     "secondaryDns": None, "productType": "switch", "model": "MS425-32",
     "components": {"powerSupplies": []}, "tags": []},
    {"name": "Ecole MS120", "serial": "Q2HP-BBBB-0002", "mac": "00:11:22:33:44:02",
     "publicIp": "123.123.123.2", "networkId": "N_ECOLE", "status": "alerting",
     "lastReportedAt": "2026-11-22T07:59:30.000000Z", "lanIp": "10.1.0.2",
     "gateway": "10.1.0.1", "ipType": "dhcp", "primaryDns": "10.0.0.1",
     "secondaryDns": None, "productType": "switch", "model": "MS120-8FP",
     "components": {"powerSupplies": []}, "tags": []},
    {"name": "Piscine MS120", "serial": "Q2HP-CCCC-0003", "mac": "00:11:22:33:44:03",
     "publicIp": None, "networkId": "N_PISCINE", "status": "offline",
     "lastReportedAt": "2026-11-20T18:00:00.000000Z", "lanIp": None, "gateway": None,
     "ipType": "dhcp", "primaryDns": None, "secondaryDns": None, "productType": "switch",
     "model": "MS120-8FP", "components": {"powerSupplies": []}, "tags": []},
    {"name": "Mairie MX", "serial": "Q2MX-DDDD-0004", "mac": "00:11:22:33:44:04",
     "publicIp": "123.123.123.3", "networkId": NETWORK, "status": "dormant",
     "lastReportedAt": None, "lanIp": None, "gateway": None, "ipType": "static",
     "primaryDns": None, "secondaryDns": None, "productType": "appliance", "model": "MX85",
     "components": {"powerSupplies": []}, "tags": []},
]


def _port(port_id: str, *, status: str = "Connected", speed: str = "1 Gbps", wh: float = 0.0,
          allocated: bool = False, sent: float = 0.0, recv: float = 0.0) -> dict[str, Any]:
    return {"portId": port_id, "enabled": True, "status": status,
            "spanningTree": {"statuses": ["Forwarding"] if status == "Connected" else []},
            "isUplink": False, "errors": [], "warnings": [], "speed": speed,
            "duplex": "full" if speed else "", "usageInKb": {"total": 0, "sent": 0, "recv": 0},
            "clientCount": 1 if status == "Connected" else 0, "powerUsageInWh": wh,
            "trafficInKbps": {"total": sent + recv, "sent": sent, "recv": recv},
            "securePort": {"enabled": False, "active": False,
                           "authenticationStatus": "Disabled"},
            "poe": {"isAllocated": allocated}}


# getDeviceSwitchPortsStatuses documented example item (cdp/lldp left out), then same shape.
DOC_PORT: dict[str, Any] = {
    "portId": "1", "enabled": True, "status": "Connected",
    "spanningTree": {"statuses": ["Learning"]}, "isUplink": False,
    "errors": ["PoE overload", "Very high proportion of CRC errors"],
    "warnings": ["SecurePort authentication in progress", "PoE port was denied power",
                 "High proportion of CRC errors"],
    "speed": "10 Gbps", "duplex": "full",
    "usageInKb": {"total": 40867, "sent": 23008, "recv": 17859},
    "clientCount": 10, "powerUsageInWh": 55.9,
    "trafficInKbps": {"total": 2.2, "sent": 1.2, "recv": 1},
    "securePort": {"enabled": True, "active": True,
                   "authenticationStatus": "Authentication in progress",
                   "configOverrides": {"type": "trunk", "vlan": 12, "voiceVlan": 34,
                                       "allowedVlans": "all"}},
    "poe": {"isAllocated": False},
}

PORTS: dict[str, list[dict[str, Any]]] = {
    "Q2HP-AAAA-0001": [DOC_PORT,
                       _port("2", wh=12.0, allocated=True, sent=800.0, recv=200.0),
                       _port("3", status="Disconnected", speed="")],
    "Q2HP-BBBB-0002": [_port("1", wh=7.2, allocated=True, speed="100 Mbps"),
                       _port("2", wh=0.0, allocated=False, speed="1 Gbps")],
    "Q2HP-CCCC-0003": [_port("1", status="Disconnected", speed="")],
}


class MerakiFake:
    """The server; ``base_url`` ends with ``/api/v1`` like the real one."""

    def __init__(self, *, api_key: str = "0123456789abcdef-fake", org_id: str = ORG_ID,
                 devices: list[dict[str, Any]] | None = None,
                 ports: dict[str, list[dict[str, Any]]] | None = None,
                 rate_limit_first: int | None = None, fail_5xx: int = 0, delay: float = 0.0,
                 next_origin: str | None = None) -> None:
        self.api_key = api_key
        self.org_id = org_id
        self.devices = copy.deepcopy(DEVICES if devices is None else devices)
        self.ports = copy.deepcopy(PORTS if ports is None else ports)
        self.rate_limit_first = rate_limit_first
        self.fail_5xx = fail_5xx
        self.delay = delay
        self.next_origin = next_origin
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/api/v1/organizations/{org}/devices/statuses", self._statuses)
        app.router.add_get("/api/v1/devices/{serial}/switch/ports/statuses", self._ports)
        self._runner, self.port = await serve(app, access_log=None)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> MerakiFake:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def _gate(self, request: web.Request) -> web.Response | None:
        """Shared checks, in the API's order: rate limit, server errors, then the key."""
        self.requests.append((request.path, dict(request.query)))
        if self.rate_limit_first is not None:
            wait, self.rate_limit_first = self.rate_limit_first, None
            return web.json_response({"errors": ["API rate limit exceeded for organization"]},
                                     status=429, headers={"Retry-After": str(wait)})
        if self.fail_5xx > 0:
            self.fail_5xx -= 1
            return web.json_response({"errors": ["Service Unavailable"]}, status=503)
        auth = request.headers.get("Authorization", "")
        key = auth[len("Bearer "):] if auth.startswith("Bearer ") else \
            request.headers.get("X-Cisco-Meraki-API-Key", "")
        if key != self.api_key:
            return web.json_response({"errors": ["Invalid API key"]}, status=401)
        return None

    async def _statuses(self, request: web.Request) -> web.StreamResponse:
        if self.delay:
            await asyncio.sleep(self.delay)
        refused = self._gate(request)
        if refused is not None:
            return refused
        org = request.match_info["org"]
        if org != self.org_id:
            return web.json_response({"errors": ["Resource not found"]}, status=404)
        per_page = max(3, min(1000, int(request.query.get("perPage", "1000"))))
        after = request.query.get("startingAfter")
        items = sorted(self.devices, key=lambda d: d["serial"])
        if after:
            items = [d for d in items if d["serial"] > after]
        page, rest = items[:per_page], items[per_page:]
        path = f"/api/v1/organizations/{org}/devices/statuses"
        origin = f"http://127.0.0.1:{self.port}"
        links = [f"<{origin}{path}?perPage={per_page}>; rel=first"]
        if rest:
            nxt = self.next_origin or origin
            links.append(f"<{nxt}{path}?perPage={per_page}&startingAfter={page[-1]['serial']}>;"
                         f" rel=next")
        return web.json_response(page, headers={"Link": ", ".join(links)})

    async def _ports(self, request: web.Request) -> web.StreamResponse:
        if self.delay:
            await asyncio.sleep(self.delay)
        refused = self._gate(request)
        if refused is not None:
            return refused
        serial = request.match_info["serial"]
        if serial not in self.ports:
            return web.json_response({"errors": ["Resource not found"]}, status=404)
        return web.json_response(self.ports[serial])
