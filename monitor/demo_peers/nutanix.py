"""A FAKE Nutanix Prism Element: a real local aiohttp server speaking the REST v2 subset Vigie reads.

No Nutanix cluster (nor the Prism gateway) can run on the demo and test machines, so this server is
built from the documented v2.0 payloads (Prism REST API v2 reference, "vms", "hosts" and "stats"
resources). The demo starts it (and says it is a fake); the tests import it via tests/peers/:

* ``GET /PrismGateway/services/rest/v2.0/hosts/?page=&count=``: ``{"metadata": {...},
  "entities": [...]}`` with ``uuid``, ``name``, ``num_cpu_threads``, ``num_cpu_cores``,
  ``cpu_capacity_in_hz``, ``memory_capacity_in_bytes`` and ``stats`` whose values are strings
  (``"hypervisor_cpu_usage_ppm": "100000"``), as Prism sends them;
* ``GET .../v2.0/vms/?include_vm_disk_config=false&offset=&length=``: entities with ``uuid``,
  ``name``, ``power_state``, ``num_vcpus``, ``num_cores_per_vcpu``, ``memory_mb``, ``host_uuid``
  (absent for powered-off VMs); ``metadata`` has ``grand_total_entities``, ``total_entities``,
  ``count``, ``start_index``, ``end_index``;
* ``GET .../v2.0/vms/{uuid}/stats/?metrics=hypervisor_cpu_usage_ppm``:
  ``{"stats_specific_responses": [{"successful": true, "message": null, "start_time_in_usecs": ..,
  "interval_in_secs": .., "metric": "hypervisor_cpu_usage_ppm", "values": [ppm]}]}``;
* Basic auth, else 401. ``delay`` seconds before answering (timeout tests); ``fail_stats``: VM
  uuids whose stats answer 500.

The cluster is the town's: 3 AHV nodes (32 threads each), 22 VMs, 44 vCPUs, 103,424 MB RAM
(~101 GiB, the inventory's "~102 GB"), 2 non-production VMs powered off.
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any

from aiohttp import web
from monitor.webserve import serve

API = "/PrismGateway/services/rest/v2.0"
USER, PASSWORD = "vigie-ro", "s3cret-prism"

HOSTS: list[dict[str, Any]] = [
    {"uuid": f"0000000{i}-host-4a5b-8c9d-ntnxnode000{i}", "name": f"ntnx-node-{i}",
     "num_cpu_threads": 32, "num_cpu_cores": 16, "num_cpu_sockets": 2,
     "cpu_capacity_in_hz": 33600000000, "memory_capacity_in_bytes": 274877906944,
     "hypervisor_type": "kKvm", "state": "NORMAL", "block_model_name": "NX-3060-G7",
     "stats": {"hypervisor_cpu_usage_ppm": ppm, "hypervisor_memory_usage_ppm": "350000",
               "num_iops": "120"}}
    for i, ppm in ((1, "100000"), (2, "80000"), (3, "60000"))
]

# name, node (1-3, None when off), power_state, num_vcpus, num_cores_per_vcpu, memory_mb, cpu ppm
_VMS = [
    ("srv-ad1", 1, "on", 1, 2, 4096, 50000),
    ("srv-fichiers", 1, "on", 2, 1, 8192, 120000),
    ("srv-glpi", 1, "on", 2, 1, 4096, 80000),
    ("srv-relais-mail", 1, "on", 1, 1, 2048, 30000),
    ("srv-sql", 1, "on", 4, 1, 16384, 250000),
    ("srv-citrix-ddc", 1, "on", 2, 1, 8192, 100000),
    ("srv-sauvegarde", 1, "on", 2, 1, 4096, 400000),
    ("srv-impression", 1, "on", 1, 1, 2048, 20000),
    ("srv-ad2", 2, "on", 2, 1, 4096, 40000),
    ("srv-paie", 2, "on", 2, 1, 8192, 150000),
    ("srv-etat-civil", 2, "on", 2, 1, 4096, 90000),
    ("srv-compta", 2, "on", 2, 1, 8192, 110000),
    ("srv-wsus", 2, "on", 2, 1, 4096, 60000),
    ("srv-intranet", 2, "on", 1, 1, 2048, 25000),
    ("srv-vdi-broker", 2, "on", 2, 1, 4096, 70000),
    ("srv-supervision", 3, "on", 2, 1, 4096, 200000),
    ("srv-dns", 3, "on", 1, 1, 1024, 15000),
    ("srv-proxy", 3, "on", 2, 1, 2048, 60000),
    ("srv-ged", 3, "on", 2, 1, 4096, 130000),
    ("srv-antivirus", 3, "on", 2, 1, 4096, 45000),
    ("recette-etat-civil", None, "off", 3, 1, 2048, 0),
    ("dev-bac-a-sable", None, "off", 3, 1, 2048, 0),
]


def _vm(i: int, row: tuple) -> dict[str, Any]:
    name, node, state, vcpus, cores, mem, _ = row
    vm: dict[str, Any] = {
        "uuid": f"5e1f{i:04d}-7a2b-4c3d-9e8f-00000000{i:04d}", "name": name, "power_state": state,
        "num_vcpus": vcpus, "num_cores_per_vcpu": cores, "memory_mb": mem,
        "description": "", "vm_logical_timestamp": 3, "allow_live_migrate": True,
        "gpus_assigned": False, "ha_priority": 0, "machine_type": "pc", "timezone": "UTC",
        "vm_features": {"AGENT_VM": False, "VGA_CONSOLE": True},
        "boot": {"uefi_boot": False}, "serial_ports": []}
    if node is not None:
        vm["host_uuid"] = HOSTS[node - 1]["uuid"]
    return vm


VMS: list[dict[str, Any]] = [_vm(i, r) for i, r in enumerate(_VMS)]
VM_PPM: dict[str, int] = {VMS[i]["uuid"]: r[6] for i, r in enumerate(_VMS)}


def _metadata(total: int, start: int, count: int) -> dict[str, Any]:
    return {"grand_total_entities": total, "total_entities": total, "count": count,
            "start_index": start, "end_index": start + count - 1 if count else start}


class NutanixFake:
    def __init__(self, *, delay: float = 0.0, fail_stats: frozenset[str] = frozenset()) -> None:
        self.delay = delay
        self.fail_stats = set(fail_stats)
        self.hosts = [dict(h) for h in HOSTS]
        self.vms = [dict(v) for v in VMS]
        self.vm_ppm = dict(VM_PPM)
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.base_url = ""
        self.username, self.password = USER, PASSWORD
        self._runner: web.AppRunner | None = None

    async def __aenter__(self) -> "NutanixFake":
        app = web.Application(middlewares=[self._auth])
        app.router.add_get(API + "/hosts/", self._hosts)
        app.router.add_get(API + "/vms/", self._vms)
        app.router.add_get(API + "/vms/{uuid}/stats/", self._stats)
        self._runner, port = await serve(app, access_log=None)
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @web.middleware
    async def _auth(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append((request.path, dict(request.query)))
        if self.delay:
            await asyncio.sleep(self.delay)
        auth = request.headers.get("Authorization", "")
        want = "Basic " + base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        if auth != want:
            return web.json_response({"message": "Authentication required", "error_code": {
                "code": 401}}, status=401)
        return await handler(request)

    async def _hosts(self, request: web.Request) -> web.Response:
        page, count = int(request.query.get("page", "1")), int(request.query.get("count", "100"))
        start = (page - 1) * count
        chunk = self.hosts[start:start + count]
        return web.json_response({"metadata": _metadata(len(self.hosts), start, len(chunk)),
                                  "entities": chunk})

    async def _vms(self, request: web.Request) -> web.Response:
        start, length = int(request.query.get("offset", "0")), int(request.query.get("length", "100"))
        chunk = self.vms[start:start + length]
        return web.json_response({"metadata": _metadata(len(self.vms), start, len(chunk)),
                                  "entities": chunk})

    async def _stats(self, request: web.Request) -> web.Response:
        uuid = request.match_info["uuid"]
        if uuid not in self.vm_ppm:
            return web.json_response({"message": f"VM {uuid} not found"}, status=404)
        if uuid in self.fail_stats:
            return web.json_response({"message": "stats service unavailable"}, status=500)
        metric = request.query.get("metrics", "")
        return web.json_response({"stats_specific_responses": [{
            "successful": True, "message": None, "start_time_in_usecs": 1763798400000000,
            "interval_in_secs": 30, "metric": metric,
            "values": [self.vm_ppm[uuid]] if metric == "hypervisor_cpu_usage_ppm" else []}]})
