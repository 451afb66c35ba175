"""Shared bits of the benchmarks: per-cycle counts, a result row and the table printer."""

from __future__ import annotations

from dataclasses import dataclass

import psutil

# What snmp_exporter's upstream ``if_mib`` module (v0.21) polls: two walks and one get.
IF_MIB_WALKS = ("1.3.6.1.2.1.2", "1.3.6.1.2.1.31.1.1")
IF_MIB_GETS = ("1.3.6.1.2.1.1.3.0",)
MAX_REPETITIONS = 25  # snmp_exporter's default for v2c walks


@dataclass(slots=True)
class Cycle:
    """One poll of one target."""

    varbinds: int = 0
    pdus: int = 0        # request/response exchanges (retries not included)
    errors: int = 0


@dataclass(slots=True)
class Row:
    """A poller's totals over ``cycles`` polls."""

    name: str
    cycles: int
    varbinds: int
    pdus: int
    cpu_seconds: float      # poller CPU (user+system)
    wall_seconds: float
    rss_bytes: int
    agent_cpu_seconds: float = 0.0
    errors: int = 0

    @property
    def varbinds_per_second(self) -> float:
        return self.varbinds / self.wall_seconds if self.wall_seconds else 0.0

    @property
    def cpu_ms_per_1000(self) -> float:
        return 1e6 * self.cpu_seconds / self.varbinds if self.varbinds else float("nan")

    @property
    def pdus_per_cycle(self) -> float:
        return self.pdus / self.cycles if self.cycles else 0.0


def cpu_seconds(process: psutil.Process) -> float:
    t = process.cpu_times()
    return t.user + t.system + t.children_user + t.children_system


def rss_mib(process: psutil.Process | None = None) -> float:
    return (process or psutil.Process()).memory_info().rss / 2**20


def print_table(rows: list[Row]) -> None:
    head = (f"{'poller':<24}{'cycles':>7}{'varbinds/cycle':>15}{'PDUs/cycle':>11}{'varbinds/s':>12}"
            f"{'CPU ms/1k vb':>13}{'CPU ms/cycle':>13}{'RSS MiB':>9}{'agent ms/1k':>12}{'errors':>7}")
    print(head)
    print("-" * len(head))
    for r in rows:
        agent = 1e6 * r.agent_cpu_seconds / r.varbinds if r.varbinds else float("nan")
        print(f"{r.name:<24}{r.cycles:>7}{r.varbinds / r.cycles:>15.0f}{r.pdus_per_cycle:>11.1f}"
              f"{r.varbinds_per_second:>12.0f}{r.cpu_ms_per_1000:>13.2f}"
              f"{1000 * r.cpu_seconds / r.cycles:>13.1f}{r.rss_bytes / 2**20:>9.1f}"
              f"{agent:>12.2f}{r.errors:>7}")


def print_ratios(rows: list[Row], reference: str) -> None:
    ref = next((r for r in rows if r.name == reference), None)
    if ref is None:
        return
    for r in rows:
        if r is ref:
            continue
        per_cycle = (r.cpu_seconds / r.cycles) / (ref.cpu_seconds / ref.cycles)
        print(f"{r.name} / {ref.name}: CPU per 1k varbinds x{r.cpu_ms_per_1000 / ref.cpu_ms_per_1000:.2f}, "
              f"CPU per cycle x{per_cycle:.2f}, "
              f"PDUs per cycle x{r.pdus_per_cycle / ref.pdus_per_cycle:.2f}, "
              f"varbinds/s x{r.varbinds_per_second / ref.varbinds_per_second:.2f}")


def udp_receive_drops() -> int:
    """UDP datagrams dropped on full receive buffers in this network namespace (RcvbufErrors)."""
    with open("/proc/net/snmp") as f:
        head, values = [line.split() for line in f if line.startswith("Udp:")][:2]
    return int(values[head.index("RcvbufErrors")])
