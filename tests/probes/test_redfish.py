"""Redfish probe against sushy-static (sushy-tools) and the aiohttp peer, both serving the DMTF
public-rackmount1 mockup (tests/peers/redfish_mockup)."""

from __future__ import annotations

import socket

import pytest

from monitor.probes.base import Reason, Result
from monitor.probes.redfish import RedfishOptions, RedfishProbe
from tests.peers.redfish import RedfishPeer, sushy_static

CH = "/redfish/v1/Chassis/1U"


def values(result: Result) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, s.labels): s.value for s in result.samples}


def probe(base_url: str, *, user: str = "root", pw: str = "calvin", **opts: object) -> RedfishProbe:
    return RedfishProbe(asset="srv-1", options=RedfishOptions(base_url=base_url, **opts),
                        username=user, password=pw)


async def test_sushy_static_serves_the_dmtf_mockup() -> None:
    pytest.importorskip("sushy_tools")
    with sushy_static() as url:
        r = await probe(url).run()
    assert r.reason is Reason.OK, r.detail
    v = values(r)
    chassis = (("chassis", "1U"),)
    # EnvironmentMetrics PowerWatts wins over the legacy PowerConsumedWatts (344).
    assert v[("vigie_redfish_power_watts", chassis)] == 374
    assert v[("vigie_redfish_power_capacity_watts", chassis)] == 2000
    assert v[("vigie_redfish_temperature_celsius", chassis)] == 39
    bay1 = chassis + (("psu", "Bay1"),)
    assert v[("vigie_redfish_psu_input_power_watts", bay1)] == pytest.approx(937.4)
    assert v[("vigie_redfish_psu_energy_joules_total", bay1)] == 325675 * 3.6e6
    assert v[("vigie_redfish_psu_health", bay1 + (("health", "warning"),))] == 1
    assert v[("vigie_redfish_psu_health", bay1 + (("health", "ok"),))] == 0
    # Bay2 is Absent: no health samples; the mockup's EnvironmentMetrics has no EnergykWh.
    assert not any(dict(s.labels).get("psu") == "Bay2" for s in r.samples)
    assert ("vigie_redfish_energy_joules_total", chassis) not in v


async def test_modern_energy_counter_and_basic_auth() -> None:
    async with RedfishPeer() as peer:
        peer.docs[f"{CH}/EnvironmentMetrics"]["EnergykWh"] = {"Reading": 1234.5}
        r = await probe(peer.base_url).run()
    assert r.reason is Reason.OK, r.detail
    s = next(s for s in r.samples if s.name == "vigie_redfish_energy_joules_total")
    assert (s.value, s.type, s.bits) == (1234.5 * 3.6e6, "counter", 0)


async def test_legacy_power_only() -> None:
    async with RedfishPeer() as peer:
        peer.without(CH, "EnvironmentMetrics", "PowerSubsystem")
        r = await probe(peer.base_url).run()
    assert r.reason is Reason.OK, r.detail
    v = values(r)
    assert v[("vigie_redfish_power_watts", (("chassis", "1U"),))] == 344
    psu0 = (("chassis", "1U"), ("psu", "0"))
    assert v[("vigie_redfish_psu_health", psu0 + (("health", "warning"),))] == 1


async def test_session_auth_logs_out() -> None:
    async with RedfishPeer() as peer:
        r = await probe(peer.base_url, auth="session").run()
        assert r.reason is Reason.OK, r.detail
        assert ("POST", "/redfish/v1/SessionService/Sessions") in peer.requests
        assert peer.sessions == {}          # deleted at the end of the run
        assert any(m == "DELETE" for m, _ in peer.requests)


@pytest.mark.parametrize("auth", ["basic", "session"])
async def test_wrong_password_is_auth_error(auth: str) -> None:
    async with RedfishPeer() as peer:
        r = await probe(peer.base_url, pw="nope", auth=auth).run()
    assert r.reason is Reason.AUTH_ERROR
    assert "nope" not in r.detail and not r.samples


async def test_missing_power_property_is_partial() -> None:
    async with RedfishPeer() as peer:
        peer.without(f"{CH}/EnvironmentMetrics", "PowerWatts")
        peer.without(f"{CH}/Power", "PowerControl")
        r = await probe(peer.base_url).run()
    assert r.reason is Reason.OK
    assert r.partial == {"chassis:1U": Reason.NO_SUCH_OBJECT}
    assert not any(s.name == "vigie_redfish_power_watts" for s in r.samples)


async def test_malformed_json_is_bad_response() -> None:
    async with RedfishPeer() as peer:
        peer.malformed.add("/redfish/v1/Chassis")
        r = await probe(peer.base_url).run()
        assert r.reason is Reason.BAD_RESPONSE
        peer.malformed = {f"{CH}/Power"}
        peer.without(CH, "EnvironmentMetrics")
        r = await probe(peer.base_url).run()
    assert r.reason is Reason.OK and r.partial == {"chassis:1U": Reason.BAD_RESPONSE}


async def test_timeout() -> None:
    async with RedfishPeer() as peer:
        peer.delay = 2.0
        r = await probe(peer.base_url, timeout=0.2).run()
    assert r.reason is Reason.TIMEOUT


async def test_refused() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = await probe(f"http://127.0.0.1:{port}").run()
    assert r.reason is Reason.REFUSED


async def test_chassis_filter_and_repr_hides_password() -> None:
    async with RedfishPeer() as peer:
        p = probe(peer.base_url, chassis=("Other",))
        r = await p.run()
    assert r.reason is Reason.OK and r.samples == []
    assert "calvin" not in repr(p)
