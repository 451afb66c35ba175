"""What the hypervisor probes (nutanix, proxmox) share: inventory rows -> samples, one JSON GET.

Every hypervisor source exports the same families so that the VM attribution
(``monitor/energy/vms.py``) reads them alike. Labels are bounded: ``vm`` (unique per source),
``host`` (node name), ``hypervisor`` and ``state`` (one of :data:`POWER_STATES`).
"""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import aiohttp
from yarl import URL

from monitor.probes.base import Reason, Sample, Stats

POWER_STATES = ("on", "off", "paused", "suspended", "unknown")

HELP = {
    "vigie_vm_info": "Virtual machine known to the hypervisor source (1), with its host and hypervisor.",
    "vigie_vm_power_state": "VM power state (1 for the current one: on, off, paused, suspended, unknown).",
    "vigie_vm_vcpus": "Virtual CPUs of the VM (vCPUs x cores per vCPU where the source has both).",
    "vigie_vm_cpu_usage_ratio": "CPU use of the VM as a fraction of its own vCPUs (0-1), latest sample.",
    "vigie_vm_memory_bytes": "Memory configured for the VM.",
    "vigie_hypervisor_host_cpu_usage_ratio": "CPU use of the hypervisor host as a fraction of its threads.",
    "vigie_hypervisor_host_cpu_threads": "Logical CPUs (threads) of the hypervisor host.",
}


@dataclass(frozen=True, slots=True)
class VmRow:
    vm: str
    host: str                       # "" when the VM runs nowhere (off)
    state: str                      # one of POWER_STATES
    vcpus: int
    memory_bytes: float | None = None
    cpu_ratio: float | None = None  # fraction of the VM's vCPUs, None when unknown


@dataclass(frozen=True, slots=True)
class HostRow:
    host: str
    threads: int | None = None
    cpu_ratio: float | None = None


def inventory_samples(hypervisor: str, vms: Iterable[VmRow], hosts: Iterable[HostRow]) -> list[Sample]:
    out: list[Sample] = []
    for v in vms:
        lab = (("vm", v.vm), ("host", v.host))
        out.append(Sample("vigie_vm_info", 1.0, lab + (("hypervisor", hypervisor),), "info",
                          HELP["vigie_vm_info"]))
        for s in POWER_STATES:
            out.append(Sample("vigie_vm_power_state", 1.0 if v.state == s else 0.0,
                              lab + (("state", s),), help=HELP["vigie_vm_power_state"]))
        out.append(Sample("vigie_vm_vcpus", float(v.vcpus), lab, help=HELP["vigie_vm_vcpus"]))
        if v.memory_bytes is not None:
            out.append(Sample("vigie_vm_memory_bytes", v.memory_bytes, lab,
                              help=HELP["vigie_vm_memory_bytes"]))
        if v.cpu_ratio is not None:
            out.append(Sample("vigie_vm_cpu_usage_ratio", v.cpu_ratio, lab,
                              help=HELP["vigie_vm_cpu_usage_ratio"]))
    for h in hosts:
        lab = (("host", h.host),)
        if h.cpu_ratio is not None:
            out.append(Sample("vigie_hypervisor_host_cpu_usage_ratio", h.cpu_ratio, lab,
                              help=HELP["vigie_hypervisor_host_cpu_usage_ratio"]))
        if h.threads is not None:
            out.append(Sample("vigie_hypervisor_host_cpu_threads", float(h.threads), lab,
                              help=HELP["vigie_hypervisor_host_cpu_threads"]))
    return out


def unique_names(items: list[tuple[str, str]]) -> dict[str, str]:
    """``[(id, name)]`` -> ``{id: label}``: the name when unique, else ``name (id)``."""
    count: dict[str, int] = {}
    for _, name in items:
        count[name] = count.get(name, 0) + 1
    return {i: (n if count[n] == 1 and n else f"{n} ({i})") for i, n in items}


def number(value: Any) -> float | None:
    """A JSON number or numeric string (Prism sends stats as strings); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def clamp01(x: float) -> float:
    return min(max(x, 0.0), 1.0)


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
    except asyncio.TimeoutError as err:
        raise Failure(Reason.TIMEOUT, f"{url.path}: no answer within {timeout:g} s") from err
    except aiohttp.ClientError as err:
        raise _failure_from(err, url) from err
    stats.pdus += 1
    try:
        return json.loads(text)
    except ValueError as err:
        raise Failure(Reason.BAD_RESPONSE, f"{url.path}: invalid JSON") from err


def _failure_from(err: aiohttp.ClientError, url: URL) -> Failure:
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


def basic_auth(username: str, password: str) -> str:
    """``Authorization`` header value for HTTP Basic authentication (RFC 7617, UTF-8)."""
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


def ssl_context(verify: bool, ca_file: str | None) -> Any:
    """aiohttp ``ssl=`` value: default verification, a CA file, or none (``False``)."""
    if not verify:
        return False
    if ca_file:
        import ssl
        return ssl.create_default_context(cafile=ca_file)
    return None
