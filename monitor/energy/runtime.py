"""The meters extension: power/energy samples -> persisted joules accumulators -> metrics.

After each poll result, the samples the rule table (:mod:`monitor.energy.meters`) recognises become
one :class:`~monitor.energy.accumulate.Reading` per meter, folded into that meter's frozen
:class:`MeterState` (counter preferred, else power integrated, gaps longer than ``max_gap`` counted
as unmeasured). Changed states are written to the ``energy_meters`` table of the daemon's SQLite
file in one batch on each :meth:`~EnergyRuntime.tick` (and on close), not on every result, so a
restart resumes exactly from the last tick (a crash loses at most that tick's integration); an
immutable :class:`EnergySnapshot` is swapped in for scrapes and for the other extensions, which
reach this one through ``ctx.services["energy.meters"]`` (:func:`runtime_of`).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from monitor.config.model import Config
from monitor.energy.accumulate import EnergyUnit, MeterConfig, MeterState, Reading, step
from monitor.energy.figure import Figure, Provenance
from monitor.energy.meters import MeterKey, RuleTable, counted_meters, fed_asset, readings
from monitor.errors import ConfigError, VigieError
from monitor.extensions import DaemonContext, Extension
from monitor.probes.base import Result

SERVICE = "energy.meters"
log = logging.getLogger("vigie.energy")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS energy_meters (
    asset TEXT NOT NULL, meter TEXT NOT NULL, role TEXT NOT NULL, own INTEGER NOT NULL,
    labels TEXT NOT NULL, source TEXT NOT NULL, bits INTEGER NOT NULL, state TEXT NOT NULL,
    PRIMARY KEY (asset, meter)
);
"""


@dataclass(frozen=True, slots=True)
class MeterView:
    """One meter as published: identity, where it sits, what it feeds, and its state."""

    key: MeterKey
    role: str
    own: bool
    labels: tuple[tuple[str, str], ...]
    source: str                 # probe kind(s) that read it, e.g. "snmp"
    bits: int
    state: MeterState
    site: str = ""
    kind: str = ""
    feeds: str | None = None    # asset powered by this meter (configured feed, or itself)
    max_gap: float = 180.0


@dataclass(frozen=True, slots=True)
class EnergySnapshot:
    meters: Mapping[MeterKey, MeterView]
    asset_power: Mapping[str, Figure]      # fed asset -> measured W (fresh readings only)
    asset_energy: Mapping[str, Figure]     # fed asset -> measured J since metering began
    places: Mapping[str, tuple[str, str]]  # fed asset -> (site, kind)
    at: float = 0.0


_EMPTY = EnergySnapshot(*(MappingProxyType({}) for _ in range(4)))


class MeterStoreError(VigieError):
    """The ``energy_meters`` table cannot be read or written (wraps :class:`sqlite3.Error`)."""


LoadedMeter = tuple[MeterKey, str, bool, tuple[tuple[str, str], ...], str, int, MeterState]


class MeterTable:
    """The ``energy_meters`` table in the daemon's SQLite file (its own connection, WAL).

    SQLite errors leave as :class:`MeterStoreError` (``raise ... from err``).
    """

    def __init__(self, path: str | Path) -> None:
        try:
            self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA busy_timeout=5000")
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as err:
            raise MeterStoreError(f"cannot open energy_meters in {path}: {err}") from err

    def load(self) -> list[LoadedMeter]:
        try:
            rows = self._db.execute("SELECT asset, meter, role, own, labels, source, bits, state "
                                    "FROM energy_meters").fetchall()
        except sqlite3.Error as err:
            raise MeterStoreError(f"cannot read energy_meters: {err}") from err
        return [(MeterKey(asset, meter), role, bool(own), tuple((k, v) for k, v in json.loads(labels)),
                 source, bits, MeterState.from_record(json.loads(state)))
                for asset, meter, role, own, labels, source, bits, state in rows]

    def save(self, views: Iterable[MeterView]) -> None:
        rows = [(v.key.asset, v.key.meter, v.role, int(v.own), json.dumps(v.labels), v.source,
                 v.bits, json.dumps(v.state.to_record())) for v in views]
        if rows:
            try:
                with self._db:
                    self._db.executemany(
                        "INSERT OR REPLACE INTO energy_meters VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
            except sqlite3.Error as err:
                raise MeterStoreError(f"cannot write energy_meters: {err}") from err

    def close(self) -> None:
        try:
            self._db.close()
        except sqlite3.Error as err:
            raise MeterStoreError(f"cannot close energy_meters: {err}") from err


class EnergyRuntime:
    """The meters extension. Read API for other extensions: :meth:`snapshot`,
    :meth:`meter_states`, :meth:`host_power`, :meth:`asset_energy`, :meth:`asset_meters`."""

    name = "energy.meters"

    def __init__(self, config: Config, table: MeterTable, wall: Callable[[], float]) -> None:
        self._wall = wall
        self._table = table
        self._meters: dict[MeterKey, MeterView] = {}
        self._dirty: dict[MeterKey, MeterView] = {}     # changed since the last flush
        self._snap = _EMPTY
        self.reload(config)
        for key, role, own, labels, source, bits, state in table.load():
            self._meters[key] = self._view(key, role, own, labels, source, bits, state)
        self._publish()

    # --- configuration -------------------------------------------------------------------------
    def reload(self, config: Config) -> None:
        """Take a new configuration; feeds naming unknown assets are logged and skipped."""
        section = config.energy.meters
        self._config = config
        self._assets = {a.name: a for a in config.assets}
        self._rules = RuleTable(section.sources)
        errors = check_feeds(config)
        for err in errors:
            log.error("%s (feed ignored)", err)
        self._feeds = tuple(f for f in section.feeds
                            if f.meter in self._assets and f.asset in self._assets)
        self._gap = section.max_gap
        if self._meters:
            self._meters = {k: self._view(k, v.role, v.own, v.labels, v.source, v.bits, v.state)
                            for k, v in self._meters.items()}
            self._publish()

    def _max_gap(self, asset: str) -> float:
        if self._gap is not None:
            return self._gap
        a = self._assets.get(asset)
        tiers = (a.tiers if a is not None and a.tiers else None) or self._config.tiers
        return 3.0 * tiers.fast

    def _view(self, key: MeterKey, role: str, own: bool, labels: tuple[tuple[str, str], ...],
              source: str, bits: int, state: MeterState) -> MeterView:
        a = self._assets.get(key.asset)
        return MeterView(key, role, own, labels, source, bits, state,
                         site=a.site if a else "", kind=a.kind if a else "",
                         feeds=fed_asset(key, role, dict(labels), own, self._feeds),
                         max_gap=self._max_gap(key.asset))

    # --- Extension -----------------------------------------------------------------------------
    def collectors(self) -> Iterable[object]:
        return (_Collector(self.snapshot),)

    def routes(self) -> Iterable[object]:
        return ()

    def on_result(self, result: Result) -> None:
        found = readings(result, self._rules)
        if not found:
            return
        t = self._wall()
        for mid, r in found.items():
            key = MeterKey(result.asset, mid)
            old = self._meters.get(key)
            prev = old.state if old is not None else MeterState()
            bits = r.bits if r.energy_j is not None else (old.bits if old else 0)
            cfg = MeterConfig(unit=EnergyUnit.JOULE, bits=bits, max_gap=self._max_gap(key.asset))
            state, _ = step(prev, Reading(t, r.watts, r.energy_j, result.uptime), cfg)
            source = ",".join(sorted(r.sources | (set(old.source.split(",")) if old else set())))
            view = self._view(key, r.role, r.own, r.labels, source, bits, state)
            self._meters[key] = view
            self._dirty[key] = view
        self._publish(t)

    def flush(self) -> None:
        """Write the meters changed since the last flush (one transaction)."""
        if self._dirty:
            batch, self._dirty = self._dirty, {}
            try:
                self._table.save(batch.values())
            except MeterStoreError:
                for k, v in batch.items():      # keep them for the next tick
                    self._dirty.setdefault(k, v)
                raise

    async def tick(self, now: float) -> None:
        self.flush()
        self._publish(now)          # readings go stale with time even without polls

    async def close(self) -> None:
        try:
            self.flush()
        finally:
            self._table.close()

    # --- read API ------------------------------------------------------------------------------
    def snapshot(self) -> EnergySnapshot:
        return self._snap

    def meter_states(self) -> Mapping[MeterKey, MeterState]:
        return MappingProxyType({k: v.state for k, v in self._snap.meters.items()})

    def asset_meters(self, asset: str) -> tuple[MeterView, ...]:
        """Meters attributed to ``asset`` (configured feeds and its own wall-power meters); its
        power and energy count only its own meters when it has one (:func:`counted_meters`)."""
        return tuple(v for v in self._snap.meters.values() if v.feeds == asset)

    def host_power(self, asset: str) -> Figure | None:
        """Measured wall power of ``asset`` (W), None without a fresh reading of every meter."""
        return self._snap.asset_power.get(asset)

    def asset_energy(self, asset: str) -> Figure | None:
        """Measured energy (J) of ``asset`` since metering began (its meters' measured time)."""
        return self._snap.asset_energy.get(asset)

    def _publish(self, now: float | None = None) -> None:
        t = now if now is not None else self._wall()
        by_asset: dict[str, list[MeterView]] = {}
        for v in self._meters.values():
            if v.feeds is not None:
                by_asset.setdefault(v.feeds, []).append(v)
        power, energy = {}, {}
        for asset, fed in by_asset.items():
            views = counted_meters(asset, fed, lambda v: v.key.asset)
            srcs = tuple(sorted(f"{v.key.asset}/{v.key.meter}" for v in views))
            energy[asset] = Figure.exact(sum(v.state.joules for v in views), "J",
                                         Provenance.MEASURED, srcs)
            fresh = [v.state.watts for v in views if v.state.watts is not None
                     and v.state.watts_t is not None and t - v.state.watts_t <= v.max_gap]
            if len(fresh) == len(views):
                power[asset] = Figure.exact(sum(fresh), "W", Provenance.MEASURED, srcs)
        places = {a: (x.site, x.kind) if (x := self._assets.get(a)) else ("", "")
                  for a in by_asset}
        self._snap = EnergySnapshot(MappingProxyType(dict(self._meters)), MappingProxyType(power),
                                    MappingProxyType(energy), MappingProxyType(places), t)


class _Collector:
    """Scrape-time view of the published snapshot (no I/O, no locks: the snapshot is immutable)."""

    def __init__(self, snapshot: Callable[[], EnergySnapshot]) -> None:
        self._snapshot = snapshot

    def describe(self) -> list[object]:
        return []

    def collect(self) -> Iterator[object]:
        snap = self._snapshot()
        names = ["asset", "site", "kind", "meter", "source"]
        joules = CounterMetricFamily("vigie_energy_joules", "Energy measured by the meter "
                                     "(counter deltas, else power integrated)", labels=names)
        watts = GaugeMetricFamily("vigie_energy_power_watts", "Last power read on the meter",
                                  labels=names)
        meas = CounterMetricFamily("vigie_energy_measured_seconds", "Time covered by the "
                                   "meter's energy", labels=names)
        unmeas = CounterMetricFamily("vigie_energy_unmeasured_seconds", "Time the meter could "
                                     "not account for (gaps longer than max_gap, resets)",
                                     labels=names)
        for v in sorted(snap.meters.values(), key=lambda v: (v.key.asset, v.key.meter)):
            lv = [v.key.asset, v.site, v.kind, v.key.meter, v.source]
            joules.add_metric(lv, v.state.joules)
            meas.add_metric(lv, v.state.measured_s)
            unmeas.add_metric(lv, v.state.unmeasured_s)
            if v.state.watts is not None:
                watts.add_metric(lv, v.state.watts)
        alabels = ["asset", "site", "kind", "provenance"]
        apower = GaugeMetricFamily("vigie_asset_power_watts", "Power of the asset from the "
                                   "meters that feed it", labels=alabels)
        aenergy = CounterMetricFamily("vigie_asset_energy_joules", "Energy of the asset from "
                                      "the meters that feed it", labels=alabels)
        for asset in sorted(snap.asset_energy):
            site, kind = snap.places[asset]
            e = snap.asset_energy[asset]
            aenergy.add_metric([asset, site, kind, e.provenance.value], e.value)
            p = snap.asset_power.get(asset)
            if p is not None:
                apower.add_metric([asset, site, kind, p.provenance.value], p.value)
        yield from (joules, watts, meas, unmeas, apower, aenergy)


def check_feeds(config: Config) -> list[ConfigError]:
    """Feeds that name an asset the configuration does not have."""
    names = {a.name for a in config.assets}
    return [ConfigError(f"unknown asset {getattr(f, k)!r}", path=f"energy.meters.feeds[{i}].{k}")
            for i, f in enumerate(config.energy.meters.feeds) for k in ("meter", "asset")
            if getattr(f, k) not in names]


def runtime_of(ctx: DaemonContext) -> EnergyRuntime | None:
    """The meters extension of this daemon, for extensions built after it (None when off)."""
    rt = ctx.services.get(SERVICE)
    return rt if isinstance(rt, EnergyRuntime) else None


def build(ctx: DaemonContext) -> Extension | None:
    """The meters extension (None when ``energy.meters.enabled`` is false)."""
    if not ctx.config.energy.meters.enabled:
        return None
    errors = check_feeds(ctx.config)
    if errors:
        raise errors[0]
    table = MeterTable(ctx.store.path)
    rt = EnergyRuntime(ctx.config, table, ctx.wall)
    ctx.services[SERVICE] = rt
    return rt
