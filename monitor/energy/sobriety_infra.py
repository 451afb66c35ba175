"""PUE per technical room, W per VM and kWh per Wi-Fi AP: recorded on ticks, summed per month.

Recording (daemon tick, :class:`~monitor.energy.sobriety_db.Recorder`):

* :func:`record_meters`: from the meters runtime's snapshot, every ``ups_input`` / ``ups_output``
  meter, every meter the runtime attributes to an asset (role ``ap`` for an ``access_point``, else
  ``asset``: own wall power, configured feeds) and every unattributed PDU inlet (``pdu_input``): its
  accumulated joules and measured seconds (consumption per asset: :mod:`.sobriety_scope`);
* :func:`record_vms`: the VMs extension's latest report, allocated W of each powered-on VM held
  since the previous tick (an interval longer than ``max_gap`` is not counted).

Monthly figures (pure over the rows, no clock):

* PUE of a site = Σ mean UPS input W / Σ mean UPS output W over the UPSes with both (mean W = Δj / Δs
  over the metered time; equal coverage: input kWh / output kWh). A *partial* PUE: UPS losses only, not
  the ISO/IEC 30134-2 PUE (no cooling, no lighting); measured;
* W/VM = Σ (W x s) / Σ (VM x s): the time-weighted mean allocated power per powered-on VM;
* per AP: the energy measured over its metered time (measured, with its coverage = metered s / month so
  far, never scaled up); kWh/year = mean W over that time x 8,760 h (modelled: a projection); an AP with
  its own meter polled on itself counts that one alone (:func:`~monitor.energy.meters.counted_meters`);
  unmetered APs: the ADEME ``wifi_ap`` yearly energy (20-120 kWh/year, factor) and its mean W x the month.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from monitor.config.model import Asset
from monitor.energy.figure import Figure, Provenance, mean, weakest
from monitor.energy.meters import counted_meters
from monitor.energy.profiles import EnergyProfiles, PowerState
from monitor.energy.sobriety_db import Recorder
from monitor.energy.sobriety_scope import coverage

if TYPE_CHECKING:
    from monitor.energy.runtime import EnergySnapshot
    from monitor.energy.vms import VmsReport

AP_KIND = "access_point"
AP_PROFILE = "wifi_ap"
UPS_ROLES = ("ups_input", "ups_output")
HOURS_PER_YEAR = 8760.0
VM_SOURCE = "attribution allouée par VM (energy.vms)"


@dataclass(frozen=True, slots=True)
class Pue:
    """PUE of one site (or ``fleet``) with its inputs over the month."""

    site: str
    ratio: Figure          # unit "PUE"
    input_kwh: Figure      # UPS input energy over the metered time
    output_kwh: Figure     # UPS output (IT) energy over the metered time
    ups: int               # UPSes counted


@dataclass(frozen=True, slots=True)
class AccessPoint:
    """One Wi-Fi AP over the month: measured energy and its yearly projection, or the ADEME factor."""

    name: str
    site: str
    kwh: Figure            # measured over the metered time only, or factor W x the month so far
    kwh_year: Figure       # kWh per year (modelled projection of the metered time, or factor)
    metered_s: float       # seconds metered this month (0: factor)
    coverage: float = 1.0  # metered_s / the month so far (1.0 for the factor, which covers it all)


# --- recording -------------------------------------------------------------------------------------
def record_meters(rec: Recorder, snap: EnergySnapshot, assets: Mapping[str, Asset], t: float) -> None:
    """Store the UPS, attributed and PDU inlet meters of the meters runtime's snapshot as read at ``t``."""
    for v in snap.meters.values():
        if v.role in UPS_ROLES:
            rec.meter(v.key.asset, v.key.meter, v.role, t, v.state.joules, v.state.measured_s)
        elif v.feeds is not None and (a := assets.get(v.feeds)) is not None and a.kind != "ups":
            rec.meter(v.feeds, f"{v.key.asset}/{v.key.meter}", "ap" if a.kind == AP_KIND else "asset", t,
                      v.state.joules, v.state.measured_s)
        elif v.role == "pdu_input" and v.feeds is None:
            rec.meter(v.key.asset, v.key.meter, v.role, t, v.state.joules, v.state.measured_s)


def record_vms(rec: Recorder, report: VmsReport, last: float | None, now: float, max_gap: float) -> float:
    """Credit ``report``'s allocated VM power for ``now - last`` seconds; returns ``now``."""
    if last is None or not 0 < now - last <= max_gap:
        return now
    per: dict[str, list[Figure]] = {}
    for v in report.vms:
        if v.method == "allocated":
            per.setdefault(v.host, []).append(v.figure)
    for host, figs in sorted(per.items()):
        watts = (math.fsum(f.value for f in figs), math.fsum(f.low for f in figs), math.fsum(f.high for f in figs))
        rec.vms(now, host, str(weakest(f.provenance for f in figs)), watts, len(figs), now - last)
    return now


# --- monthly figures -------------------------------------------------------------------------------
Row = tuple[str, str, str, float, float]     # asset, meter, role, joules, seconds over the month


def meter_rows(db: sqlite3.Connection, month: str) -> list[Row]:
    return [(a, m, r, lj - fj, ls - fs) for a, m, r, fj, fs, lj, ls in db.execute(
        "SELECT asset, meter, role, first_j, first_s, last_j, last_s FROM sobriety_meters WHERE month=? "
        "ORDER BY asset, meter, role", (month,))]


def pue_by_site(rows: list[Row], sites: Mapping[str, str]) -> dict[str, Pue]:
    """Site (and ``fleet``) -> PUE, from the month's UPS meter rows; ``sites``: UPS asset -> site."""
    ups: dict[str, dict[str, list[float]]] = {}     # asset -> role -> [mean W, joules]
    for asset, _, role, dj, ds in rows:
        if role in UPS_ROLES and ds > 0:
            c = ups.setdefault(asset, {}).setdefault(role, [0.0, 0.0])
            c[0] += dj / ds
            c[1] += dj
    per: dict[str, list[float]] = {}
    srcs: dict[str, list[str]] = {}
    for asset, roles in sorted(ups.items()):
        if len(roles) < 2:
            continue
        for key in (sites.get(asset, ""), "fleet"):
            c = per.setdefault(key, [0.0, 0.0, 0.0, 0.0, 0.0])
            c[0] += roles["ups_input"][0]
            c[1] += roles["ups_output"][0]
            c[2] += roles["ups_input"][1]
            c[3] += roles["ups_output"][1]
            c[4] += 1
            srcs.setdefault(key, []).append(asset)
    out = {}
    for site, (w_in, w_out, j_in, j_out, n) in sorted(per.items()):
        if w_out <= 0:
            continue
        cited = tuple(f"{a}: entrée / sortie onduleur" for a in srcs[site])
        out[site] = Pue(site, Figure.exact(w_in / w_out, "PUE", Provenance.MEASURED, cited),
                        Figure.exact(j_in / 3.6e6, "kWh", Provenance.MEASURED, cited),
                        Figure.exact(j_out / 3.6e6, "kWh", Provenance.MEASURED, cited), int(n))
    return out


def access_points(rows: list[Row], aps: list[Asset], profiles: EnergyProfiles, span: float
                  ) -> dict[str, AccessPoint]:
    """Every AP asset: metered (rows with measured time) or the ADEME factor over ``span`` seconds."""
    metered: dict[str, list[tuple[str, float, float]]] = {}
    for asset, meter, role, dj, ds in rows:
        if role == "ap" and ds > 0:
            metered.setdefault(asset, []).append((meter, dj, ds))
    out: dict[str, AccessPoint] = {}
    prof = profiles.profile(AP_PROFILE) if AP_PROFILE in profiles.kinds else None
    for a in sorted(aps, key=lambda a: a.name):
        m = counted_meters(a.name, metered.get(a.name, ()), lambda x: x[0].split("/", 1)[0])
        if m:
            cited = tuple(f"{meter} (PoE)" for meter, _, _ in m)
            watts = math.fsum(dj / ds for _, dj, ds in m)
            seconds = min(ds for _, _, ds in m)
            out[a.name] = AccessPoint(
                a.name, a.site, Figure.exact(math.fsum(dj for _, dj, _ in m) / 3.6e6, "kWh", Provenance.MEASURED,
                                             cited),
                Figure.exact(watts * HOURS_PER_YEAR / 1000, "kWh/an", Provenance.MODELLED,
                             cited + ("projection : W moyen mesuré x 8 760 h",)),
                seconds, coverage(seconds, span))
        elif prof is not None and prof.annual_kwh is not None:
            year = prof.annual_kwh.figure()
            out[a.name] = AccessPoint(a.name, a.site,
                                      prof.power[PowerState.AVERAGE].figure().scaled(span / 3.6e6, "kWh"),
                                      Figure(year.value, "kWh/an", year.provenance, year.low, year.high,
                                             year.sources), 0.0)
    return out


def ap_means(aps: Mapping[str, AccessPoint]) -> dict[str, Figure]:
    """Site (and ``fleet``) -> mean kWh/year per AP."""
    per: dict[str, list[Figure]] = {}
    for ap in aps.values():
        per.setdefault(ap.site, []).append(ap.kwh_year)
        per.setdefault("fleet", []).append(ap.kwh_year)
    return {s: f for s, figs in sorted(per.items()) if (f := mean(figs, "kWh/an")) is not None}


def vm_power(db: sqlite3.Connection, first_day: str, next_day: str) -> dict[str, Figure]:
    """Host (and ``fleet``) -> time-weighted mean allocated W per powered-on VM over the days."""
    per: dict[str, list[float]] = {}
    provs: dict[str, list[Provenance]] = {}
    for host, prov, w, lo, hi, n in db.execute(
            "SELECT host, provenance, SUM(w_s), SUM(low_s), SUM(high_s), SUM(vm_s) FROM sobriety_vms WHERE "
            "day >= ? AND day < ? GROUP BY host, provenance ORDER BY host, provenance", (first_day, next_day)):
        for key in (host, "fleet"):
            c = per.setdefault(key, [0.0, 0.0, 0.0, 0.0])
            c[0], c[1], c[2], c[3] = c[0] + w, c[1] + lo, c[2] + hi, c[3] + n
            provs.setdefault(key, []).append(Provenance(prov))
    return {k: Figure(w / n, "W", weakest(provs[k]), lo / n, hi / n, (VM_SOURCE,))
            for k, (w, lo, hi, n) in sorted(per.items(), key=lambda kv: (kv[0] != "fleet", kv[0])) if n > 0}
