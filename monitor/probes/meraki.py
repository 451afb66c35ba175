"""Meraki Dashboard API source: organisation device statuses and switch port statuses (PoE).

Endpoints (Dashboard API v1):

* ``GET /organizations/{organizationId}/devices/statuses`` (paged: ``perPage`` and the
  RFC 8288 ``Link: <...>; rel=next`` header, followed until there is no next page);
* ``GET /devices/{serial}/switch/ports/statuses?timespan=N`` for every switch that is
  ``online`` or ``alerting`` (offline and dormant switches have no fresh port data).

Authentication uses ``Authorization: Bearer <key>`` (documented for v1 next to the legacy
``X-Cisco-Meraki-API-Key`` header). 429 answers are retried after ``Retry-After`` seconds,
5xx answers after an exponential backoff, both at most ``max_retries`` times and both through
the injected ``sleep`` so tests never wait. The key is never logged, put in a detail or a repr.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import aiohttp
from yarl import URL

from monitor.probes.base import Reason, Result, Sample, Stats
from monitor.probes.httpjson import Failure


@dataclass(frozen=True, kw_only=True)
class MerakiOptions:
    organization_id: str
    base_url: str = "https://api.meraki.com/api/v1"
    timeout: float = 15.0
    per_page: int = 1000
    max_retries: int = 3            # on 429 / 5xx, honouring Retry-After
    switch_ports: bool = True       # also read per-port statuses (PoE energy) of switches
    timespan: float = 3600.0        # seconds of history for switch port statuses (energy window)
    backoff: float = 1.0            # first 5xx retry delay in seconds, doubled at each retry


DEVICE_STATUSES = ("online", "alerting", "offline", "dormant")
_PORTS_FOR = {"online", "alerting"}
_SPEED = re.compile(r"^\s*([\d.]+)\s*([kMG])bps\s*$")
_SPEED_UNIT = {"k": 1e3, "M": 1e6, "G": 1e9}

Sleep = Callable[[float], Awaitable[Any]]


class MerakiProbe:
    """Polls one Meraki organisation through the Dashboard API."""

    kind = "meraki"

    def __init__(self, *, asset: str, options: MerakiOptions, api_key: str,
                 session: aiohttp.ClientSession | None = None, sleep: Sleep = asyncio.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.asset = asset
        self.options = options
        self._api_key = api_key
        self._session = session
        self._sleep = sleep
        self._clock = clock
        self._origin = URL(options.base_url).origin()

    def __repr__(self) -> str:
        return (f"MerakiProbe(asset={self.asset!r}, organization_id="
                f"{self.options.organization_id!r}, api_key='<secret>')")

    async def run(self) -> Result:
        start = self._clock()
        stats = Stats()
        result = Result(probe=self.kind, asset=self.asset, reason=Reason.OK, duration=0.0,
                        stats=stats)
        session = self._session or aiohttp.ClientSession()
        try:
            devices = await self._get_all(
                session, f"/organizations/{self.options.organization_id}/devices/statuses",
                {"perPage": str(self.options.per_page)}, stats)
            result.samples.extend(device_samples(devices))
            if self.options.switch_ports:
                for dev in devices:
                    if dev.get("productType") != "switch" or dev.get("status") not in _PORTS_FOR:
                        continue
                    serial = str(dev.get("serial", ""))
                    try:
                        ports = await self._get_all(
                            session, f"/devices/{serial}/switch/ports/statuses",
                            {"timespan": f"{self.options.timespan:g}"}, stats)
                    except Failure as err:
                        result.partial[f"switch_ports:{serial}"] = err.reason
                        continue
                    result.samples.extend(port_samples(serial, ports, self.options.timespan))
            if result.partial:
                result.detail = f"{len(result.partial)} switch(es) without port statuses"
        except Failure as err:
            result.reason, result.detail = err.reason, err.detail
        finally:
            if self._session is None:
                await session.close()
            result.duration = self._clock() - start
        return result

    async def _get_all(self, session: aiohttp.ClientSession, path: str,
                       params: dict[str, str], stats: Stats) -> list[dict[str, Any]]:
        """GET a list endpoint and follow every ``rel=next`` page."""
        url: URL | None = URL(self.options.base_url.rstrip("/") + path).with_query(params)
        items: list[dict[str, Any]] = []
        while url is not None:
            body, next_url = await self._get(session, url, stats)
            if not isinstance(body, list):
                raise Failure(Reason.BAD_RESPONSE, f"{path}: expected a JSON list")
            items.extend(x for x in body if isinstance(x, dict))
            if next_url is not None and next_url.origin() != self._origin:
                # never send the key to another host
                raise Failure(Reason.BAD_RESPONSE, f"{path}: next page on a foreign origin")
            url = next_url
        return items

    async def _get(self, session: aiohttp.ClientSession, url: URL,
                   stats: Stats) -> tuple[Any, URL | None]:
        """One GET with retries on 429/5xx; returns the decoded body and the next page URL."""
        headers = {"Authorization": f"Bearer {self._api_key}", "Accept": "application/json"}
        timeout = aiohttp.ClientTimeout(total=self.options.timeout)
        attempt = 0
        while True:
            stats.packets_sent += 1
            try:
                async with session.get(url, headers=headers, timeout=timeout,
                                       allow_redirects=False) as resp:
                    status = resp.status
                    if status == 200:
                        text = await resp.text()
                        link = resp.links.get("next")
                        next_url = URL(str(link["url"])) if link and "url" in link else None
                        stats.pdus += 1
                        try:
                            return json.loads(text), next_url
                        except ValueError as err:
                            raise Failure(Reason.BAD_RESPONSE,
                                           f"{url.path}: invalid JSON") from err
                    retry_after = resp.headers.get("Retry-After")
            except asyncio.TimeoutError as err:
                raise Failure(Reason.TIMEOUT,
                               f"{url.path}: no answer within {self.options.timeout:g} s") from err
            except aiohttp.ClientError as err:
                raise _failure_from(err, url) from err
            if status in (401, 403):
                raise Failure(Reason.AUTH_ERROR, f"{url.path}: HTTP {status} (API key refused)")
            if status == 429 or status >= 500:
                if attempt >= self.options.max_retries:
                    reason = Reason.RATE_LIMITED if status == 429 else Reason.BAD_STATUS
                    raise Failure(reason, f"{url.path}: HTTP {status} after {attempt} retries")
                delay = (_retry_after(retry_after) if status == 429 else None)
                if delay is None:
                    delay = self.options.backoff * (2 ** attempt)
                attempt += 1
                stats.packets_retried += 1
                await self._sleep(delay)
                continue
            raise Failure(Reason.BAD_STATUS, f"{url.path}: HTTP {status}")


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (Meraki sends integer seconds)."""
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _failure_from(err: aiohttp.ClientError, url: URL) -> Failure:
    """Map aiohttp connection errors to reasons."""
    where = f"{url.host}:{url.port}"
    if isinstance(err, aiohttp.ClientConnectorDNSError):
        return Failure(Reason.DNS_ERROR, f"cannot resolve {url.host}")
    if isinstance(err, (aiohttp.ClientConnectorCertificateError, aiohttp.ClientSSLError)):
        return Failure(Reason.TLS_ERROR, f"TLS error with {where}")
    if isinstance(err, aiohttp.ClientConnectorError):
        if isinstance(err.os_error, ConnectionRefusedError):
            return Failure(Reason.REFUSED, f"connection refused by {where}")
        return Failure(Reason.UNREACHABLE, f"cannot connect to {where}: {err.os_error}")
    if isinstance(err, aiohttp.ClientPayloadError | aiohttp.ServerDisconnectedError):
        return Failure(Reason.BAD_RESPONSE, f"{url.path}: broken answer")
    return Failure(Reason.ERROR, f"{url.path}: {type(err).__name__}")


def device_samples(devices: list[dict[str, Any]]) -> list[Sample]:
    """Enum gauge of each device's status, plus its last report time."""
    out: list[Sample] = []
    for dev in devices:
        serial = str(dev.get("serial") or "")
        if not serial:
            continue
        status = str(dev.get("status") or "")
        base = (("serial", serial), ("name", str(dev.get("name") or "")),
                ("product_type", str(dev.get("productType") or "")),
                ("model", str(dev.get("model") or "")),
                ("network", str(dev.get("networkId") or "")))
        for value in DEVICE_STATUSES:
            out.append(Sample("vigie_meraki_device_status", 1.0 if status == value else 0.0,
                              base + (("status", value),),
                              help="Meraki device status as seen by the Dashboard (1 for the "
                                   "current status: online, alerting, offline, dormant)"))
        reported = _timestamp(dev.get("lastReportedAt"))
        if reported is not None:
            out.append(Sample("vigie_meraki_device_last_reported_timestamp_seconds", reported,
                              (("serial", serial),),
                              help="Unix time the device last reported to the Dashboard"))
    return out


def port_samples(serial: str, ports: list[dict[str, Any]], timespan: float) -> list[Sample]:
    """Per-port link, PoE energy/power and traffic over the ``timespan`` window."""
    out: list[Sample] = []
    hours = timespan / 3600.0
    for port in ports:
        pid = str(port.get("portId") or "")
        if not pid:
            continue
        lab = (("serial", serial), ("port", pid))
        out.append(Sample("vigie_meraki_switch_port_up",
                          1.0 if port.get("status") == "Connected" else 0.0, lab,
                          help="1 if the switch port link is connected"))
        out.append(Sample("vigie_meraki_switch_port_enabled",
                          1.0 if port.get("enabled") else 0.0, lab,
                          help="1 if the switch port is administratively enabled"))
        speed = _speed(port.get("speed"))
        if speed is not None:
            out.append(Sample("vigie_meraki_switch_port_speed_bytes_per_second", speed / 8, lab,
                              help="Negotiated link speed of the switch port, bytes/s"))
        poe = port.get("poe")
        if isinstance(poe, dict) and "isAllocated" in poe:
            out.append(Sample("vigie_meraki_switch_port_poe_allocated",
                              1.0 if poe.get("isAllocated") else 0.0, lab,
                              help="1 if the port is drawing PoE power"))
        wh = _number(port.get("powerUsageInWh"))
        if wh is not None:
            out.append(Sample("vigie_meraki_switch_port_poe_energy_joules", wh * 3600.0, lab,
                              help="PoE energy delivered by the port over the last "
                                   "timespan window (Dashboard powerUsageInWh)"))
            if hours > 0:
                out.append(Sample("vigie_meraki_switch_port_poe_power_watts", wh / hours, lab,
                                  help="Mean PoE power of the port over the timespan window"))
        traffic = port.get("trafficInKbps")
        if isinstance(traffic, dict):
            for key, direction in (("sent", "tx"), ("recv", "rx")):
                kbps = _number(traffic.get(key))
                if kbps is not None:
                    out.append(Sample("vigie_meraki_switch_port_traffic_bytes_per_second",
                                      kbps * 1000.0 / 8.0, lab + (("direction", direction),),
                                      help="Mean port throughput over the timespan window"))
    return out


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _speed(value: Any) -> float | None:
    """``"10 Gbps"`` -> 1e10; empty or unknown -> None."""
    m = _SPEED.match(value) if isinstance(value, str) else None
    return float(m.group(1)) * _SPEED_UNIT[m.group(2)] if m else None


def _timestamp(value: Any) -> float | None:
    """ISO-8601 ``2018-02-11T00:00:00.090210Z`` -> Unix seconds."""
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.timestamp()
