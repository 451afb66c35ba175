"""tooBig, oversize answers and adaptive max-repetitions, with real snmpd data."""

from __future__ import annotations

import pytest

from monitor.probes.base import Reason
from monitor.snmp.client import SnmpClient, Target
from monitor.snmp.session import oid_key
from tests.peers.snmpd import Snmpd
from tests.snmp.proxy import SizeLimitProxy

IF_TABLE = "1.3.6.1.2.1.2.2"
SYSTEM = [f"1.3.6.1.2.1.1.{i}.0" for i in range(1, 8)]


@pytest.fixture(scope="module")
def big_agent(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Unlimited GETBULK sizes and a long sysDescr: answers can outgrow a datagram."""
    conf = "maxGetbulkResponses -1\nmaxGetbulkRepeats -1\nsysDescr " + "d" * 240 + "\n"
    with Snmpd(workdir=tmp_path_factory.mktemp("snmpd-big"), extra_conf=conf) as agent:
        yield agent


async def test_get_splits_chunks_on_too_big(big_agent: Snmpd) -> None:
    proxy = await SizeLimitProxy.start((big_agent.host, big_agent.port), limit=300)
    try:
        async with SnmpClient() as client:
            host, port = proxy.address
            session = client.session(Target(host=host, port=port, max_oids_per_get=7))
            out = await session.get(SYSTEM)
    finally:
        proxy.close()
    assert out.reason is Reason.OK, out.detail
    assert set(out.values) == set(SYSTEM)
    assert out.values[SYSTEM[0]] == (4, b"d" * 240)
    assert proxy.too_big_sent >= 1
    assert session.stats.packets_sent == session.stats.pdus > 1


async def test_single_oid_too_big_is_reported_and_others_kept(big_agent: Snmpd) -> None:
    proxy = await SizeLimitProxy.start((big_agent.host, big_agent.port), limit=200)
    try:
        async with SnmpClient() as client:
            host, port = proxy.address
            out = await client.session(Target(host=host, port=port)).get(SYSTEM[:3])
    finally:
        proxy.close()
    assert out.reason is Reason.TOO_BIG
    assert SYSTEM[0] not in out.values
    assert set(out.values) == set(SYSTEM[1:3])


async def test_timed_out_chunk_keeps_other_chunks(big_agent: Snmpd) -> None:
    proxy = await SizeLimitProxy.start((big_agent.host, big_agent.port), limit=200, mode="drop")
    try:
        async with SnmpClient() as client:
            host, port = proxy.address
            target = Target(host=host, port=port, max_oids_per_get=1, timeout=0.3, retries=0)
            out = await client.session(target).get([SYSTEM[2], SYSTEM[0], SYSTEM[3]])
    finally:
        proxy.close()
    assert out.reason is Reason.TIMEOUT
    assert set(out.values) == {SYSTEM[2], SYSTEM[3]}


async def test_walk_halves_max_repetitions_on_too_big_and_remembers(big_agent: Snmpd) -> None:
    proxy = await SizeLimitProxy.start((big_agent.host, big_agent.port), limit=1400)
    try:
        async with SnmpClient() as client:
            host, port = proxy.address
            session = client.session(Target(host=host, port=port, max_repetitions=200))
            out = await session.walk(IF_TABLE)
            learned = client.max_repetitions_for(host, port)
            again = client.session(Target(host=host, port=port, max_repetitions=200))
            out2 = await again.walk(IF_TABLE)
            assert client.max_repetitions_for("127.0.0.1", big_agent.port) is None
    finally:
        proxy.close()
    assert out.reason is Reason.OK and out2.reason is Reason.OK
    assert [o for o, _ in out.rows] == [o for o, _ in out2.rows]
    assert learned is not None and learned < 200
    assert proxy.too_big_sent >= 1
    # the second walk starts from the learned value: fewer tooBig answers than the first
    assert again.stats.packets_sent < session.stats.packets_sent


async def test_walk_halves_on_timeout_of_oversized_answers(big_agent: Snmpd) -> None:
    """snmpd silently drops answers over 64 KiB: the walk shrinks its requests and goes on."""
    async with SnmpClient() as client:
        target = Target(host=big_agent.host, port=big_agent.port, max_repetitions=16000,
                        timeout=1.0, retries=4)
        session = client.session(target)
        out = await session.walk("1.3.6.1")
        learned = client.max_repetitions_for(big_agent.host, big_agent.port)
    assert out.reason is Reason.OK, out.detail
    assert learned is not None and learned < 16000
    assert session.stats.packets_retried >= 1
    keys = [oid_key(o) for o, _ in out.rows]
    assert keys == sorted(set(keys)) and len(keys) > 1000


async def test_walk_reports_too_big_at_one_repetition(big_agent: Snmpd) -> None:
    proxy = await SizeLimitProxy.start((big_agent.host, big_agent.port), limit=200)
    try:
        async with SnmpClient() as client:
            host, port = proxy.address
            out = await client.session(Target(host=host, port=port)).walk("1.3.6.1.2.1.1")
            assert client.max_repetitions_for(host, port) == 1
    finally:
        proxy.close()
    assert out.reason is Reason.TOO_BIG
    assert out.rows == []  # sysDescr, the first row, never fits
