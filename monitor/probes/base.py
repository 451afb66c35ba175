"""What every probe returns: a Result value with a Reason, a duration and Samples.

Probes never raise for a failed poll; they return a Result whose ``reason`` says why.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Protocol, Literal


class Reason(enum.StrEnum):
    OK = "ok"
    TIMEOUT = "timeout"
    AUTH_ERROR = "auth_error"
    NO_SUCH_OBJECT = "no_such_object"
    TOO_BIG = "too_big"
    REFUSED = "refused"
    BAD_RESPONSE = "bad_response"
    DNS_ERROR = "dns_error"
    TLS_ERROR = "tls_error"
    BAD_STATUS = "bad_status"
    BODY_MISMATCH = "body_mismatch"
    RATE_LIMITED = "rate_limited"
    PERMISSION_ERROR = "permission_error"
    UNREACHABLE = "unreachable"
    ERROR = "error"


MetricType = Literal["gauge", "counter", "info"]


@dataclass(frozen=True, slots=True)
class Sample:
    """One reading. ``name`` is the full Prometheus name (``vigie_`` prefix, base units).

    For ``counter`` samples, ``value`` is the *raw* device counter; the scheduler turns it into a
    monotonic total (wrap and reset aware) using ``bits`` (32 or 64) before export.
    For ``info`` samples, value is 1 and the information lives in labels.
    """

    name: str
    value: float
    labels: tuple[tuple[str, str], ...] = ()
    type: MetricType = "gauge"
    help: str = ""
    bits: int = 0  # counter width for wrap detection: 32, 64, or 0 (not a device counter)


@dataclass(slots=True)
class Stats:
    """Protocol-level accounting of one poll, summed into self-metrics."""

    packets_sent: int = 0
    packets_retried: int = 0
    pdus: int = 0
    varbinds: int = 0


@dataclass(slots=True)
class Result:
    probe: str                 # probe kind: "snmp", "http", "icmp", "meraki"...
    asset: str
    reason: Reason
    duration: float            # seconds, wall clock
    samples: list[Sample] = field(default_factory=list)
    detail: str = ""           # human text for logs: "timeout after 3 tries", "HTTP 503"...
    stats: Stats = field(default_factory=Stats)
    uptime: float | None = None          # device uptime in seconds when known (reboot detection)
    partial: dict[str, Reason] = field(default_factory=dict)  # failed parts (subtree -> reason)

    @property
    def ok(self) -> bool:
        return self.reason is Reason.OK


class Probe(Protocol):
    """A probe polls one asset once. The scheduler owns timing, deadlines and concurrency."""

    kind: str

    async def run(self) -> Result: ...
