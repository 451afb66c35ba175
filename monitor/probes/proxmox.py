"""Proxmox VE source: nodes, VM inventory, power state and CPU (Proxmox VE API)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class ProxmoxOptions:
    base_url: str                       # e.g. https://pve.example:8006 ; credentials: http API token
    timeout: float = 15.0
    verify_tls: bool = True
    ca_file: str | None = None
