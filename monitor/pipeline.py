"""From probe Results to exported state: counters, asset states, transitions, snapshot.

The scheduler hands every Result to :meth:`Pipeline.handle` (event-loop thread). The pipeline

1. turns raw device counters into monotonic totals (:mod:`monitor.counters`);
2. recomputes asset states with dependencies (:mod:`monitor.state`), records transitions in the
   store and logs one line per transition (down, recovered), never one per failed cycle;
3. publishes a new immutable snapshot for the exporter.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from types import MappingProxyType
from typing import Callable, Mapping

from monitor import counters, state
from monitor.exporter import EMPTY, AssetView, ProbeView, Snapshot
from monitor.probes.base import Result, Sample
from monitor.selfmetrics import SelfMetrics
from monitor.store import Store, Transition

log = logging.getLogger("vigie")


@dataclass(frozen=True, slots=True)
class AssetInfo:
    name: str
    site: str
    kind: str
    parent: str | None = None


def counter_key(asset: str, probe: str, sample: Sample) -> str:
    labels = ",".join(f"{k}={v}" for k, v in sample.labels)
    return f"{asset}|{probe}|{sample.name}|{labels}"


class Pipeline:
    def __init__(self, *, assets: Mapping[str, AssetInfo], store: Store, metrics: SelfMetrics,
                 wall: Callable[[], float] = time.time) -> None:
        self._store = store
        self._metrics = metrics
        self._wall = wall
        self._counters = store.load_counters()
        self._dirty: dict[str, counters.CounterState] = {}
        self._results: dict[str, dict[str, Result]] = {}
        self._probe_views: dict[str, dict[str, ProbeView]] = {}
        self._changed: set[str] = set()
        self._views: dict[str, AssetView] = {}
        self._states: dict[str, tuple[str, str]] = {}
        self._snapshot: Snapshot = EMPTY
        self.set_assets(assets)

    def set_assets(self, assets: Mapping[str, AssetInfo]) -> None:
        """(Re)define the inventory; results of removed assets are dropped."""
        self._assets = dict(assets)
        self._results = {a: r for a, r in self._results.items() if a in self._assets}
        self._probe_views = {a: r for a, r in self._probe_views.items() if a in self._assets}
        self._changed.update(self._assets)
        for name in self._assets:
            self._results.setdefault(name, {})
            self._probe_views.setdefault(name, {})
            if name not in self._states:
                last = self._store.last_state(name)
                self._states[name] = (last.state, last.reason) if last else (state.UNMEASURED, "")
        self._states = {a: s for a, s in self._states.items() if a in self._assets}
        self._recompute()

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    def states(self) -> dict[str, tuple[str, str]]:
        return dict(self._states)

    def handle(self, result: Result) -> None:
        if result.asset not in self._assets:
            return
        self._metrics.observe(result)
        result.samples = [self._monotonic(result, s) for s in result.samples]
        now = self._wall()
        self._results[result.asset][result.probe] = result
        self._probe_views[result.asset][result.probe] = ProbeView(
            result.ok, str(result.reason), result.duration, now, tuple(result.samples))
        self._changed.add(result.asset)
        self._recompute(ts=now, source=result.asset)

    def _monotonic(self, result: Result, sample: Sample) -> Sample:
        if sample.type != "counter" or not sample.bits:
            return sample
        key = counter_key(result.asset, result.probe, sample)
        new, event = counters.advance(self._counters.get(key), sample.value, sample.bits,
                                      result.uptime)
        if event is not counters.Discontinuity.NONE:
            self._metrics.counter_discontinuities[str(event)] += 1
        self._counters[key] = new
        self._dirty[key] = new
        return Sample(sample.name, new.total, sample.labels, "counter", sample.help, sample.bits)

    def _recompute(self, ts: float | None = None, source: str | None = None) -> None:
        own = {name: state.own_state(self._results[name].values()) for name in self._assets}
        resolved = state.resolve(own, {n: a.parent for n, a in self._assets.items()})
        changes = []
        for name, (st, why) in resolved.items():
            previous = self._states.get(name, (state.UNMEASURED, ""))[0]
            if previous == state.UNREACHABLE and st == state.DOWN and name != source:
                # The parent recovered; the child's last poll is from the outage. Its own next
                # poll decides (down or up): no spurious "down" in between.
                continue
            if ts is not None and st != previous and self._results[name]:
                changes.append(Transition(name, ts, st, why))
                _log_transition(name, previous, st, why)
            self._states[name] = (st, why)
        if changes:
            self._store.record_transitions(changes)
        views = {}
        for name, info in self._assets.items():
            old = self._views.get(name)
            if old is not None and name not in self._changed and old.state == self._states[name][0]:
                views[name] = old
            else:
                views[name] = AssetView(name, info.site, info.kind, self._states[name][0],
                                        MappingProxyType(dict(self._probe_views[name])))
        self._changed.clear()
        self._views = views
        self._snapshot = MappingProxyType(views)

    def flush(self) -> None:
        """Persist counter state changed since the last flush (called periodically and at stop)."""
        if self._dirty:
            self._store.save_counters(self._dirty, self._wall())
            self._dirty = {}


def _log_transition(asset: str, old: str, new: str, why: str) -> None:
    if new == state.UP:
        log.info("%s recovered (was %s)", asset, old)
    elif new == state.DOWN:
        log.warning("%s down: %s", asset, why)
    elif new == state.UNREACHABLE:
        log.warning("%s unreachable: %s", asset, why)
    else:
        log.info("%s unmeasured: %s", asset, why)
