"""HTTP probe (aiohttp): status, body regex, phase timings, TLS chain expiry, redirects."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True, kw_only=True)
class HttpOptions:
    url: str
    name: str = ""                      # value of the ``check`` label; defaults to the URL
    method: Literal["GET", "HEAD", "POST"] = "GET"
    expect_status: tuple[int, ...] = (200,)
    body_regex: str | None = None
    timeout: float = 10.0               # seconds, whole probe
    max_redirects: int = 5              # 0: do not follow
    ip_family: Literal["any", "ipv4", "ipv6"] = "any"
    verify_tls: bool = True
    ca_file: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
