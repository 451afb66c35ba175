"""ICMP echo probe: loss ratio, min/avg/max RTT and jitter over several echo requests."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class IcmpOptions:
    count: int = 3          # echo requests per poll
    interval: float = 0.2   # seconds between requests
    timeout: float = 1.0    # seconds to wait for each reply
    size: int = 56          # payload bytes
