"""SnmpClient against a real net-snmp agent on loopback: v1, v2c, v3, failures, concurrency."""

from __future__ import annotations

import asyncio
import socket

import pytest

from monitor.probes.base import Reason
from monitor.snmp.client import SnmpClient, Target
from monitor.snmp.session import oid_key
from monitor.snmp.types import (
    INTEGER, NO_SUCH_INSTANCE, NO_SUCH_OBJECT, OBJECT_IDENTIFIER, OCTET_STRING, TIMETICKS,
)
from tests.peers.snmpd import Snmpd

SYS_DESCR, SYS_OBJECT_ID, SYS_UPTIME = "1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.2.0", "1.3.6.1.2.1.1.3.0"
IF_TABLE = "1.3.6.1.2.1.2.2"
MISSING = "1.3.6.1.2.1.1.99.0"


def v2c(agent: Snmpd, **kw) -> Target:  # type: ignore[no-untyped-def]
    args = dict(host=agent.host, port=agent.port, community=agent.community)
    args.update(kw)
    return Target(**args)  # type: ignore[arg-type]


def v3(agent: Snmpd, **kw) -> Target:  # type: ignore[no-untyped-def]
    args = dict(host=agent.host, port=agent.port, version="3", user=agent.user,
                auth_protocol="sha256", auth_key=agent.auth_key, priv_protocol="aes",
                priv_key=agent.priv_key)
    args.update(kw)
    return Target(**args)  # type: ignore[arg-type]


def _check_walk(rows: list, root: str) -> None:  # type: ignore[type-arg]
    keys = [oid_key(o) for o, _ in rows]
    assert keys == sorted(set(keys)), "rows must be strictly increasing"
    assert all(o.startswith(root + ".") for o, _ in rows)


async def test_v2c_get(agent: Snmpd) -> None:
    async with SnmpClient() as client:
        out = await client.session(v2c(agent)).get([SYS_DESCR, SYS_OBJECT_ID, SYS_UPTIME,
                                                    MISSING, SYS_DESCR[:-1] + "7"])
    assert out.reason is Reason.OK, out.detail
    assert out.values[SYS_DESCR][0] == OCTET_STRING and out.values[SYS_DESCR][1]
    assert out.values[SYS_OBJECT_ID][0] == OBJECT_IDENTIFIER
    assert out.values[SYS_OBJECT_ID][1].startswith("1.3.6.1.4.1.8072.")
    assert out.values[SYS_UPTIME][0] == TIMETICKS
    assert out.values[MISSING] == (NO_SUCH_OBJECT, None)
    assert out.values[SYS_DESCR[:-1] + "7"] == (NO_SUCH_INSTANCE, None)


async def test_v2c_walk_iftable_matches_v1_getnext_walk(agent: Snmpd) -> None:
    async with SnmpClient() as client:
        bulk = await client.session(v2c(agent, max_repetitions=7)).walk(IF_TABLE)
        nxt = await client.session(v2c(agent, version="1")).walk(IF_TABLE)
    assert bulk.reason is Reason.OK and nxt.reason is Reason.OK
    _check_walk(bulk.rows, IF_TABLE)
    assert [o for o, _ in bulk.rows] == [o for o, _ in nxt.rows]
    descr = {o: v for o, v in bulk.rows if o.startswith(IF_TABLE + ".1.2.")}
    assert (OCTET_STRING, b"lo") in descr.values()
    assert {v[0] for o, v in bulk.rows if o.startswith(IF_TABLE + ".1.1.")} == {INTEGER}


async def test_walk_system_group_and_end_of_mib(agent: Snmpd) -> None:
    async with SnmpClient() as client:
        session = client.session(v2c(agent))
        system = await session.walk("1.3.6.1.2.1.1")
        tail = await session.walk("1.3.6.1.6.3.16")  # near the end of the agent's MIB view
        beyond = await session.walk("2.25")           # past endOfMibView
    assert system.reason is Reason.OK
    oids = [o for o, _ in system.rows]
    assert SYS_DESCR in oids and SYS_UPTIME in oids
    _check_walk(system.rows, "1.3.6.1.2.1.1")
    assert tail.reason is Reason.OK
    assert beyond.reason is Reason.OK and beyond.rows == []


async def test_v1_get_drops_nosuchname_and_keeps_the_rest(agent: Snmpd) -> None:
    async with SnmpClient() as client:
        session = client.session(v2c(agent, version="1"))
        out = await session.get([SYS_DESCR, MISSING, SYS_UPTIME, "1.3.6.1.2.1.1.1.5"])
        walk = await session.walk("1.3.6.1.2.1.1")
    assert out.reason is Reason.OK
    assert out.values[MISSING] == (NO_SUCH_OBJECT, None)
    assert out.values["1.3.6.1.2.1.1.1.5"] == (NO_SUCH_OBJECT, None)
    assert out.values[SYS_DESCR][0] == OCTET_STRING and out.values[SYS_UPTIME][0] == TIMETICKS
    assert session.stats.packets_sent >= 3  # one retry per dropped OID
    assert walk.reason is Reason.OK and SYS_DESCR in dict(walk.rows)


async def test_get_chunks_by_max_oids_per_get(agent: Snmpd) -> None:
    oids = [f"1.3.6.1.2.1.1.{i}.0" for i in range(1, 8)]
    async with SnmpClient() as client:
        session = client.session(v2c(agent, max_oids_per_get=3))
        out = await session.get(oids)
    assert out.reason is Reason.OK and set(out.values) == set(oids)
    assert (session.stats.packets_sent, session.stats.pdus, session.stats.varbinds) == (3, 3, 7)


async def test_v3_authpriv_get_and_walk(agent: Snmpd) -> None:
    async with SnmpClient() as client:
        session = client.session(v3(agent))
        out = await session.get([SYS_DESCR, SYS_UPTIME, MISSING])
        walk = await session.walk(IF_TABLE)
        ref = await client.session(v2c(agent)).walk(IF_TABLE)
    assert out.reason is Reason.OK, out.detail
    assert out.values[SYS_DESCR][0] == OCTET_STRING and out.values[SYS_UPTIME][0] == TIMETICKS
    assert out.values[MISSING] == (NO_SUCH_OBJECT, None)
    assert walk.reason is Reason.OK, walk.detail
    assert [o for o, _ in walk.rows] == [o for o, _ in ref.rows]
    assert session.stats.pdus >= 2 and session.stats.varbinds >= len(walk.rows)


@pytest.mark.parametrize("change", [{"auth_key": "wrong-auth-key"}, {"user": "nobody"},
                                    {"priv_key": "wrong-priv-key"}])
async def test_v3_bad_credentials_are_auth_errors(agent: Snmpd, change: dict) -> None:  # type: ignore[type-arg]
    async with SnmpClient() as client:
        out = await client.session(v3(agent, timeout=1.0, retries=0, **change)).get([SYS_DESCR])
    # a wrong privacy key cannot be told from silence on the wire: the agent drops the packet
    expected = Reason.TIMEOUT if "priv_key" in change else Reason.AUTH_ERROR
    assert out.reason is expected, out.detail
    assert out.values == {}


async def test_wrong_community_times_out_and_counts_retries(agent: Snmpd) -> None:
    async with SnmpClient() as client:
        session = client.session(v2c(agent, community="wrong", timeout=0.3, retries=2))
        out = await session.get([SYS_DESCR])
        walk = await session.walk(IF_TABLE)
    assert out.reason is Reason.TIMEOUT and walk.reason is Reason.TIMEOUT
    assert walk.rows == []
    assert session.stats.packets_sent == 6 and session.stats.packets_retried == 4
    assert session.stats.pdus == 0


async def test_closed_port_is_refused() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with SnmpClient() as client:
        session = client.session(Target(host="127.0.0.1", port=port, timeout=1.0))
        assert (await session.get([SYS_DESCR])).reason is Reason.REFUSED
        assert (await session.walk(IF_TABLE)).reason is Reason.REFUSED


async def test_unresolvable_host_is_dns_error() -> None:
    async with SnmpClient() as client:
        out = await client.session(Target(host="no-such-host.invalid")).get([SYS_DESCR])
    assert out.reason is Reason.DNS_ERROR


async def _walk_and_break(own_agent: Snmpd, target: Target, action: str):  # type: ignore[no-untyped-def]
    async with SnmpClient() as client:
        session = client.session(target)
        task = asyncio.create_task(session.walk("1.3.6.1"))
        while session.stats.pdus < 5 and not task.done():
            await asyncio.sleep(0)
        getattr(own_agent, action)()
        out = await task
        own_agent.resume()
        return out


@pytest.mark.parametrize("version", ["2c", "3"])
async def test_agent_frozen_mid_walk_keeps_rows(own_agent: Snmpd, version: str) -> None:
    kw = dict(timeout=0.5, retries=1, max_repetitions=2)
    target = v2c(own_agent, **kw) if version == "2c" else v3(own_agent, **kw)
    out = await _walk_and_break(own_agent, target, "pause")
    assert out.reason is Reason.TIMEOUT
    assert len(out.rows) >= 8
    _check_walk(out.rows, "1.3.6.1")


async def test_agent_stopped_mid_walk_is_refused_with_rows(own_agent: Snmpd) -> None:
    out = await _walk_and_break(own_agent, v2c(own_agent, timeout=0.5, max_repetitions=2), "stop")
    assert out.reason is Reason.REFUSED
    assert len(out.rows) >= 8


async def test_sessions_survive_agent_reboot(own_agent: Snmpd) -> None:
    async with SnmpClient() as client:
        sessions = [client.session(v2c(own_agent)), client.session(v3(own_agent))]
        for s in sessions:
            assert (await s.get([SYS_UPTIME])).reason is Reason.OK
        own_agent.restart()
        for s in sessions:
            out = await s.get([SYS_UPTIME])
            assert out.reason is Reason.OK, out.detail


async def test_fifty_concurrent_walks_share_one_socket(agent: Snmpd) -> None:
    async with SnmpClient() as client:
        ref = await client.session(v2c(agent)).walk(IF_TABLE)
        sessions = [client.session(v2c(agent, max_repetitions=3, timeout=5)) for _ in range(50)]
        outs = await asyncio.gather(*(s.walk(IF_TABLE) for s in sessions))
        assert len(client._endpoints) == 1
        assert client.stray_datagrams() == 0
    assert all(o.reason is Reason.OK for o in outs)
    assert all([r[0] for r in o.rows] == [r[0] for r in ref.rows] for o in outs)
    assert all(s.stats.pdus == s.stats.packets_sent for s in sessions)


async def test_walk_stats(agent: Snmpd) -> None:
    async with SnmpClient() as client:
        session = client.session(v2c(agent, max_repetitions=4))
        out = await session.walk(IF_TABLE)
    stats = session.stats
    assert out.reason is Reason.OK
    assert stats.packets_retried == 0 and stats.pdus == stats.packets_sent
    assert stats.varbinds == 4 * stats.pdus  # each answer carries max-repetitions varbinds
    assert len(out.rows) < stats.varbinds <= len(out.rows) + 4
