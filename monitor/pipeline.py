"""From probe Results to exported state: counters, asset states, transitions, snapshot.

The scheduler hands every Result to :meth:`Pipeline.handle` (event-loop thread). The pipeline

1. turns raw device counters into monotonic totals (:mod:`monitor.counters`);
2. recomputes asset states with dependencies (:mod:`monitor.state`), records transitions in the
   store and logs one line per transition (down, recovered), never one per failed cycle;
3. publishes a new immutable snapshot for the exporter.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from types import MappingProxyType
from typing import Callable, Mapping

from monitor import counters, state
from monitor.exporter import EMPTY, AssetView, ProbeView, Snapshot
from monitor.probes.base import Result, Sample
from monitor.selfmetrics import SelfMetrics
from monitor.store import Store, StoreError, Transition

Labels = tuple[tuple[str, str], ...]

log = logging.getLogger("vigie")


@dataclass(frozen=True, slots=True)
class AssetInfo:
    name: str
    site: str
    kind: str
    parent: str | None = None
    probes: frozenset[str] | None = None   # probe kinds configured (None: whatever reports)


def counter_key(asset: str, probe: str, name: str, labels: Labels) -> str:
    """The store's key of one device counter series."""
    text = ",".join(f"{k}={v}" for k, v in labels)
    return f"{asset}|{probe}|{name}|{text}"


class _Counters:
    """Wrap/reset state of the counters of one (asset, probe), kept compact: a raw value per
    series, an offset only for the few series that wrapped or reset, the device uptime of the
    last poll, and the series not read since the device last restarted (``stale``: a series
    missing from a partial poll must still see that restart when it comes back)."""

    __slots__ = ("raw", "offset", "uptime", "stale")

    def __init__(self) -> None:
        self.raw: dict[tuple[str, Labels], float] = {}
        self.offset: dict[tuple[str, Labels], float] = {}
        self.uptime: float | None = None
        self.stale: set[tuple[str, Labels]] = set()

    def observe_uptime(self, uptime: float | None) -> None:
        """Called once per poll, before its counters: a restart makes every series stale."""
        if uptime is None:
            return
        if self.uptime is not None and uptime < self.uptime:
            self.stale = set(self.raw)
        self.uptime = uptime

    def previous(self, key: tuple[str, Labels]) -> counters.CounterState | None:
        raw = self.raw.get(key)
        if raw is None:
            return None
        # A series last read before a restart carries an uptime the device has gone below.
        before = math.inf if key in self.stale else self.uptime
        return counters.CounterState(raw, self.offset.get(key, 0.0), before)

    def state(self, key: tuple[str, Labels]) -> counters.CounterState:
        prev = self.previous(key)
        assert prev is not None
        return prev


class Pipeline:
    def __init__(self, *, assets: Mapping[str, AssetInfo], store: Store, metrics: SelfMetrics,
                 wall: Callable[[], float] = time.time) -> None:
        self._store = store
        self._metrics = metrics
        self._wall = wall
        self._persisted = store.load_counters()   # consumed as series are first seen
        self._counters: dict[tuple[str, str], _Counters] = {}
        self._dirty: set[tuple[str, str]] = set()
        self._pending: list[Transition] = []      # transitions not yet in the store
        self._store_failing = False
        self._results: dict[str, dict[str, Result]] = {}
        self._probe_views: dict[str, dict[str, ProbeView]] = {}
        self._views: dict[str, AssetView] = {}
        self._states: dict[str, tuple[str, str]] = {}
        self._snapshot: Snapshot = EMPTY
        self.set_assets(assets)

    def set_assets(self, assets: Mapping[str, AssetInfo], *, ts: float | None = None) -> None:
        """(Re)define the inventory. Results of removed assets and of probes no longer
        configured are dropped. On a reload (``ts`` given) the state changes this causes are
        recorded, and removed assets become unmeasured from ``ts``."""
        removed = [n for n in self._states if n not in assets]
        self._assets = dict(assets)
        self._children: dict[str, list[str]] = {name: [] for name in self._assets}
        for name, info in self._assets.items():
            if info.parent in self._children:
                self._children[info.parent].append(name)

        def keep(asset: str, probe: str) -> bool:
            info = self._assets.get(asset)
            return info is not None and (info.probes is None or probe in info.probes)

        self._results = {a: {k: r for k, r in rs.items() if keep(a, k)}
                         for a, rs in self._results.items() if a in self._assets}
        self._probe_views = {a: {k: v for k, v in vs.items() if keep(a, k)}
                             for a, vs in self._probe_views.items() if a in self._assets}
        self._counters = {k: c for k, c in self._counters.items() if keep(*k)}
        for name in self._assets:
            self._results.setdefault(name, {})
            self._probe_views.setdefault(name, {})
            self._states.setdefault(name, (state.UNMEASURED, ""))
        if ts is not None:
            self._pending.extend(Transition(n, ts, state.UNMEASURED, "removed from the inventory")
                                 for n in removed if self._states[n][0] != state.UNMEASURED)
        self._states = {a: s for a, s in self._states.items() if a in self._assets}
        roots = [n for n, a in self._assets.items() if a.parent not in self._assets]
        self._views = {}
        self._update(roots, ts=ts, source=None)
        leftovers = [n for n in self._assets if n not in self._views]  # dependency cycles
        self._update(leftovers, ts=ts, source=None)

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    def states(self) -> dict[str, tuple[str, str]]:
        return dict(self._states)

    def handle(self, result: Result) -> None:
        if result.asset not in self._assets:
            return
        self._metrics.observe(result)
        pkey = (result.asset, result.probe)
        c = self._counters.get(pkey)
        if c is None and any(s.type == "counter" and s.bits for s in result.samples):
            c = self._counters[pkey] = _Counters()
        if c is not None:
            c.observe_uptime(result.uptime)
        samples = tuple(self._monotonic(c, pkey, result.uptime, s) if c is not None else s
                        for s in result.samples)
        now = self._wall()
        # Only the verdict is kept for the state; the samples live in the view.
        self._results[result.asset][result.probe] = Result(result.probe, result.asset,
                                                           result.reason, result.duration)
        self._probe_views[result.asset][result.probe] = ProbeView(
            result.ok, str(result.reason), result.duration, now, samples)
        self._update([result.asset], ts=now, source=result.asset)

    def _monotonic(self, c: _Counters, pkey: tuple[str, str], uptime: float | None,
                   sample: Sample) -> Sample:
        """The exported form of a sample: device counters become wrap/reset-aware totals."""
        if sample.type != "counter" or not sample.bits:
            return sample
        key = (sample.name, sample.labels)
        prev = c.previous(key)
        if prev is None:
            prev = self._persisted.pop(counter_key(*pkey, *key), None)
        c.stale.discard(key)
        new, event = counters.advance(prev, sample.value, sample.bits, uptime)
        if event is not counters.Discontinuity.NONE:
            self._metrics.counter_discontinuities[str(event)] += 1
        c.raw[key] = new.raw
        if new.offset:
            c.offset[key] = new.offset
        self._dirty.add(pkey)
        if not new.offset:
            return sample  # the device value is the total: no copy
        return Sample(sample.name, new.total, sample.labels, "counter", sample.help, sample.bits)

    def _update(self, names: list[str], *, ts: float | None, source: str | None) -> None:
        """Recompute the state of ``names`` and, when it changes, of the assets behind them;
        record and log transitions; publish a new snapshot. Work is proportional to what changed."""
        changes, queue, seen = [], list(names), set()
        views = dict(self._views)
        while queue:
            name = queue.pop(0)
            if name in seen:
                continue
            seen.add(name)
            st, why = state.own_state(self._results[name].values())
            parent = self._assets[name].parent
            if st == state.DOWN and parent in self._states:
                pstate = self._states[parent][0]
                if pstate in (state.DOWN, state.UNREACHABLE):
                    st, why = state.UNREACHABLE, f"parent {parent} is {pstate}"
            previous = self._states[name][0]
            if previous == state.UNREACHABLE and st == state.DOWN and name != source:
                # The parent recovered; the child's last poll is from the outage. Its own next
                # poll decides (down or up): no spurious "down" in between.
                st, why = self._states[name]
            if ts is not None and st != previous and self._results[name]:
                changes.append(Transition(name, ts, st, why))
                _log_transition(name, previous, st, why)
            self._states[name] = (st, why)
            info = self._assets[name]
            views[name] = AssetView(name, info.site, info.kind, st,
                                    MappingProxyType(dict(self._probe_views[name])))
            if st != previous or ts is None:
                queue.extend(self._children[name])
        if changes:
            self._pending.extend(changes)
            self._write_transitions()
        self._views = views
        self._snapshot = MappingProxyType(views)

    def _write_transitions(self) -> None:
        """Write pending transitions; on a store error keep them for the next try (flush), so
        none is lost while the database is locked or full. Logged once per failure episode."""
        try:
            self._store.record_transitions(self._pending)
        except StoreError as err:
            if not self._store_failing:
                log.error("state store: %s (transitions kept in memory, retried)", err)
            self._store_failing = True
            return
        if self._store_failing:
            log.info("state store writable again: %d transition(s) written", len(self._pending))
        self._store_failing = False
        self._pending = []

    def flush(self) -> None:
        """Persist pending transitions and the counter state of the probes polled since the
        last flush (called periodically and at stop). Raises StoreError for counters."""
        if self._pending:
            self._write_transitions()
        if not self._dirty:
            return
        rows = {}
        for pkey in self._dirty:
            c = self._counters.get(pkey)
            if c is None:
                continue
            for key in c.raw:
                rows[counter_key(*pkey, *key)] = c.state(key)
        self._store.save_counters(rows, self._wall())
        self._dirty = set()


def _log_transition(asset: str, old: str, new: str, why: str) -> None:
    if new == state.UP:
        log.info("%s recovered (was %s)", asset, old)
    elif new == state.DOWN:
        log.warning("%s down: %s", asset, why)
    elif new == state.UNREACHABLE:
        log.warning("%s unreachable: %s", asset, why)
    else:
        log.info("%s unmeasured: %s", asset, why)
