"""Proxmox VE source: nodes, VM inventory, power state and CPU (Proxmox VE API, api2/json).

Endpoints (pve-docs api-viewer), answers wrapped in ``{"data": ...}``:

* ``GET /api2/json/cluster/resources?type=vm``: one item per guest (qemu and lxc) with ``vmid``,
  ``name``, ``node``, ``status`` ("running", "stopped", ...), ``cpu`` (fraction of ``maxcpu``),
  ``maxcpu``, ``mem``, ``maxmem`` (bytes), ``uptime``, ``template``; templates are skipped;
* ``GET /api2/json/nodes``: ``node``, ``status``, ``cpu`` (fraction of ``maxcpu``), ``maxcpu``.

Authentication is an API token, ``Authorization: PVEAPIToken=USER@REALM!TOKENID=SECRET``: the
credential's ``http.api_key`` holds the whole ``USER@REALM!TOKENID=SECRET`` string. Tokens are
stateless (no ticket, no CSRF header: Vigie only reads).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from yarl import URL

from monitor.probes.base import Reason, Result, Stats
from monitor.probes.httpjson import Failure, get_json, ssl_context
from monitor.probes.vmsamples import HostRow, VmRow, clamp01, inventory_samples, number, unique_names

_STATE = {"running": "on", "stopped": "off", "paused": "paused", "suspended": "suspended",
          "prelaunch": "unknown"}


@dataclass(frozen=True, kw_only=True)
class ProxmoxOptions:
    base_url: str                       # e.g. https://pve.example:8006 ; credentials: http API token
    timeout: float = 15.0
    verify_tls: bool = True
    ca_file: str | None = None


class ProxmoxProbe:
    """Polls one Proxmox VE cluster (any node answers for the whole cluster)."""

    kind = "proxmox"

    def __init__(self, *, asset: str, options: ProxmoxOptions, token: str,
                 session: aiohttp.ClientSession | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.asset = asset
        self.options = options
        self._headers = {"Authorization": f"PVEAPIToken={token}", "Accept": "application/json"}
        self._session = session
        self._clock = clock
        self._base = URL(options.base_url.rstrip("/") + "/api2/json")
        self._ssl = ssl_context(options.verify_tls, options.ca_file)

    def __repr__(self) -> str:
        return f"ProxmoxProbe(asset={self.asset!r}, base_url={self.options.base_url!r}, token='<secret>')"

    async def run(self) -> Result:
        start = self._clock()
        stats = Stats()
        result = Result(probe=self.kind, asset=self.asset, reason=Reason.OK, duration=0.0, stats=stats)
        session = self._session or aiohttp.ClientSession()
        try:
            nodes = await self._data(session, "/nodes", {}, stats)
            guests = await self._data(session, "/cluster/resources", {"type": "vm"}, stats)
            host_rows, vm_rows = parse(nodes, guests)
            result.samples.extend(inventory_samples("proxmox", vm_rows, host_rows))
        except Failure as err:
            result.reason, result.detail = err.reason, err.detail
        finally:
            if self._session is None:
                await session.close()
            result.duration = self._clock() - start
        return result

    async def _data(self, session: aiohttp.ClientSession, path: str, params: dict[str, str],
                    stats: Stats) -> list[dict[str, Any]]:
        url = URL(str(self._base) + path).with_query(params)
        body = await get_json(session, url, timeout=self.options.timeout, stats=stats,
                              headers=self._headers, ssl=self._ssl)
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise Failure(Reason.BAD_RESPONSE, f"{path}: no data list")
        return [x for x in body["data"] if isinstance(x, dict)]


def parse(nodes: list[dict[str, Any]], guests: list[dict[str, Any]]) -> tuple[list[HostRow], list[VmRow]]:
    """API items -> rows. Offline nodes report no CPU; duplicate guest names get their vmid."""
    host_rows = []
    for n in nodes:
        name = str(n.get("node") or "")
        if not name:
            continue
        online = n.get("status", "online") == "online"
        cpu, maxcpu = number(n.get("cpu")), number(n.get("maxcpu"))
        host_rows.append(HostRow(name, int(maxcpu) if maxcpu and maxcpu > 0 else None,
                                 clamp01(cpu) if online and cpu is not None and cpu >= 0 else None))
    guests = [g for g in guests if g.get("vmid") is not None and not g.get("template")]
    named = unique_names([(str(g["vmid"]), str(g.get("name") or f"vm{g['vmid']}")) for g in guests])
    vm_rows = []
    for g in guests:
        state = _STATE.get(str(g.get("status") or ""), "unknown")
        cpu, maxcpu, maxmem = number(g.get("cpu")), number(g.get("maxcpu")), number(g.get("maxmem"))
        vm_rows.append(VmRow(named[str(g["vmid"])], str(g.get("node") or ""), state,
                             int(maxcpu) if maxcpu and maxcpu > 0 else 0, maxmem,
                             clamp01(cpu) if state == "on" and cpu is not None and cpu >= 0 else None))
    return host_rows, vm_rows
