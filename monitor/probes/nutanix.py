"""Nutanix Prism source: VM inventory, power state and CPU (Prism Element REST v2).

Endpoints, under ``{base_url}/PrismGateway/services/rest/v2.0``:

* ``GET /hosts/?page=N&count=M``: ``entities[]`` with ``uuid``, ``name``, ``num_cpu_threads`` and
  ``stats`` (values are strings) whose ``hypervisor_cpu_usage_ppm`` is the host CPU use;
* ``GET /vms/?include_vm_disk_config=false&offset=N&length=M``: ``entities[]`` with ``uuid``,
  ``name``, ``power_state`` ("on", "off", "paused", "suspended"...), ``num_vcpus``,
  ``num_cores_per_vcpu``, ``memory_mb``, ``host_uuid``;
* ``GET /vms/{uuid}/stats/?metrics=hypervisor_cpu_usage_ppm`` for each powered-on VM:
  ``stats_specific_responses[0].values`` (latest last), in ppm of the VM's vCPUs.

Both lists are paged until ``metadata.grand_total_entities`` (or ``total_entities``) items are
read. Basic authentication (credential ``http.username`` / ``http.password``). A VM whose stats
fail is still listed (without CPU) and the failure lands in ``Result.partial``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from yarl import URL

from monitor.probes.base import Reason, Result, Stats
from monitor.probes.httpjson import Failure, basic_auth, get_json, ssl_context
from monitor.probes.vmsamples import (POWER_STATES, HostRow, VmRow, clamp01, inventory_samples, number,
                                      unique_names)

API = "/PrismGateway/services/rest/v2.0"
CPU_METRIC = "hypervisor_cpu_usage_ppm"


@dataclass(frozen=True, kw_only=True)
class NutanixOptions:
    base_url: str                       # e.g. https://prism.example:9440 ; credentials: http.username/password
    timeout: float = 15.0
    verify_tls: bool = True
    ca_file: str | None = None
    page_size: int = 100                # entities per page (vms: length, hosts: count)
    vm_stats: bool = True               # read each powered-on VM's CPU (one request per VM)
    concurrency: int = 8                # stats requests in flight at once


class NutanixProbe:
    """Polls one Prism Element cluster."""

    kind = "nutanix"

    def __init__(self, *, asset: str, options: NutanixOptions, username: str, password: str,
                 session: aiohttp.ClientSession | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.asset = asset
        self.options = options
        self._headers = {"Authorization": basic_auth(username, password), "Accept": "application/json"}
        self._session = session
        self._clock = clock
        self._base = URL(options.base_url.rstrip("/") + API)
        self._ssl = ssl_context(options.verify_tls, options.ca_file)

    def __repr__(self) -> str:
        return (f"NutanixProbe(asset={self.asset!r}, base_url={self.options.base_url!r}, "
                "password='<secret>')")

    async def run(self) -> Result:
        start = self._clock()
        stats = Stats()
        result = Result(probe=self.kind, asset=self.asset, reason=Reason.OK, duration=0.0, stats=stats)
        session = self._session or aiohttp.ClientSession()
        try:
            hosts = await self._paged(session, "/hosts/", {}, stats, style="page")
            vms = await self._paged(session, "/vms/", {"include_vm_disk_config": "false"}, stats,
                                    style="offset")
            cpu: dict[str, float | None] = {}
            if self.options.vm_stats:
                cpu = await self._vm_cpu(session, vms, stats, result.partial)
            host_rows, vm_rows = parse(hosts, vms, cpu)
            result.samples.extend(inventory_samples("nutanix", vm_rows, host_rows))
            if result.partial:
                result.detail = f"{len(result.partial)} VM(s) without CPU stats"
        except Failure as err:
            result.reason, result.detail = err.reason, err.detail
        finally:
            if self._session is None:
                await session.close()
            result.duration = self._clock() - start
        return result

    async def _get(self, session: aiohttp.ClientSession, path: str, params: dict[str, str],
                   stats: Stats) -> Any:
        url = URL(str(self._base) + path).with_query(params)
        return await get_json(session, url, timeout=self.options.timeout, stats=stats,
                              headers=self._headers, ssl=self._ssl)

    async def _paged(self, session: aiohttp.ClientSession, path: str, params: dict[str, str],
                     stats: Stats, *, style: str) -> list[dict[str, Any]]:
        """Every entity of a v2 list: ``style`` offset (offset/length) or page (page/count, from 1)."""
        size = max(1, self.options.page_size)
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            q = dict(params)
            if style == "offset":
                q.update(offset=str(len(items)), length=str(size))
            else:
                q.update(page=str(page), count=str(size))
            body = await self._get(session, path, q, stats)
            if not isinstance(body, dict) or not isinstance(body.get("entities"), list):
                raise Failure(Reason.BAD_RESPONSE, f"{path}: no entities list")
            batch = [e for e in body["entities"] if isinstance(e, dict)]
            items.extend(batch)
            meta = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
            total = number(meta.get("grand_total_entities", meta.get("total_entities")))
            if not batch or total is None or len(items) >= total:
                return items
            page += 1

    async def _vm_cpu(self, session: aiohttp.ClientSession, vms: list[dict[str, Any]], stats: Stats,
                      partial: dict[str, Reason]) -> dict[str, float | None]:
        gate = asyncio.Semaphore(max(1, self.options.concurrency))

        async def one(uuid: str) -> tuple[str, float | None]:
            async with gate:
                try:
                    body = await self._get(session, f"/vms/{uuid}/stats/", {"metrics": CPU_METRIC}, stats)
                except Failure as err:
                    if err.reason in (Reason.AUTH_ERROR, Reason.REFUSED, Reason.UNREACHABLE):
                        raise
                    partial[f"vm_stats:{uuid}"] = err.reason
                    return uuid, None
            ppm = latest_stat(body, CPU_METRIC)
            if ppm is None:
                partial[f"vm_stats:{uuid}"] = Reason.BAD_RESPONSE
            return uuid, (None if ppm is None else clamp01(ppm / 1e6))

        uuids = [str(v["uuid"]) for v in vms if v.get("uuid") and _state(v.get("power_state")) == "on"]
        return dict(await asyncio.gather(*(one(u) for u in uuids)))


def latest_stat(body: Any, metric: str) -> float | None:
    """The last value of ``metric`` in a v2 ``stats_specific_responses`` answer."""
    if not isinstance(body, dict) or not isinstance(body.get("stats_specific_responses"), list):
        return None
    for r in body["stats_specific_responses"]:
        if isinstance(r, dict) and r.get("metric") == metric and r.get("successful", True):
            values = [number(x) for x in r.get("values") or []]
            values = [x for x in values if x is not None and x >= 0]
            return values[-1] if values else None
    return None


def _state(value: Any) -> str:
    s = str(value or "").lower()
    return s if s in POWER_STATES else "unknown"


def parse(hosts: list[dict[str, Any]], vms: list[dict[str, Any]],
          cpu: dict[str, float | None]) -> tuple[list[HostRow], list[VmRow]]:
    """Prism v2 entities -> rows (host uuids resolved to names; duplicate VM names disambiguated)."""
    host_name = {str(h.get("uuid")): str(h.get("name") or h.get("uuid")) for h in hosts if h.get("uuid")}
    host_rows = []
    for h in hosts:
        if not h.get("uuid"):
            continue
        st = h.get("stats") if isinstance(h.get("stats"), dict) else {}
        ppm = number(st.get(CPU_METRIC))
        threads = number(h.get("num_cpu_threads"))
        host_rows.append(HostRow(host_name[str(h["uuid"])],
                                 int(threads) if threads is not None and threads > 0 else None,
                                 None if ppm is None or ppm < 0 else clamp01(ppm / 1e6)))
    named = unique_names([(str(v["uuid"]), str(v.get("name") or "")) for v in vms if v.get("uuid")])
    vm_rows = []
    for v in vms:
        uuid = str(v.get("uuid") or "")
        if not uuid:
            continue
        vcpus = int(number(v.get("num_vcpus")) or 0) * max(1, int(number(v.get("num_cores_per_vcpu")) or 1))
        mem = number(v.get("memory_mb"))
        hu = v.get("host_uuid")
        vm_rows.append(VmRow(named[uuid], host_name.get(str(hu), str(hu)) if hu else "",
                             _state(v.get("power_state")), vcpus,
                             None if mem is None else mem * 1048576.0, cpu.get(uuid)))
    return host_rows, vm_rows
