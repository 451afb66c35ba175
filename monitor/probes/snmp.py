"""SNMP probe: polls one device following its profiles (data), through an SnmpSession.

PDU plan per poll: one GET packing every scalar of the polled tier plus the core objects
(sysUpTime.0, ifNumber.0, hrSystemUptime.0), then one walk per table column (or one walk of
the table entry when the profile says ``walk: entry``, i.e. when most columns are wanted:
a GETBULK walk of N columns costs about rows*N/max_repetitions PDUs either way, but
separate column walks each pay one extra PDU to step past the column's end, and an entry
walk also fetches unwanted columns; so columns are the default). Walks run concurrently.

Label columns (ifName, entPhysicalName...) and transform inputs are slow-tier data kept in a
label cache: fetched on the first poll, refreshed on slow polls, and at once when sysUpTime
goes backwards (reboot) or ifNumber changes.
"""

from __future__ import annotations

import asyncio
import time
from typing import Callable, Sequence

from monitor.probes.base import Reason, Result, Stats
from monitor.profiles.detect import select_profiles
from monitor.profiles.evaluate import dedupe, number_of, scalar_samples, table_samples, text_of
from monitor.profiles.model import Profile, Table
from monitor.snmp.types import EXCEPTIONS, SnmpSession, Value

SYS_DESCR = "1.3.6.1.2.1.1.1.0"
SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
IF_NUMBER = "1.3.6.1.2.1.2.1.0"
HR_SYSTEM_UPTIME = "1.3.6.1.2.1.25.1.1.0"
CORE = (SYS_UPTIME, IF_NUMBER, HR_SYSTEM_UPTIME)
TIER_SETS = {"fast": ("fast",), "slow": ("slow",), "all": ("fast", "slow")}


class SnmpProbe:
    kind = "snmp"

    def __init__(self, *, asset: str, session: SnmpSession, profiles: Sequence[Profile] | None,
                 available: Sequence[Profile], clock: Callable[[], float] = time.monotonic) -> None:
        self.asset = asset
        self.session = session
        self.profiles: tuple[Profile, ...] | None = tuple(profiles) if profiles is not None else None
        self.available = tuple(available)
        self.clock = clock
        self.label_cache: dict[str, dict[str, Value]] = {}
        self._last_uptime: float | None = None
        self._last_if_number: float | None = None
        self.cache_refreshes = 0        # how many times the label cache was (re)filled
        self._labels: dict = {}         # label tuples shared across polls (memory of big fleets)

    async def run(self, tier: str = "fast") -> Result:
        if tier not in TIER_SETS:
            raise ValueError(f"tier must be fast, slow or all, not {tier!r}")
        start = self.clock()
        before = _copy(self.session.stats)
        result = await self._poll(TIER_SETS[tier])
        result.duration = self.clock() - start
        result.stats = _delta(before, self.session.stats)
        return result

    async def _poll(self, tiers: tuple[str, ...]) -> Result:
        if self.profiles is None:
            got = await self.session.get([SYS_OBJECT_ID, SYS_DESCR])
            if got.reason is not Reason.OK:
                return Result(self.kind, self.asset, got.reason, 0.0, detail=got.detail)
            oid_v, descr_v = got.values.get(SYS_OBJECT_ID), got.values.get(SYS_DESCR)
            self.profiles = tuple(select_profiles(
                _text(oid_v), _text(descr_v), self.available))
        groups = [g for p in self.profiles for g in p.groups_for(tiers)]
        scalars = [m for g in groups for m in g.scalars]
        oids = list(dict.fromkeys([*CORE, *(m.oid for m in scalars)]))
        partial: dict[str, Reason] = {}
        got = await self.session.get(oids)
        if got.reason is not Reason.OK and len(oids) > len(CORE):
            partial["get"] = got.reason          # some agents choke on one object: retry the core
            got = await self.session.get(list(CORE))
        if got.reason is not Reason.OK:
            return Result(self.kind, self.asset, got.reason, 0.0, detail=got.detail, partial=partial)
        uptime = _uptime(got.values)
        if_number = _num(got.values.get(IF_NUMBER))
        refresh = "slow" in tiers or self._changed(uptime, if_number)
        self._last_uptime, self._last_if_number = uptime, if_number
        tables = [t for g in groups for t in g.tables]
        all_tables = [t for p in self.profiles for g in p.groups for t in g.tables]
        data = await self._walk_tables(tables, all_tables, refresh, partial)
        samples = scalar_samples(scalars, got.values)
        for t in tables:
            samples.extend(table_samples(t, data, self._labels))
        return Result(self.kind, self.asset, Reason.OK, 0.0, dedupe(samples),
                      uptime=uptime, partial=partial,
                      detail=f"{len(partial)} subtree(s) failed" if partial else "")

    def _changed(self, uptime: float | None, if_number: float | None) -> bool:
        rebooted = uptime is not None and self._last_uptime is not None and uptime < self._last_uptime
        return rebooted or (if_number != self._last_if_number and self._last_if_number is not None)

    async def _walk_tables(self, tables: list[Table], all_tables: list[Table], refresh: bool,
                           partial: dict[str, Reason]) -> dict[str, dict[str, Value]]:
        """Walk metric columns (and cached columns when due); return column -> rows."""
        wanted: dict[str, str] = {}     # column -> walk root
        entries = [t.entry for t in tables if t.walk == "entry" and t.entry]
        for t in tables:
            for m in t.metrics:
                wanted[m.oid] = t.entry if t.walk == "entry" and t.entry else m.oid
        cached_cols = [c for t in (all_tables if refresh else tables) for c in t.cached_columns()]
        to_cache = [c for c in dict.fromkeys(cached_cols) if refresh or c not in self.label_cache]
        for c in to_cache:
            wanted.setdefault(c, next((e for e in entries if c.startswith(e + ".")), c))
        roots = list(dict.fromkeys(wanted.values()))
        outcomes = await asyncio.gather(*(self.session.walk(r) for r in roots))
        fresh: dict[str, dict[str, Value]] = {c: {} for c in wanted}
        for root, outcome in zip(roots, outcomes):
            if outcome.reason is not Reason.OK:
                partial[root] = outcome.reason
            for oid, value in outcome.rows:
                if value[0] in EXCEPTIONS:
                    continue
                col, idx = _split(oid, root, entry=root in entries)
                if col in fresh and idx:
                    fresh[col][idx] = value
        failed_roots = set(partial)
        if to_cache:
            self.cache_refreshes += 1
        for c in to_cache:
            if wanted[c] not in failed_roots or fresh[c]:
                self.label_cache[c] = fresh[c]
        return {**self.label_cache, **{c: rows for c, rows in fresh.items() if c not in to_cache}}


def _split(oid: str, root: str, *, entry: bool) -> tuple[str, str]:
    """Row OID -> (column OID, index suffix). ``entry`` roots have one more arc for the column."""
    if not oid.startswith(root + "."):
        return "", ""
    rest = oid[len(root) + 1:]
    if not entry:
        return root, rest
    col, _, idx = rest.partition(".")
    return f"{root}.{col}", idx


def _text(value: Value | None) -> str:
    return "" if value is None or value[0] in EXCEPTIONS else text_of(value)


def _num(value: Value | None) -> float | None:
    return None if value is None else number_of(value)


def _uptime(values: dict[str, Value]) -> float | None:
    """Device uptime in seconds: the host's (hrSystemUptime) first, since its counters restart
    with the host, not with the SNMP agent (sysUpTime restarts with snmpd alone)."""
    for oid in (HR_SYSTEM_UPTIME, SYS_UPTIME):
        ticks = _num(values.get(oid))
        if ticks is not None:
            return ticks / 100.0
    return None


def _copy(s: Stats) -> Stats:
    return Stats(s.packets_sent, s.packets_retried, s.pdus, s.varbinds)


def _delta(before: Stats, after: Stats) -> Stats:
    return Stats(after.packets_sent - before.packets_sent,
                 after.packets_retried - before.packets_retried,
                 after.pdus - before.pdus, after.varbinds - before.varbinds)
