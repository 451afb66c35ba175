"""ProxmoxProbe against a real local aiohttp server (tests/peers/proxmox_fake.py).

No Proxmox VE node can run here: the fake follows the documented API (pve-docs api-viewer:
/nodes and /cluster/resources?type=vm) and its API-token authentication.
"""

from __future__ import annotations

import pytest

from monitor.probes.base import Reason, Result
from monitor.probes.proxmox import ProxmoxOptions, ProxmoxProbe
from tests.peers.proxmox_fake import ProxmoxFake


def value(result: Result, metric: str, **labels: str) -> float:
    found = [s.value for s in result.samples
             if s.name == metric and all((k, v) in s.labels for k, v in labels.items())]
    assert len(found) == 1, (metric, labels, found)
    return found[0]


async def test_nodes_and_guests() -> None:
    async with ProxmoxFake() as fake:
        result = await ProxmoxProbe(asset="pve", options=ProxmoxOptions(base_url=fake.base_url),
                                    token=fake.token).run()
        auth = {a for _, _, a in fake.requests}
        queries = [q for p, q, _ in fake.requests if p.endswith("/cluster/resources")]
    assert result.reason is Reason.OK, result.detail
    assert auth == {f"PVEAPIToken={fake.token}"}
    assert queries == [{"type": "vm"}]
    vms = sorted(dict(s.labels)["vm"] for s in result.samples if s.name == "vigie_vm_info")
    assert vms == ["srv-ad", "srv-fichiers", "web (102)", "web (103)"]     # template skipped
    assert value(result, "vigie_vm_cpu_usage_ratio", vm="srv-fichiers", host="pve1") == 0.25
    assert value(result, "vigie_vm_vcpus", vm="srv-fichiers") == 4
    assert value(result, "vigie_vm_memory_bytes", vm="srv-ad") == 4294967296
    assert value(result, "vigie_vm_power_state", vm="web (103)", state="off") == 1
    assert [s for s in result.samples if s.name == "vigie_vm_cpu_usage_ratio"
            and ("vm", "web (103)") in s.labels] == []
    assert value(result, "vigie_hypervisor_host_cpu_usage_ratio", host="pve1") == pytest.approx(0.125)
    assert value(result, "vigie_hypervisor_host_cpu_threads", host="pve2") == 8


async def test_bad_token() -> None:
    async with ProxmoxFake() as fake:
        probe = ProxmoxProbe(asset="pve", options=ProxmoxOptions(base_url=fake.base_url),
                             token="vigie@pve!monitoring=nope")
        result = await probe.run()
    assert result.reason is Reason.AUTH_ERROR
    assert "nope" not in repr(probe) and "nope" not in result.detail


async def test_timeout() -> None:
    async with ProxmoxFake(delay=2.0) as fake:
        result = await ProxmoxProbe(asset="pve", options=ProxmoxOptions(base_url=fake.base_url,
                                                                        timeout=0.2),
                                    token=fake.token).run()
    assert result.reason is Reason.TIMEOUT
