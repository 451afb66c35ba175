"""Redfish probe: server wall power (PowerSubsystem / EnvironmentMetrics, legacy Power)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class RedfishOptions:
    base_url: str                       # e.g. https://10.1.2.3 (the BMC); credentials: http.username/password
    timeout: float = 10.0
    verify_tls: bool = True
    ca_file: str | None = None
