"""JSON over HTTP for the API probes (redfish, nutanix, proxmox, meraki): one GET, one error model.

Every failure becomes a :class:`Failure` carrying a probe :class:`Reason` (classified like the
HTTP probe does, :func:`monitor.probes.http.classify`); credentials never appear in details.
"""

from __future__ import annotations

import asyncio
import base64
import json
import ssl as _ssl
from typing import Any, Mapping

import aiohttp
from yarl import URL

from monitor.probes.base import Reason, Stats
from monitor.probes.http import classify


class Failure(Exception):
    """Internal: one request failed; turned into a Result reason at the probe boundary."""

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


async def get_json(session: aiohttp.ClientSession, url: URL, *, timeout: float, stats: Stats,
                   headers: Mapping[str, str] | None = None, ssl: Any = None) -> Any:
    """One GET decoded as JSON; every failure becomes a :class:`Failure` (never the credentials)."""
    stats.packets_sent += 1
    try:
        async with session.get(url, headers=dict(headers or {}), ssl=ssl,
                               timeout=aiohttp.ClientTimeout(total=timeout),
                               allow_redirects=False) as resp:
            status = resp.status
            if status in (401, 403):
                raise Failure(Reason.AUTH_ERROR, f"{url.path}: HTTP {status} (credentials refused)")
            if status == 429:
                raise Failure(Reason.RATE_LIMITED, f"{url.path}: HTTP 429")
            if status != 200:
                raise Failure(Reason.BAD_STATUS, f"{url.path}: HTTP {status}")
            text = await resp.text()
    except (aiohttp.ClientError, _ssl.SSLError, OSError, asyncio.TimeoutError) as err:
        reason, detail = classify(err)
        if reason is Reason.TIMEOUT:
            detail = f"no answer within {timeout:g} s"
        raise Failure(reason, f"{url.path}: {detail}") from err
    stats.pdus += 1
    try:
        return json.loads(text)
    except ValueError as err:
        raise Failure(Reason.BAD_RESPONSE, f"{url.path}: invalid JSON") from err


def basic_auth(username: str, password: str) -> str:
    """``Authorization`` header value for HTTP Basic authentication (RFC 7617, UTF-8)."""
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


def ssl_context(verify: bool, ca_file: str | None) -> Any:
    """aiohttp ``ssl=`` value: default verification, a CA file, or none (``False``)."""
    if not verify:
        return False
    if ca_file:
        return _ssl.create_default_context(cafile=ca_file)
    return None
