"""Redfish probe: server wall power (PowerSubsystem / EnvironmentMetrics, legacy Power).

One run reads ``/redfish/v1/Chassis`` and, for every chassis (or those named in ``chassis``):

* ``EnvironmentMetrics``: ``PowerWatts.Reading`` (W) and ``EnergykWh.Reading`` (kWh, a counter
  since the BMC's last reset: exported in joules with ``bits=0`` so a decrease is a reset);
* ``PowerSubsystem``: ``CapacityWatts`` and each ``PowerSupplies`` member's health and, from its
  ``Metrics``, ``InputPowerWatts`` and ``EnergykWh``;
* the legacy ``Power`` resource (deprecated since 2020.4 but still what most BMCs serve):
  ``PowerControl[].PowerConsumedWatts`` when EnvironmentMetrics gave no power, and its
  ``PowerSupplies[]`` when there is no PowerSubsystem.

Authentication is HTTP Basic, or a Redfish session (``POST /redfish/v1/SessionService/Sessions``
then ``X-Auth-Token``, deleted at the end of the run). A chassis that advertises a power resource
but yields no reading is a *partial* failure (``partial["chassis:<id>"]``), never a zero.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass
from typing import Any, Callable, Literal

import aiohttp
from yarl import URL

from monitor.probes.base import Reason, Result, Sample, Stats
from monitor.probes.http import classify
from monitor.probes.httpjson import Failure, basic_auth, get_json, ssl_context


@dataclass(frozen=True, kw_only=True)
class RedfishOptions:
    base_url: str                       # e.g. https://10.1.2.3 (the BMC); credentials: http.username/password
    timeout: float = 10.0
    verify_tls: bool = True
    ca_file: str | None = None
    auth: Literal["basic", "session"] = "basic"
    chassis: tuple[str, ...] = ()       # chassis ids to read; empty: every member of /Chassis
    power_supplies: bool = True         # also read PSU health, input power and energy


HEALTH = ("OK", "Warning", "Critical")
JOULES_PER_KWH = 3.6e6
_ROOT = "/redfish/v1"


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    v = float(value)
    return v if v == v and v not in (float("inf"), float("-inf")) and v >= 0 else None


def _reading(doc: dict[str, Any], key: str) -> float | None:
    """``doc[key].Reading`` (a Redfish SensorExcerpt) as a non-negative number, else None."""
    excerpt = doc.get(key)
    return _number(excerpt.get("Reading")) if isinstance(excerpt, dict) else None


def _link(doc: dict[str, Any], key: str) -> str | None:
    ref = doc.get(key)
    if isinstance(ref, dict) and isinstance(ref.get("@odata.id"), str):
        return ref["@odata.id"]
    return None


def _members(doc: dict[str, Any]) -> list[str]:
    members = doc.get("Members")
    if not isinstance(members, list):
        raise Failure(Reason.BAD_RESPONSE, f"{doc.get('@odata.id', '?')}: no Members list")
    return [m["@odata.id"] for m in members
            if isinstance(m, dict) and isinstance(m.get("@odata.id"), str)]


def _health_samples(labels: tuple[tuple[str, str], ...], status: Any) -> list[Sample]:
    if not isinstance(status, dict) or status.get("State") == "Absent":
        return []
    health = status.get("Health")
    return [Sample("vigie_redfish_psu_health", 1.0 if health == h else 0.0,
                   labels + (("health", h.lower()),),
                   help="Power supply health (Status.Health: ok, warning, critical)")
            for h in HEALTH]


class RedfishProbe:
    """Polls one BMC. Not reentrant: one run at a time per instance."""

    kind = "redfish"

    def __init__(self, *, asset: str, options: RedfishOptions, username: str, password: str,
                 session: aiohttp.ClientSession | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.asset = asset
        self.options = options
        self._username = username
        self._password = password
        self._session = session
        self._clock = clock
        self._base = URL(options.base_url.rstrip("/"))
        self._ssl = ssl_context(options.verify_tls, options.ca_file)

    def __repr__(self) -> str:
        return (f"RedfishProbe(asset={self.asset!r}, base_url={self.options.base_url!r}, "
                f"username={self._username!r}, password='<secret>')")

    async def run(self) -> Result:
        start = self._clock()
        result = Result(probe=self.kind, asset=self.asset, reason=Reason.OK, duration=0.0,
                        stats=Stats())
        session = self._session or aiohttp.ClientSession()
        headers: dict[str, str] = {"Accept": "application/json"}
        logout: str | None = None
        try:
            if self.options.auth == "session":
                logout = await self._login(session, headers, result.stats)
            else:
                headers["Authorization"] = basic_auth(self._username, self._password)
            collection = await self._get(session, f"{_ROOT}/Chassis", headers, result.stats)
            for path in _members(collection):
                chassis_id = path.rstrip("/").rsplit("/", 1)[-1]
                if self.options.chassis and chassis_id not in self.options.chassis:
                    continue
                try:
                    await self._chassis(session, path, chassis_id, headers, result)
                except Failure as err:
                    if err.reason is Reason.AUTH_ERROR:
                        raise
                    result.partial[f"chassis:{chassis_id}"] = err.reason
            if result.partial:
                result.detail = "; ".join(f"{k}: {v}" for k, v in sorted(result.partial.items()))
        except Failure as err:
            result.reason, result.detail = err.reason, err.detail
        finally:
            if logout is not None:
                await self._logout(session, logout, headers)
            if self._session is None:
                await session.close()
            result.duration = self._clock() - start
        return result

    async def _chassis(self, session: aiohttp.ClientSession, path: str, cid: str,
                       headers: dict[str, str], result: Result) -> None:
        doc = await self._get(session, path, headers, result.stats)
        lab = (("chassis", cid),)
        out = result.samples
        watts: float | None = None
        env, subsystem, legacy = (_link(doc, k) for k in ("EnvironmentMetrics", "PowerSubsystem",
                                                          "Power"))
        if env is not None:
            em = await self._get(session, env, headers, result.stats)
            watts = _reading(em, "PowerWatts")
            kwh = _reading(em, "EnergykWh")
            if kwh is not None:
                out.append(Sample("vigie_redfish_energy_joules_total", kwh * JOULES_PER_KWH, lab,
                                  "counter", "Chassis energy (EnvironmentMetrics EnergykWh)", 0))
            temp = _reading(em, "TemperatureCelsius")
            if temp is not None:
                out.append(Sample("vigie_redfish_temperature_celsius", temp, lab,
                                  help="Chassis temperature (EnvironmentMetrics TemperatureCelsius)"))
        psus_done = False
        if subsystem is not None:
            sub = await self._get(session, subsystem, headers, result.stats)
            cap = _number(sub.get("CapacityWatts"))
            if cap is not None:
                out.append(Sample("vigie_redfish_power_capacity_watts", cap, lab,
                                  help="Power capacity of the chassis (PowerSubsystem CapacityWatts)"))
            supplies = _link(sub, "PowerSupplies")
            if self.options.power_supplies and supplies is not None:
                await self._supplies(session, supplies, lab, headers, result)
                psus_done = True
        if legacy is not None and (watts is None or (self.options.power_supplies and not psus_done)):
            power = await self._get(session, legacy, headers, result.stats)
            if watts is None:
                watts = _legacy_watts(power)
            if self.options.power_supplies and not psus_done:
                out.extend(_legacy_supplies(power, lab))
        if watts is not None:
            out.append(Sample("vigie_redfish_power_watts", watts, lab,
                              help="Chassis input power (EnvironmentMetrics PowerWatts, else "
                                   "Power.PowerControl PowerConsumedWatts)"))
        elif env is not None or legacy is not None:
            raise Failure(Reason.NO_SUCH_OBJECT, f"chassis {cid}: no power reading")

    async def _supplies(self, session: aiohttp.ClientSession, path: str,
                        lab: tuple[tuple[str, str], ...], headers: dict[str, str],
                        result: Result) -> None:
        for member in _members(await self._get(session, path, headers, result.stats)):
            psu = await self._get(session, member, headers, result.stats)
            plab = lab + (("psu", str(psu.get("Id") or member.rsplit("/", 1)[-1])),)
            result.samples.extend(_health_samples(plab, psu.get("Status")))
            metrics = _link(psu, "Metrics")
            if metrics is None:
                continue
            m = await self._get(session, metrics, headers, result.stats)
            w = _reading(m, "InputPowerWatts")
            if w is not None:
                result.samples.append(Sample("vigie_redfish_psu_input_power_watts", w, plab,
                                             help="Power supply input power (InputPowerWatts)"))
            kwh = _reading(m, "EnergykWh")
            if kwh is not None:
                result.samples.append(Sample(
                    "vigie_redfish_psu_energy_joules_total", kwh * JOULES_PER_KWH, plab, "counter",
                    "Power supply input energy (PowerSupplyMetrics EnergykWh)", 0))

    def _timeout(self) -> aiohttp.ClientTimeout:
        return aiohttp.ClientTimeout(total=self.options.timeout)

    async def _get(self, session: aiohttp.ClientSession, path: str, headers: dict[str, str],
                   stats: Stats) -> dict[str, Any]:
        url = self._base.join(URL(path.split("#", 1)[0]))
        body = await get_json(session, url, timeout=self.options.timeout, stats=stats,
                              headers=headers, ssl=self._ssl)
        if not isinstance(body, dict):
            raise Failure(Reason.BAD_RESPONSE, f"{url.path}: expected a JSON object")
        return body

    async def _login(self, session: aiohttp.ClientSession, headers: dict[str, str],
                     stats: Stats) -> str:
        """Create a Redfish session; put its token in ``headers``; return its URI for logout."""
        url = self._base.join(URL(f"{_ROOT}/SessionService/Sessions"))
        stats.packets_sent += 1
        try:
            async with session.post(url, json={"UserName": self._username,
                                               "Password": self._password},
                                    headers={"Accept": "application/json"}, ssl=self._ssl,
                                    timeout=self._timeout(), allow_redirects=False) as resp:
                status, token = resp.status, resp.headers.get("X-Auth-Token")
                location = resp.headers.get("Location", "")
        except (aiohttp.ClientError, ssl.SSLError, OSError, asyncio.TimeoutError) as err:
            reason, detail = classify(err)
            raise Failure(reason, f"{url.path}: {detail}") from err
        if status in (400, 401, 403):
            raise Failure(Reason.AUTH_ERROR, f"{url.path}: HTTP {status} (session refused)")
        if status not in (200, 201) or not token:
            raise Failure(Reason.BAD_RESPONSE, f"{url.path}: HTTP {status} without X-Auth-Token")
        headers["X-Auth-Token"] = token
        return location

    async def _logout(self, session: aiohttp.ClientSession, location: str,
                      headers: dict[str, str]) -> None:
        if not location:
            return
        try:
            async with session.delete(self._base.join(URL(location)), headers=headers,
                                      ssl=self._ssl, timeout=self._timeout()):
                pass
        except (aiohttp.ClientError, ssl.SSLError, OSError, asyncio.TimeoutError):
            pass   # the BMC expires the session itself


def _legacy_watts(power: dict[str, Any]) -> float | None:
    """``PowerControl[0].PowerConsumedWatts`` (the chassis total; later members are subsets)."""
    controls = power.get("PowerControl")
    if not isinstance(controls, list):
        return None
    for ctl in controls:
        if isinstance(ctl, dict) and (w := _number(ctl.get("PowerConsumedWatts"))) is not None:
            return w
    return None


def _legacy_supplies(power: dict[str, Any], lab: tuple[tuple[str, str], ...]) -> list[Sample]:
    out: list[Sample] = []
    supplies = power.get("PowerSupplies")
    for i, psu in enumerate(supplies if isinstance(supplies, list) else []):
        if not isinstance(psu, dict):
            continue
        plab = lab + (("psu", str(psu.get("MemberId") or i)),)
        out.extend(_health_samples(plab, psu.get("Status")))
        w = _number(psu.get("PowerInputWatts"))
        if w is not None:
            out.append(Sample("vigie_redfish_psu_input_power_watts", w, plab,
                              help="Power supply input power (InputPowerWatts)"))
    return out
