"""Nutanix Prism source: VM inventory, power state and CPU (Prism REST v2)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class NutanixOptions:
    base_url: str                       # e.g. https://prism.example:9440 ; credentials: http.username/password
    timeout: float = 15.0
    verify_tls: bool = True
    ca_file: str | None = None
