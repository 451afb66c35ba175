"""The single explicit table of probe kinds, and how configuration becomes scheduler jobs.

Each kind's builder takes the asset and the shared resources and returns the coroutine function
the scheduler calls (``tier -> Result``). The kind name, the config key and the metric prefix are
the same word.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Awaitable, Callable, Sequence

import aiohttp

from monitor.config.model import Asset, Config
from monitor.errors import ProbeSetupError
from monitor.probes.base import Reason, Result, Stats
from monitor.probes.http import HttpProbe, make_session
from monitor.probes.icmp import IcmpProbe
from monitor.probes.meraki import MerakiProbe
from monitor.probes.snmp import SnmpProbe
from monitor.profiles.model import Profile
from monitor.scheduler import Job
from monitor.snmp.client import SnmpClient, Target

RunFn = Callable[[str], Awaitable[Result]]


@dataclass
class Resources:
    """What probes share: one SNMP client (one socket/engine), one HTTP session, the profiles."""

    snmp: SnmpClient
    http: aiohttp.ClientSession
    profiles: Sequence[Profile]
    cache: dict[tuple[str, str], tuple[object, RunFn]] = field(default_factory=dict)
    family_sessions: dict[str, aiohttp.ClientSession] = field(default_factory=dict)

    def http_session(self, ip_family: str) -> aiohttp.ClientSession:
        """The shared session for an address family (``any``: the main one), made once."""
        if ip_family == "any":
            return self.http
        if ip_family not in self.family_sessions:
            self.family_sessions[ip_family] = make_session(ip_family=ip_family)
        return self.family_sessions[ip_family]

    async def close(self) -> None:
        """Close the per-family sessions (the main session and SNMP client belong to the caller)."""
        for session in self.family_sessions.values():
            await session.close()
        self.family_sessions.clear()

    def profile(self, name: str) -> Profile:
        for p in self.profiles:
            if p.name == name:
                return p
        raise ProbeSetupError(f"unknown profile {name!r} (known: "
                              f"{', '.join(sorted(p.name for p in self.profiles))})")


def snmp_target(config: Config, asset: Asset) -> Target:
    cred = config.credential_for(asset)
    if cred is None or cred.snmp is None:
        raise ProbeSetupError(f"asset {asset.name}: SNMP needs a credential with an snmp part")
    c, d, o = cred.snmp, config.snmp, asset.probes.snmp
    reveal = (lambda s: s.reveal() if s is not None else None)
    return Target(
        host=asset.host, port=asset.snmp_port(), version=c.version,
        community=reveal(c.community) or "public", user=c.user,
        auth_protocol=c.auth_protocol, auth_key=reveal(c.auth_key),
        priv_protocol=c.priv_protocol, priv_key=reveal(c.priv_key), context=c.context,
        timeout=(o.timeout if o and o.timeout else d.timeout),
        retries=(o.retries if o and o.retries is not None else d.retries),
        max_repetitions=(o.max_repetitions if o and o.max_repetitions else d.max_repetitions),
        max_oids_per_get=d.max_oids_per_get)


def _build_snmp(config: Config, asset: Asset, res: Resources) -> tuple[object, RunFn]:
    target = snmp_target(config, asset)
    profiles = [res.profile(n) for n in asset.profiles] if asset.profiles else None
    probe = SnmpProbe(asset=asset.name, session=res.snmp.session(target), profiles=profiles,
                      available=res.profiles)
    return (target, asset.profiles), probe.run


def _build_http(config: Config, asset: Asset, res: Resources) -> tuple[object, RunFn]:
    probes = [HttpProbe(asset=asset.name, options=o, session=res.http_session(o.ip_family))
              for o in asset.probes.http]

    async def run(_tier: str) -> Result:
        start = time.perf_counter()
        results = await asyncio.gather(*(p.run() for p in probes))
        return merge(asset.name, "http", results, time.perf_counter() - start)
    return asset.probes.http, run


def _build_icmp(config: Config, asset: Asset, res: Resources) -> tuple[object, RunFn]:
    if not asset.host:
        raise ProbeSetupError(f"asset {asset.name}: ICMP needs an address")
    probe = IcmpProbe(asset=asset.name, host=asset.host, options=asset.probes.icmp)
    return (asset.host, asset.probes.icmp), (lambda _tier: probe.run())


def _build_meraki(config: Config, asset: Asset, res: Resources) -> tuple[object, RunFn]:
    cred = config.credential_for(asset)
    if cred is None or cred.http is None or cred.http.api_key is None:
        raise ProbeSetupError(f"asset {asset.name}: Meraki needs a credential with http.api_key")
    probe = MerakiProbe(asset=asset.name, options=asset.probes.meraki,
                        api_key=cred.http.api_key.reveal(), session=res.http)
    return (asset.probes.meraki, cred.http.api_key.reveal()), (lambda _tier: probe.run())


def _login(config: Config, asset: Asset, what: str) -> tuple[str, str]:
    """(username, password) of the asset's HTTP credential, for the Basic-auth API probes."""
    cred = config.credential_for(asset)
    if cred is None or cred.http is None or not cred.http.username or cred.http.password is None:
        raise ProbeSetupError(f"asset {asset.name}: {what} needs a credential with "
                              "http.username and http.password")
    return cred.http.username, cred.http.password.reveal()


def _build_redfish(config: Config, asset: Asset, res: Resources) -> tuple[object, RunFn]:
    from monitor.probes.redfish import RedfishProbe
    username, password = _login(config, asset, "Redfish")
    # TLS settings go with each request, so the shared session serves every BMC.
    probe = RedfishProbe(asset=asset.name, options=asset.probes.redfish, username=username,
                         password=password, session=res.http)
    return (asset.probes.redfish, username, password), (lambda _tier: probe.run())


def _build_nutanix(config: Config, asset: Asset, res: Resources) -> tuple[object, RunFn]:
    from monitor.probes.nutanix import NutanixProbe
    username, password = _login(config, asset, "Nutanix")
    probe = NutanixProbe(asset=asset.name, options=asset.probes.nutanix, username=username,
                         password=password, session=res.http)
    return (asset.probes.nutanix, username, password), (lambda _tier: probe.run())


def _build_proxmox(config: Config, asset: Asset, res: Resources) -> tuple[object, RunFn]:
    from monitor.probes.proxmox import ProxmoxProbe
    cred = config.credential_for(asset)
    if cred is None or cred.http is None or cred.http.api_key is None:
        raise ProbeSetupError(f"asset {asset.name}: Proxmox needs a credential with http.api_key "
                              "(the API token as USER@REALM!TOKENID=SECRET)")
    options = asset.probes.proxmox
    assert options is not None
    token = cred.http.api_key.reveal()
    probe = ProxmoxProbe(asset=asset.name, options=options, token=token, session=res.http)
    return (options, token), (lambda _tier: probe.run())


#: kind -> builder. The one place where probe kinds are registered.
BUILDERS: dict[str, Callable[[Config, Asset, Resources], tuple[object, RunFn]]] = {
    "snmp": _build_snmp,
    "http": _build_http,
    "icmp": _build_icmp,
    "meraki": _build_meraki,
    "redfish": _build_redfish,
    "nutanix": _build_nutanix,
    "proxmox": _build_proxmox,
}
#: kinds that have a slow tier (labels, inventory).
TIERED = frozenset({"snmp"})


def merge(asset: str, kind: str, results: Sequence[Result], duration: float) -> Result:
    """One Result from several checks of the same kind: first failure's reason, all samples."""
    failed = [r for r in results if not r.ok]
    out = Result(kind, asset, failed[0].reason if failed else Reason.OK, duration,
                 detail="; ".join(r.detail for r in failed if r.detail), stats=Stats())
    for r in results:
        out.samples.extend(r.samples)
        for f in ("packets_sent", "packets_retried", "pdus", "varbinds"):
            setattr(out.stats, f, getattr(out.stats, f) + getattr(r.stats, f))
    return out


def build_jobs(config: Config, res: Resources) -> list[Job]:
    """Jobs for every enabled probe of every asset. Probe objects whose settings did not change
    are reused across reloads (keeping the SNMP label cache). Raises ProbeSetupError."""
    jobs, cache = [], {}
    for asset in config.assets:
        tiers = asset.tiers or config.tiers
        for kind in asset.probes.enabled():
            key = (asset.name, kind)
            builder = BUILDERS.get(kind)
            if builder is None:
                raise ProbeSetupError(f"asset {asset.name}: probe kind {kind!r} is not available yet")
            identity, run = builder(config, asset, res)
            old = res.cache.get(key)
            if old is not None and old[0] == identity:
                run = old[1]
            cache[key] = (identity, run)
            jobs.append(Job(asset=asset.name, probe=kind, run=run, fast=tiers.fast,
                            slow=tiers.slow if kind in TIERED else None))
    res.cache = cache
    return jobs
