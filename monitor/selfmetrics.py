"""The daemon measures itself: poll durations and outcomes, SNMP packets, scheduler lag, process.

Plain counters updated by the scheduler (single event-loop thread) and read by a collector at
scrape time; prometheus-client metric objects are not used so that no global registry is touched.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable

import psutil
from prometheus_client.metrics_core import (CounterMetricFamily, GaugeMetricFamily,
                                            HistogramMetricFamily, Metric)

from monitor.probes.base import Result

DURATION_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
LAG_BUCKETS = (0.001, 0.01, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0)


@dataclass
class _Histogram:
    buckets: tuple[float, ...]
    counts: list[int] = field(default_factory=list)
    total: float = 0.0
    n: int = 0

    def observe(self, value: float) -> None:
        if not self.counts:
            self.counts = [0] * len(self.buckets)
        for i, bound in enumerate(self.buckets):
            if value <= bound:
                self.counts[i] += 1
        self.total += value
        self.n += 1

    def export(self) -> tuple[list[tuple[str, float]], float]:
        counts = self.counts or [0] * len(self.buckets)
        pairs = [(repr(float(b)), float(c)) for b, c in zip(self.buckets, counts)]
        pairs.append(("+Inf", float(self.n)))
        return pairs, self.total


class SelfMetrics:
    def __init__(self) -> None:
        self.durations: dict[str, _Histogram] = defaultdict(lambda: _Histogram(DURATION_BUCKETS))
        self.outcomes: Counter[tuple[str, str]] = Counter()
        self.packets_sent: Counter[str] = Counter()
        self.packets_retried: Counter[str] = Counter()
        self.pdus: Counter[str] = Counter()
        self.varbinds: Counter[str] = Counter()
        self.lag = _Histogram(LAG_BUCKETS)
        self.last_lag = 0.0
        self.skipped: Counter[str] = Counter()
        self.deadline_exceeded: Counter[str] = Counter()
        self.counter_discontinuities: Counter[str] = Counter()
        self.queue_length = 0
        self.in_flight = 0
        self.jobs = 0
        self.reloads: Counter[str] = Counter()
        self.extension_errors: Counter[tuple[str, str]] = Counter()
        self._proc = psutil.Process()

    def observe(self, result: Result) -> None:
        kind = result.probe
        self.durations[kind].observe(result.duration)
        self.outcomes[(kind, str(result.reason))] += 1
        st = result.stats
        self.packets_sent[kind] += st.packets_sent
        self.packets_retried[kind] += st.packets_retried
        self.pdus[kind] += st.pdus
        self.varbinds[kind] += st.varbinds

    def observe_lag(self, lag: float) -> None:
        self.last_lag = lag
        self.lag.observe(max(lag, 0.0))

    def collect(self) -> Iterable[Metric]:
        h = HistogramMetricFamily("vigie_poll_duration_seconds", "Duration of polls, by probe kind.",
                                  labels=["probe"])
        for kind, hist in sorted(self.durations.items()):
            buckets, total = hist.export()
            h.add_metric([kind], buckets, total)
        yield h
        yield _counter("vigie_poll_outcomes", "Polls by probe kind and outcome reason.",
                       ["probe", "reason"], self.outcomes)
        for name, help_text, data in (
                ("vigie_probe_packets_sent", "Request packets sent (first tries and retries).",
                 self.packets_sent),
                ("vigie_probe_packets_retried", "Request packets re-sent after a timeout.",
                 self.packets_retried),
                ("vigie_probe_pdus_received", "Response PDUs received.", self.pdus),
                ("vigie_probe_varbinds_received", "SNMP variable bindings received.", self.varbinds),
                ("vigie_polls_skipped", "Polls not started because the previous one of the same "
                 "asset and probe was still running.", self.skipped),
                ("vigie_polls_deadline_exceeded", "Polls cancelled at their deadline.",
                 self.deadline_exceeded)):
            yield _counter(name, help_text, ["probe"], {(k,): v for k, v in data.items()})
        yield _counter("vigie_counter_discontinuities", "Device counter wraps and resets "
                       "detected (never exported as decreases).", ["type"],
                       {(k,): v for k, v in self.counter_discontinuities.items()})
        yield _counter("vigie_config_reloads", "Configuration reloads by result.", ["result"],
                       {(k,): v for k, v in self.reloads.items()})
        yield _counter("vigie_extension_errors", "Errors raised by the SLA/energy extensions, by "
                       "extension and hook (the daemon logs them and goes on).",
                       ["extension", "hook"], self.extension_errors)
        lag = HistogramMetricFamily("vigie_scheduler_lag_seconds",
                                    "Delay between a poll's due time and its start.")
        buckets, total = self.lag.export()
        lag.add_metric([], buckets, total)
        yield lag
        yield _gauge("vigie_scheduler_last_lag_seconds", "Lag of the last started poll.", self.last_lag)
        yield _gauge("vigie_scheduler_queue_length", "Polls due but waiting for a concurrency slot.",
                     self.queue_length)
        yield _gauge("vigie_scheduler_in_flight", "Polls running now.", self.in_flight)
        yield _gauge("vigie_scheduler_jobs", "Scheduled polling jobs (asset x probe).", self.jobs)
        with self._proc.oneshot():
            cpu = self._proc.cpu_times()
            rss = self._proc.memory_info().rss
        yield _counter("vigie_process_cpu_seconds", "CPU time of the Vigie process (user+system).",
                       [], {(): cpu.user + cpu.system})
        yield _gauge("vigie_process_resident_memory_bytes", "Resident set size of the Vigie process.",
                     rss)


def _counter(name: str, help_text: str, labels: list[str], data) -> CounterMetricFamily:
    fam = CounterMetricFamily(name, help_text, labels=labels)
    for key, value in sorted(data.items()):
        fam.add_metric(list(key), float(value))
    return fam


def _gauge(name: str, help_text: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, help_text, value=float(value))
