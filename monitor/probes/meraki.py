"""Meraki Dashboard API source: organisation device statuses and switch port statuses (PoE)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class MerakiOptions:
    organization_id: str
    base_url: str = "https://api.meraki.com/api/v1"
    timeout: float = 15.0
    per_page: int = 1000
    max_retries: int = 3            # on 429 / 5xx, honouring Retry-After
    switch_ports: bool = True       # also read per-port statuses (PoE energy) of switches
