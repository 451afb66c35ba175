"""Typed, immutable configuration model. Built by ``monitor.config.loader.load_config``.

Field metadata read by the binder: ``duration`` (accepts ``"30s"``-style strings), ``min``/``max``
(numeric bounds). Secrets print as ``<secret>``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Literal

from monitor.probes.http import HttpOptions
from monitor.probes.icmp import IcmpOptions
from monitor.probes.meraki import MerakiOptions
from monitor.probes.nutanix import NutanixOptions
from monitor.probes.proxmox import ProxmoxOptions
from monitor.probes.redfish import RedfishOptions

from monitor.energy.config import EnergySection
from monitor.export.influx_config import InfluxSection
from monitor.sla.config import SlaSection

from monitor.secrets import Secret

__all__ = [
    "Asset", "AssetKind", "Config", "Credential", "DaemonOptions", "HttpCredential", "ProbeSet", "Secret",
    "Site", "SnmpCredential", "SnmpDefaults", "SnmpOptions", "Tiers", "SNMP_KINDS", "parse_address",
]


def _dur(**extra: float) -> dict:
    return {"duration": True, "min": 0.0, "exclusive_min": True, **extra}


@dataclass(frozen=True, kw_only=True)
class SnmpCredential:
    version: Literal["1", "2c", "3"]
    community: Secret | None = None
    user: str = ""
    auth_protocol: Literal["md5", "sha", "sha224", "sha256", "sha384", "sha512"] | None = None
    auth_key: Secret | None = None
    priv_protocol: Literal["des", "aes", "aes128", "aes192", "aes256"] | None = None
    priv_key: Secret | None = None
    context: str = ""


@dataclass(frozen=True, kw_only=True)
class HttpCredential:
    api_key: Secret | None = None
    username: str = ""
    password: Secret | None = None
    bearer_token: Secret | None = None


@dataclass(frozen=True, kw_only=True)
class Credential:
    name: str
    snmp: SnmpCredential | None = None
    http: HttpCredential | None = None


@dataclass(frozen=True, kw_only=True)
class Site:
    id: str
    name: str
    timezone: str = "Europe/Paris"
    address: str = ""


AssetKind = Literal["switch", "firewall", "access_point", "ups", "pdu", "printer", "server", "hypervisor",
                    "workstation", "service", "link"]
#: Kinds on which SNMP is enabled by default when the asset's credential has an ``snmp`` part.
SNMP_KINDS: frozenset[str] = frozenset({"switch", "firewall", "access_point", "ups", "pdu", "printer", "server",
                                        "hypervisor", "workstation"})


@dataclass(frozen=True, kw_only=True)
class SnmpOptions:
    """Per-asset SNMP settings; ``None`` means "use the ``snmp:`` defaults" (port: the address's, else 161)."""

    port: int | None = field(default=None, metadata={"min": 1, "max": 65535})
    timeout: float | None = field(default=None, metadata=_dur())
    retries: int | None = field(default=None, metadata={"min": 0, "max": 10})
    max_repetitions: int | None = field(default=None, metadata={"min": 1, "max": 1000})


@dataclass(frozen=True, kw_only=True)
class ProbeSet:
    snmp: SnmpOptions | None = None
    http: tuple[HttpOptions, ...] = ()
    icmp: IcmpOptions | None = None
    meraki: MerakiOptions | None = None
    redfish: RedfishOptions | None = None
    nutanix: NutanixOptions | None = None
    proxmox: ProxmoxOptions | None = None

    def enabled(self) -> tuple[str, ...]:
        """Names of the probe kinds switched on, e.g. ``("snmp", "icmp")``."""
        return tuple(f.name for f in fields(self) if getattr(self, f.name))


@dataclass(frozen=True, kw_only=True)
class Tiers:
    fast: float = field(default=60.0, metadata=_dur())
    slow: float = field(default=3600.0, metadata=_dur())


@dataclass(frozen=True, kw_only=True)
class Asset:
    name: str
    site: str
    kind: AssetKind
    address: str = ""
    profiles: tuple[str, ...] = ()
    credentials: str | None = None
    criticality: Literal["high", "medium", "low"] = "medium"
    parent: str | None = None
    probes: ProbeSet = field(default_factory=ProbeSet)
    serial: str = ""
    model: str = ""
    tiers: Tiers | None = None

    @property
    def host(self) -> str:
        """Host part of ``address`` (IPv6 without brackets), ``""`` when there is no address."""
        return parse_address(self.address)[0] if self.address else ""

    def snmp_port(self) -> int:
        """UDP port for SNMP: ``probes.snmp.port``, else the address's port, else 161."""
        if self.probes.snmp and self.probes.snmp.port:
            return self.probes.snmp.port
        port = parse_address(self.address)[1] if self.address else None
        return port or 161


@dataclass(frozen=True, kw_only=True)
class SnmpDefaults:
    timeout: float = field(default=2.0, metadata=_dur())
    retries: int = field(default=1, metadata={"min": 0, "max": 10})
    max_repetitions: int = field(default=25, metadata={"min": 1, "max": 1000})
    max_oids_per_get: int = field(default=32, metadata={"min": 1, "max": 1000})


@dataclass(frozen=True, kw_only=True)
class DaemonOptions:
    listen: str = "127.0.0.1:9116"
    state_dir: str = "/var/lib/vigie"
    concurrency: int = field(default=64, metadata={"min": 1, "max": 100000})
    per_device_concurrency: int = field(default=2, metadata={"min": 1, "max": 64})
    poll_deadline: float = field(default=30.0, metadata=_dur())
    start_jitter: bool = True
    log_level: Literal["debug", "info", "warning", "error"] = "info"


@dataclass(frozen=True, kw_only=True)
class Config:
    daemon: DaemonOptions = field(default_factory=DaemonOptions)
    tiers: Tiers = field(default_factory=Tiers)
    snmp: SnmpDefaults = field(default_factory=SnmpDefaults)
    credentials: Mapping[str, Credential] = field(default_factory=lambda: MappingProxyType({}))
    sites: Mapping[str, Site] = field(default_factory=lambda: MappingProxyType({}))
    assets: tuple[Asset, ...] = ()
    profile_dirs: tuple[str, ...] = ("probes",)
    snmp_exporter_files: tuple[str, ...] = ()
    sla: SlaSection = field(default_factory=SlaSection)
    energy: EnergySection = field(default_factory=EnergySection)
    influxdb: InfluxSection | None = None
    files: tuple[str, ...] = ()      # every file read (absolute paths), e.g. to watch for reload
    warnings: tuple[str, ...] = ()   # non-fatal findings, shown by ``vigie check-config``

    def asset(self, name: str) -> Asset:
        """The asset called ``name``; ``KeyError`` when there is none."""
        for a in self.assets:
            if a.name == name:
                return a
        raise KeyError(name)

    def credential_for(self, asset: Asset) -> Credential | None:
        return self.credentials.get(asset.credentials) if asset.credentials else None


def parse_address(text: str) -> tuple[str, int | None]:
    """Split ``host``, ``192.0.2.1``, ``host:port``, ``2001:db8::1`` or ``[2001:db8::1]:port``.

    Returns ``(host, port or None)``; raises ``ValueError`` with a short reason.
    """
    s = text.strip()
    if not s or s != text or any(c.isspace() for c in s):
        raise ValueError("empty address or address with spaces")
    port_text: str | None = None
    if s.startswith("["):
        end = s.find("]")
        if end < 0:
            raise ValueError("missing ']' after IPv6 address")
        host, rest = s[1:end], s[end + 1:]
        if rest:
            if not rest.startswith(":"):
                raise ValueError("expected ':port' after ']'")
            port_text = rest[1:]
        ipaddress.IPv6Address(host.split("%")[0])
    elif s.count(":") > 1:
        host = s
        ipaddress.IPv6Address(host.split("%")[0])
    else:
        host, _, port_text = s.partition(":") if ":" in s else (s, "", None)
        _check_host(host)
    port = None
    if port_text is not None:
        if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
            raise ValueError(f"invalid port {port_text[:10]!r}")
        port = int(port_text)
    return host, port


def _check_host(host: str) -> None:
    if all(p.isdigit() for p in host.split(".")) and host.count(".") == 3:
        ipaddress.IPv4Address(host)
        return
    labels = host.rstrip(".").split(".")
    if not host or len(host) > 253 or not all(
            lab and len(lab) <= 63 and lab[0] != "-" and lab[-1] != "-"
            and all(c.isalnum() and c.isascii() or c in "-_" for c in lab) for lab in labels):
        raise ValueError(f"invalid host name {host[:64]!r}")
