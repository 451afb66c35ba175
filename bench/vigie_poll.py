"""Vigie's side of the benchmark: the if_mib walks through the real ``SnmpClient``."""

from __future__ import annotations

import asyncio

from bench.common import IF_MIB_GETS, IF_MIB_WALKS, Cycle
from monitor.probes.base import Reason, Stats
from monitor.snmp.client import SnmpClient, Target


class VigiePoller:
    """One SnmpClient and one session; ``poll_once`` does the GET and both walks concurrently,
    as the SNMP probe does, and counts varbinds kept (in-subtree) and PDUs from session stats."""

    def __init__(self, host: str, port: int, community: str, *, max_repetitions: int) -> None:
        self.client = SnmpClient()
        self.target = Target(host=host, port=port, community=community, timeout=5.0, retries=3,
                             max_repetitions=max_repetitions)

    async def __aenter__(self) -> "VigiePoller":
        await self.client.start()
        self.session = self.client.session(self.target)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.close()

    async def poll_once(self) -> Cycle:
        self.session.stats = Stats()
        got, *walks = await asyncio.gather(self.session.get(IF_MIB_GETS),
                                           *(self.session.walk(root) for root in IF_MIB_WALKS))
        errors = int(got.reason is not Reason.OK) + sum(w.reason is not Reason.OK for w in walks)
        varbinds = len(got.values) + sum(len(w.rows) for w in walks)
        return Cycle(varbinds=varbinds, pdus=self.session.stats.pdus, errors=errors)


class ProbePoller(VigiePoller):
    """The full SNMP probe with the shipped ``if_mib`` profile: walks, decoding and samples.
    Varbinds are those received (session stats); the first (warm-up) poll fills the label cache,
    the timed ones are steady-state fast-tier polls."""

    async def __aenter__(self) -> "ProbePoller":
        from pathlib import Path

        from monitor.probes.snmp import SnmpProbe
        from monitor.profiles import load_profile_file

        await super().__aenter__()
        profile = load_profile_file(Path(__file__).resolve().parent.parent / "probes" / "if_mib.yml")
        self.probe = SnmpProbe(asset="bench", session=self.session, profiles=[profile],
                               available=[profile])
        self.samples = 0
        return self

    async def poll_once(self) -> Cycle:
        result = await self.probe.run("fast")
        self.samples = len(result.samples)
        return Cycle(varbinds=result.stats.varbinds, pdus=result.stats.pdus,
                     errors=int(result.reason is not Reason.OK))
