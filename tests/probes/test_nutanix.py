"""NutanixProbe against a real local aiohttp server (tests/peers/nutanix_fake.py).

No Nutanix cluster can run here: the fake serves payloads shaped like the documented Prism
Element REST v2 answers (vms, hosts, vms/{uuid}/stats), for the town's 3-node, 22-VM cluster.
"""

from __future__ import annotations

import socket

import pytest

from monitor.probes.base import Reason, Result
from monitor.probes.nutanix import NutanixOptions, NutanixProbe, latest_stat
from tests.peers.nutanix_fake import API, VMS, NutanixFake


def probe_for(fake: NutanixFake, *, password: str | None = None, **opts: object) -> NutanixProbe:
    options = NutanixOptions(base_url=fake.base_url, **{"page_size": 5, **opts})  # type: ignore[arg-type]
    return NutanixProbe(asset="prism", options=options, username=fake.username,
                        password=fake.password if password is None else password)


def values(result: Result, metric: str, **labels: str) -> list[float]:
    return [s.value for s in result.samples
            if s.name == metric and all((k, v) in s.labels for k, v in labels.items())]


def value(result: Result, metric: str, **labels: str) -> float:
    found = values(result, metric, **labels)
    assert len(found) == 1, (metric, labels, found)
    return found[0]


async def test_inventory_cpu_and_paging() -> None:
    async with NutanixFake() as fake:
        result = await probe_for(fake).run()
        requests = list(fake.requests)
    assert result.reason is Reason.OK, result.detail
    assert result.partial == {}
    # paging: 22 VMs by 5 -> offsets 0,5,10,15,20; 3 hosts by 5 -> one page
    offsets = [q["offset"] for p, q in requests if p == API + "/vms/"]
    assert offsets == ["0", "5", "10", "15", "20"]
    assert all(q["include_vm_disk_config"] == "false" for p, q in requests if p == API + "/vms/")
    assert [q["page"] for p, q in requests if p == API + "/hosts/"] == ["1"]
    # stats only for the 20 powered-on VMs
    assert sum(1 for p, _ in requests if p.endswith("/stats/")) == 20
    infos = [s for s in result.samples if s.name == "vigie_vm_info"]
    assert len(infos) == 22
    assert sum(values(result, "vigie_vm_vcpus")) == 44            # the town's 44 vCPUs
    assert sum(values(result, "vigie_vm_memory_bytes")) == 103424 * 1048576
    # srv-ad1: 1 vCPU x 2 cores per vCPU, on node 1, 50,000 ppm
    assert value(result, "vigie_vm_vcpus", vm="srv-ad1", host="ntnx-node-1") == 2
    assert value(result, "vigie_vm_cpu_usage_ratio", vm="srv-ad1") == pytest.approx(0.05)
    assert value(result, "vigie_vm_power_state", vm="srv-ad1", state="on") == 1
    assert value(result, "vigie_vm_power_state", vm="srv-ad1", state="off") == 0
    # powered-off VM: no host, no CPU sample
    assert value(result, "vigie_vm_power_state", vm="dev-bac-a-sable", host="", state="off") == 1
    assert values(result, "vigie_vm_cpu_usage_ratio", vm="dev-bac-a-sable") == []
    assert ("hypervisor", "nutanix") in infos[0].labels
    # hosts: stats strings parsed
    assert value(result, "vigie_hypervisor_host_cpu_usage_ratio", host="ntnx-node-2") == pytest.approx(0.08)
    assert value(result, "vigie_hypervisor_host_cpu_threads", host="ntnx-node-3") == 32
    assert all(s.help for s in result.samples)


async def test_failed_vm_stats_are_partial() -> None:
    bad = VMS[4]["uuid"]                      # srv-sql
    async with NutanixFake(fail_stats=frozenset({bad})) as fake:
        result = await probe_for(fake).run()
    assert result.reason is Reason.OK
    assert result.partial == {f"vm_stats:{bad}": Reason.BAD_STATUS}
    assert values(result, "vigie_vm_cpu_usage_ratio", vm="srv-sql") == []
    assert value(result, "vigie_vm_vcpus", vm="srv-sql") == 4


async def test_duplicate_names_are_disambiguated() -> None:
    async with NutanixFake() as fake:
        fake.vms[1]["name"] = fake.vms[0]["name"]
        result = await probe_for(fake, vm_stats=False).run()
    names = sorted(dict(s.labels)["vm"] for s in result.samples if s.name == "vigie_vm_info")
    assert len(set(names)) == 22
    assert f"srv-ad1 ({VMS[0]['uuid']})" in names
    assert values(result, "vigie_vm_cpu_usage_ratio") == []


async def test_auth_failure() -> None:
    async with NutanixFake() as fake:
        probe = probe_for(fake, password="wrong")
        result = await probe.run()
    assert result.reason is Reason.AUTH_ERROR
    assert "wrong" not in result.detail and "wrong" not in repr(probe)
    assert result.samples == []


async def test_timeout() -> None:
    async with NutanixFake(delay=2.0) as fake:
        result = await probe_for(fake, timeout=0.2).run()
    assert result.reason is Reason.TIMEOUT


async def test_refused() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    probe = NutanixProbe(asset="prism", options=NutanixOptions(base_url=f"http://127.0.0.1:{port}"),
                         username="u", password="p")
    assert (await probe.run()).reason is Reason.REFUSED


def test_latest_stat() -> None:
    body = {"stats_specific_responses": [{"successful": True, "metric": "m", "values": [1, "7"]}]}
    assert latest_stat(body, "m") == 7.0
    assert latest_stat(body, "other") is None
    assert latest_stat({"stats_specific_responses": [{"successful": False, "metric": "m",
                                                       "values": [3]}]}, "m") is None
    assert latest_stat([], "m") is None
