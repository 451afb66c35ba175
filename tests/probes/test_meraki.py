"""MerakiProbe against a real local aiohttp server (tests/peers/meraki_fake.py).

The fake serves the documented example payloads of developer.cisco.com/meraki/api-v1:
*getOrganizationDevicesStatuses* (the "My AP" / Q234-ABCD-5678 item, verbatim) and
*getDeviceSwitchPortsStatuses* (port "1": powerUsageInWh 55.9, trafficInKbps sent 1.2 /
recv 1, speed "10 Gbps", poe.isAllocated false), plus more items of the same shapes.
"""

from __future__ import annotations

import socket

import aiohttp
import pytest

from monitor.probes.base import Reason, Result
from monitor.probes.meraki import MerakiOptions, MerakiProbe, _speed
from tests.peers.meraki_fake import PORTS, MerakiFake


class SleepRecorder:
    """Injected sleep: records what was asked, waits for nothing."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def probe_for(fake: MerakiFake, sleep: SleepRecorder, *, key: str | None = None,
              **opts: object) -> MerakiProbe:
    options = MerakiOptions(organization_id=fake.org_id, base_url=fake.base_url,
                            **{"per_page": 3, "timespan": 1800.0, **opts})  # type: ignore[arg-type]
    return MerakiProbe(asset="meraki-org", options=options,
                       api_key=fake.api_key if key is None else key, sleep=sleep)


def value(result: Result, metric: str, **labels: str) -> float:
    found = [s.value for s in result.samples
             if s.name == metric and all((k, v) in s.labels for k, v in labels.items())]
    assert len(found) == 1, (metric, labels, found)
    return found[0]


async def test_statuses_and_switch_ports_parsed() -> None:
    sleep = SleepRecorder()
    async with MerakiFake() as fake:
        result = await probe_for(fake, sleep).run()
    assert result.reason is Reason.OK, result.detail
    assert result.probe == "meraki" and result.partial == {}
    # device statuses: the documented AP is online, one switch alerting, MX dormant
    ap = dict(serial="Q234-ABCD-5678", name="My AP", model="MR34", product_type="wireless",
              network="N_24329156")
    assert value(result, "vigie_meraki_device_status", status="online", **ap) == 1.0
    assert value(result, "vigie_meraki_device_status", status="offline", **ap) == 0.0
    assert value(result, "vigie_meraki_device_status", serial="Q2HP-BBBB-0002",
                 status="alerting") == 1.0
    assert value(result, "vigie_meraki_device_status", serial="Q2MX-DDDD-0004",
                 status="dormant") == 1.0
    assert value(result, "vigie_meraki_device_last_reported_timestamp_seconds",
                 serial="Q234-ABCD-5678") == pytest.approx(1518307200.09021)
    # documented port example: 55.9 Wh over 1800 s -> 201240 J, 111.8 W mean
    doc = dict(serial="Q2HP-AAAA-0001", port="1")
    assert value(result, "vigie_meraki_switch_port_poe_energy_joules", **doc) == \
        pytest.approx(55.9 * 3600)
    assert value(result, "vigie_meraki_switch_port_poe_power_watts", **doc) == \
        pytest.approx(111.8)
    assert value(result, "vigie_meraki_switch_port_poe_allocated", **doc) == 0.0
    assert value(result, "vigie_meraki_switch_port_speed_bytes_per_second", **doc) == 1e10 / 8
    assert value(result, "vigie_meraki_switch_port_traffic_bytes_per_second",
                 direction="tx", **doc) == pytest.approx(150.0)
    assert value(result, "vigie_meraki_switch_port_traffic_bytes_per_second",
                 direction="rx", **doc) == pytest.approx(125.0)
    assert value(result, "vigie_meraki_switch_port_up", serial="Q2HP-AAAA-0001",
                 port="3") == 0.0
    assert value(result, "vigie_meraki_switch_port_poe_allocated", serial="Q2HP-BBBB-0002",
                 port="1") == 1.0
    assert value(result, "vigie_meraki_switch_port_poe_power_watts", serial="Q2HP-BBBB-0002",
                 port="1") == pytest.approx(14.4)
    # the offline switch's ports were not asked for; timespan was passed
    port_calls = [(p, q) for p, q in fake.requests if p.endswith("/switch/ports/statuses")]
    assert sorted(p.split("/")[4] for p, _ in port_calls) == ["Q2HP-AAAA-0001",
                                                              "Q2HP-BBBB-0002"]
    assert all(q["timespan"] == "1800" for _, q in port_calls)
    assert all(s.name.startswith("vigie_meraki_") and s.help for s in result.samples)
    assert not any(k in ("asset", "site", "kind") for s in result.samples for k, _ in s.labels)


async def test_all_pages_followed() -> None:
    async with MerakiFake() as fake:
        result = await probe_for(fake, SleepRecorder(), switch_ports=False).run()
    assert result.ok
    status_calls = [q for p, q in fake.requests if p.endswith("/devices/statuses")]
    assert status_calls == [{"perPage": "3"},
                            {"perPage": "3", "startingAfter": "Q2HP-BBBB-0002"}]
    serials = {dict(s.labels)["serial"] for s in result.samples
               if s.name == "vigie_meraki_device_status"}
    assert serials == {d["serial"] for d in fake.devices}
    assert result.stats.pdus == 2


async def test_429_retry_after_honoured() -> None:
    sleep = SleepRecorder()
    async with MerakiFake(rate_limit_first=7) as fake:
        result = await probe_for(fake, sleep).run()
    assert result.ok, result.detail
    assert sleep.calls == [7.0]
    assert result.stats.packets_retried == 1
    assert fake.requests[0] == fake.requests[1]  # the refused page was asked again


async def test_429_without_retries_left_is_rate_limited() -> None:
    sleep = SleepRecorder()
    async with MerakiFake(rate_limit_first=7) as fake:
        result = await probe_for(fake, sleep, max_retries=0).run()
    assert result.reason is Reason.RATE_LIMITED
    assert sleep.calls == []


async def test_5xx_retried_with_backoff() -> None:
    sleep = SleepRecorder()
    async with MerakiFake(fail_5xx=2) as fake:
        result = await probe_for(fake, sleep, backoff=0.5).run()
    assert result.ok
    assert sleep.calls == [0.5, 1.0]


async def test_5xx_beyond_max_retries_is_bad_status() -> None:
    sleep = SleepRecorder()
    async with MerakiFake(fail_5xx=10) as fake:
        result = await probe_for(fake, sleep, backoff=0.5, max_retries=3).run()
    assert result.reason is Reason.BAD_STATUS
    assert sleep.calls == [0.5, 1.0, 2.0]
    assert "503" in result.detail


async def test_wrong_key_is_auth_error_and_key_never_shown() -> None:
    secret = "not-the-right-key-3141592653"
    async with MerakiFake() as fake:
        probe = probe_for(fake, SleepRecorder(), key=secret)
        result = await probe.run()
    assert result.reason is Reason.AUTH_ERROR
    assert result.samples == []
    assert secret not in result.detail and secret not in repr(probe)
    assert "<secret>" in repr(probe)


async def test_unknown_organisation_is_bad_status() -> None:
    async with MerakiFake(org_id="other") as fake:
        options = MerakiOptions(organization_id="549236", base_url=fake.base_url)
        result = await MerakiProbe(asset="a", options=options, api_key=fake.api_key,
                                   sleep=SleepRecorder()).run()
    assert result.reason is Reason.BAD_STATUS and "404" in result.detail


async def test_one_switch_failing_is_partial() -> None:
    ports = {k: v for k, v in PORTS.items() if k != "Q2HP-BBBB-0002"}
    async with MerakiFake(ports=ports) as fake:
        result = await probe_for(fake, SleepRecorder()).run()
    assert result.reason is Reason.OK
    assert result.partial == {"switch_ports:Q2HP-BBBB-0002": Reason.BAD_STATUS}
    assert value(result, "vigie_meraki_switch_port_up", serial="Q2HP-AAAA-0001", port="1") == 1


async def test_next_page_on_foreign_origin_is_refused() -> None:
    async with MerakiFake(next_origin="http://127.0.0.2:9") as fake:
        result = await probe_for(fake, SleepRecorder(), switch_ports=False).run()
    assert result.reason is Reason.BAD_RESPONSE
    assert len(fake.requests) == 1


async def test_server_down_is_refused() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    options = MerakiOptions(organization_id="1", base_url=f"http://127.0.0.1:{port}/api/v1")
    result = await MerakiProbe(asset="a", options=options, api_key="k",
                               sleep=SleepRecorder()).run()
    assert result.reason is Reason.REFUSED


async def test_timeout() -> None:
    async with MerakiFake(delay=2.0) as fake:
        result = await probe_for(fake, SleepRecorder(), timeout=0.2).run()
    assert result.reason is Reason.TIMEOUT


async def test_injected_session_is_left_open() -> None:
    async with MerakiFake() as fake, aiohttp.ClientSession() as session:
        options = MerakiOptions(organization_id=fake.org_id, base_url=fake.base_url)
        probe = MerakiProbe(asset="a", options=options, api_key=fake.api_key, session=session)
        assert (await probe.run()).ok
        assert not session.closed
        assert (await probe.run()).ok


@pytest.mark.parametrize(("text", "bps"), [("10 Gbps", 1e10), ("100 Mbps", 1e8),
                                           ("2.5 Gbps", 2.5e9), ("", None), (None, None),
                                           ("auto", None)])
def test_speed(text: object, bps: float | None) -> None:
    assert _speed(text) == bps
