"""Reference poller: plain pysnmp 7 ``bulk_walk_cmd`` (lookupMib off), the same walks as if_mib."""

from __future__ import annotations

from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData, ContextData, ObjectIdentity, ObjectType, SnmpEngine, UdpTransportTarget,
    bulk_walk_cmd, get_cmd,
)

from bench.common import Cycle


async def poll_once(engine: SnmpEngine, host: str, port: int, community: str, *,
                    walks: tuple[str, ...], gets: tuple[str, ...], max_repetitions: int) -> Cycle:
    """One if_mib cycle; every response is one PDU."""
    target = await UdpTransportTarget.create((host, port), timeout=5, retries=3)
    auth = CommunityData(community, mpModel=1)
    cycle = Cycle()
    if gets:
        err, status, _, binds = await get_cmd(
            engine, auth, target, ContextData(), *(ObjectType(ObjectIdentity(o)) for o in gets),
            lookupMib=False)
        cycle.pdus += 1
        cycle.varbinds += len(binds)
        cycle.errors += bool(err or status)
    for root in walks:
        async for err, status, _, binds in bulk_walk_cmd(
                engine, auth, target, ContextData(), 0, max_repetitions,
                ObjectType(ObjectIdentity(root)), lookupMib=False, lexicographicMode=False):
            cycle.pdus += 1
            cycle.varbinds += len(binds)
            cycle.errors += bool(err or status)
    return cycle
