"""One month of sobriety figures, read from the sobriety tables: the monthly report's input.

:func:`month_sobriety_data` is pure over the database content and its arguments (no wall clock):
for a past month it always returns the same :class:`SobrietyMonth`. Windows count in the month
they start in, and only once ended (``end <= now``).
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from monitor.config.model import Config
from monitor.energy import baselines as bl
from monitor.energy.figure import Figure, Provenance, total
from monitor.energy.indicators import co2e, cost, measured_share
from monitor.energy.profiles import EmissionFactor, EnergyProfiles, PowerState, load_profiles
from monitor.energy.sobriety_config import SobrietySection
from monitor.energy.sobriety_db import connect
from monitor.energy.sobriety_infra import (AP_KIND, AP_PROFILE, AccessPoint, Pue, access_points, ap_means,
                                           meter_rows, pue_by_site, vm_power)
from monitor.energy.sobriety_kpi import Kpi, Status, change_kpi, compliant, share_kpi
from monitor.energy.sobriety_scope import factor_estimates, metered_assets
from monitor.sla.calendar import month_bounds

WINDOW_KPIS = ("workstations_off", "vms_off", "aps_off")
WORKSTATION_PROFILE = "desktop"


@dataclass(frozen=True, slots=True)
class Action:
    title: str
    owner: str
    status: str
    due: str


@dataclass(frozen=True, slots=True)
class SobrietyMonth:
    """Everything the monthly sobriety report prints, for one calendar month (Europe/Paris)."""

    year: int
    month: int
    start: float
    end: float
    consumption: dict[str, Figure]             # scope (kind, "pdu (non attribué)", "total") -> kWh
    co2e: dict[str, Figure]                     # scope -> kgCO2e (and "total")
    cost: dict[str, Figure]                     # scope -> EUR (empty without a tariff)
    kpis: tuple[Kpi, ...]                       # per site and "fleet"
    workstation_power: dict[str, Figure]        # site (and "fleet") -> mean W per workstation
    pages: dict[str, dict[str, float]]          # printer -> {"total", "duplex", "mono"} pages
    gains: dict[str, bl.Gains]                  # baseline "name:scope" -> gains
    baselines: tuple[bl.Baseline, ...]
    alerts: tuple[str, ...]                     # targets missed, drifts vs baseline (French)
    top: tuple[tuple[str, Figure], ...]         # top consumers (asset, kWh)
    assets_kwh: dict[str, Figure]               # every asset with an energy figure (kWh)
    actions: tuple[Action, ...]
    measured_share: float | None                # share of the month's kWh that is measured
    factors: tuple[str, ...]                    # factors used, with sources and years
    pue: dict[str, Pue] = field(default_factory=dict)                  # site (and "fleet") -> PUE
    vm_power: dict[str, Figure] = field(default_factory=dict)          # host (and "fleet") -> W per VM
    access_points: dict[str, AccessPoint] = field(default_factory=dict)  # AP asset -> kWh, kWh/an
    ap_kwh_year: dict[str, Figure] = field(default_factory=dict)       # site (and "fleet") -> mean kWh/an
    places: dict[str, tuple[str, str]] = field(default_factory=dict)   # assets_kwh entry -> (site, kind)
    by_site: dict[str, Figure] = field(default_factory=dict)           # site ("" unknown) -> kWh
    co2e_by_site: dict[str, Figure] = field(default_factory=dict)      # site -> kgCO2e
    cost_by_site: dict[str, Figure] = field(default_factory=dict)      # site -> EUR (empty without tariff)
    unmetered: tuple[str, ...] = ()             # assets with neither a meter nor a kind profile
    coverage: dict[str, float] = field(default_factory=dict)  # metered entry -> metered s / month so far


def _kpi_windows(db: sqlite3.Connection, conf: SobrietySection, start: float, end: float, now: float
                 ) -> list[Kpi]:
    out: list[Kpi] = []
    for kpi in WINDOW_KPIS:
        rows = db.execute("SELECT site, on_s, observed_s, start, end FROM sobriety_windows WHERE kpi=? "
                          "AND start >= ? AND start < ? AND end <= ?", (kpi, start, end, now)).fetchall()
        per: dict[str, list[int]] = {}
        for site, on_s, obs, a, b in rows:
            ok = compliant(on_s, obs, b - a, conf.grace)
            if ok is None:
                continue
            for key in (site, "fleet"):
                c = per.setdefault(key, [0, 0])
                c[0] += ok
                c[1] += 1
        target = conf.targets.get(kpi)
        if not per:
            out.append(share_kpi(kpi, "fleet", 0, 0, target))
        for site, (good, counted) in sorted(per.items()):
            out.append(share_kpi(kpi, site, good, counted, target,
                                 note=f"{good}/{counted} fenêtres hors horaires conformes"))
    return out


def _pages(db: sqlite3.Connection, month: str) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for asset, counter, pages in db.execute(
            "SELECT asset, counter, pages FROM sobriety_pages WHERE month=? ORDER BY asset", (month,)):
        out.setdefault(asset, {})[counter] = pages
    return out


def _density(db: sqlite3.Connection, start_day: str, end_day: str) -> float | None:
    r = db.execute("SELECT SUM(vms_on), SUM(hosts) FROM sobriety_density WHERE day >= ? AND day < ?",
                   (start_day, end_day)).fetchone()
    return r[0] / r[1] if r and r[1] else None


def _factor(conf: SobrietySection, profiles: EnergyProfiles) -> EmissionFactor:
    c = conf.co2e
    if c.kg_per_kwh is not None:
        return EmissionFactor(c.year, c.kg_per_kwh, (c.source,))
    return profiles.emission_factor(c.year)


def month_sobriety_data(config: Config, db_path: str | Path, year: int, month: int, now: float, *,
                        profiles: EnergyProfiles | None = None) -> SobrietyMonth:
    """Sobriety figures of ``year-month`` from the daemon's database at ``db_path``.

    ``now`` bounds what counts (windows ended by then); for a past month the result is deterministic.
    """
    conf = config.energy.sobriety
    profiles = profiles or load_profiles()
    start, end = month_bounds(year, month)
    span = max(0.0, min(end, now) - start)   # the month so far
    key = f"{year:04d}-{month:02d}"
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    db = connect(db_path)
    try:
        kpis = _kpi_windows(db, conf, start, end, now)
        pages = {a: p for a, p in _pages(db, key).items() if conf.eligible.match(a, conf.eligible.printers)}
        last_year = _pages(db, f"{year - 1:04d}-{month:02d}")
        stored = bl.current(db)
        for b in conf.baselines:   # configured but not stored yet (e.g. a report run before the daemon)
            stored.setdefault((b.name, b.scope), bl.Baseline(b.name, b.scope, b.value, b.unit, b.date, b.source))
        days = db.execute("SELECT asset, site, SUM(on_s), SUM(other_s) FROM sobriety_days WHERE day >= ? "
                          "AND day < ? GROUP BY asset ORDER BY asset",
                          (date(year, month, 1).isoformat(), nxt.isoformat())).fetchall()
        metered = {a: (last - first) / 3.6e6 for a, first, last in db.execute(
            "SELECT asset, first_j, last_j FROM sobriety_energy WHERE month=?", (key,))}
        density = _density(db, date(year, month, 1).isoformat(), nxt.isoformat())
        meters = meter_rows(db, key)
        w_vm = vm_power(db, date(year, month, 1).isoformat(), nxt.isoformat())
    finally:
        db.close()
    tariff = conf.tariff.tariff() if conf.tariff else None
    factor = _factor(conf, profiles)

    # Printing: pages vs the same month a year before (stored counters, else a "pages" baseline).
    tot = math.fsum(p.get("total", 0.0) for p in pages.values())
    before = math.fsum(p.get("total", 0.0) for a, p in last_year.items()
                       if conf.eligible.match(a, conf.eligible.printers)) or None
    pb = stored.get(("pages", "fleet"))
    if before is None and pb is not None and pb.date[:7] == f"{year - 1:04d}-{month:02d}":
        before = pb.value
    kpis.append(change_kpi("pages_reduction", "fleet", tot if pages else None, before,
                           conf.targets.pages_reduction, reduction=True))
    for part in ("duplex", "mono"):
        num = math.fsum(p.get(part, 0.0) for p in pages.values() if part in p)
        den = math.fsum(p.get("total", 0.0) for p in pages.values() if part in p)
        kpis.append(share_kpi(part, "fleet", num, den, conf.targets.get(part)))
    db_base = stored.get(("vm_density", "fleet"))
    kpis.append(change_kpi("vm_density_gain", "fleet", density, db_base.value if db_base else None,
                           conf.targets.vm_density_gain, reduction=False))

    # Workstations: modelled power from on / not-on time x profile (sleep when not answering).
    prof = profiles.profile(WORKSTATION_PROFILE)
    p_on = prof.power.get(PowerState.ACTIVE) or prof.power[PowerState.AVERAGE]
    p_off = prof.power[PowerState.SLEEP]
    energy: dict[str, Figure] = {}
    places: dict[str, tuple[str, str]] = {}
    ws_sites: dict[str, list[Figure]] = {}
    for asset, site, on_s, other_s in days:
        kwh = total((p_on.figure(Provenance.MODELLED).scaled(on_s / 3.6e6, "kWh"),
                     p_off.figure(Provenance.MODELLED).scaled(other_s / 3.6e6, "kWh")), "kWh")
        energy[asset], places[asset] = kwh, (site, "workstation")
        if on_s + other_s > 0:
            w = kwh.scaled(3.6e6 / (on_s + other_s), "W")
            ws_sites.setdefault(site, []).append(w)
            ws_sites.setdefault("fleet", []).append(w)
    ws_power = {s: total(ws, "W").scaled(1 / len(ws), "W") for s, ws in sorted(ws_sites.items())}
    # Printers: metered energy of the month (meters runtime), else the published yearly average over
    # the month so far (factor).
    printer_names = [a.name for a in config.assets if a.kind == "printer"
                     and conf.eligible.match(a.name, conf.eligible.printers)]
    if printer_names:
        avg = profiles.profile("printer").power[PowerState.AVERAGE].figure()
        per = avg.scaled(span / 3.6e6, "kWh")
        for name in printer_names:
            energy[name] = (Figure.exact(metered[name], "kWh", Provenance.MEASURED) if name in metered
                            else per)
    # Wi-Fi APs: PoE meters feeding them (measured), else the ADEME yearly energy (factor).
    aps = access_points(meters, [a for a in config.assets if a.kind == AP_KIND], profiles, span)
    cover: dict[str, float] = {}
    for name, ap in aps.items():
        energy[name] = ap.kwh
        if ap.metered_s > 0:
            cover[name] = ap.coverage
    by_name = {a.name: a for a in config.assets}
    for name in printer_names + list(aps):
        places[name] = (by_name[name].site, by_name[name].kind)
    # Every other metered asset (servers, hypervisors fed by PDU outlets, switches...): measured, net of
    # what its meters deliver to other assets; unattributed PDU inlets; a workstation meter replaces the
    # model. Unmetered assets: a kind profile's average power (factor), else listed as unmeasured.
    found = {n: m for n, m in metered_assets(meters, by_name, span).items()
             if m.kind not in ("printer", AP_KIND)}
    est, unmetered = factor_estimates(list(config.assets), set(energy) | set(found) | {
        n.removesuffix(" (non attribué)") for n in found}, profiles, span)
    for name, m in (found | est).items():
        energy[name], places[name] = m.kwh, (m.site, m.kind)
    cover |= {n: m.coverage for n, m in found.items()}
    consumption = _grouped(energy, places, 1)
    by_site = _grouped(energy, places, 0)
    pue = pue_by_site(meters, {a.name: a.site for a in config.assets})
    if energy:
        consumption["total"] = total(energy.values(), "kWh")
    co2 = {s: co2e(f, factor) for s, f in consumption.items()}
    eur = {s: cost(f, tariff) for s, f in consumption.items()} if tariff else {}

    # Gains vs baselines.
    g: dict[str, bl.Gains] = {}
    for (name, scope), b in sorted(stored.items()):
        if name == "workstation_power" and scope in ws_power:
            n = sum(1 for _, site, *_ in days if scope == "fleet" or site == scope)
            saved = bl.power_saving_kwh(b.value, ws_power[scope], span, n, b.source)
            g[f"{name}:{scope}"] = bl.gains(saved, tariff, factor)
        elif name == "energy" and scope in consumption:
            g[f"{name}:{scope}"] = bl.gains(bl.energy_saving_kwh(b.value, consumption[scope], b.source),
                                            tariff, factor)
    alerts = [f"Objectif {k.kpi} ({k.site}) non atteint : {k.ratio.value:.1%} pour {k.target:.0%}"
              for k in kpis if k.status is Status.NOT_MET and k.ratio is not None]
    alerts += [f"Dérive {k} : {v.kwh.value:+.1f} kWh vs référence" for k, v in g.items() if v.kwh.value < 0]
    top = tuple(sorted(energy.items(), key=lambda kv: (-kv[1].value, kv[0]))[:10])
    factors = (f"Facteur d'émission {factor.kg_per_kwh} kgCO2e/kWh ({', '.join(factor.citations)})",
               f"Poste ({WORKSTATION_PROFILE}) allumé {p_on.value} W, veille {p_off.value} W "
               f"({', '.join(p_on.citations + p_off.citations)})")
    if any(ap.metered_s == 0 for ap in aps.values()):
        y = profiles.profile(AP_PROFILE).annual_kwh
        if y is not None:
            factors += (f"Borne Wi-Fi {y.value} kWh/an ({y.low}-{y.high}, {', '.join(y.citations)})",)
    for kind in sorted({m.kind for m in est.values()}):
        v = profiles.profile(kind).power[PowerState.AVERAGE]
        factors += (f"{kind} sans mesure {v.value} W ({v.low}-{v.high}, {', '.join(v.citations)})",)
    if tariff:
        factors += (f"Tarif {tariff.eur_per_kwh} EUR/kWh ({tariff.source}, {tariff.year})",)
    return SobrietyMonth(
        year=year, month=month, start=start, end=end, consumption=consumption, co2e=co2, cost=eur,
        kpis=tuple(kpis), workstation_power=ws_power, pages=pages, gains=g,
        baselines=tuple(stored[k] for k in sorted(stored)), alerts=tuple(alerts), top=top, assets_kwh=energy,
        actions=tuple(Action(a.title, a.owner, a.status, a.due) for a in conf.actions),
        measured_share=measured_share(energy.values()), factors=factors, pue=pue, vm_power=w_vm,
        access_points=aps, ap_kwh_year=ap_means(aps), places=places, by_site=by_site,
        co2e_by_site={s: co2e(f, factor) for s, f in by_site.items()},
        cost_by_site={s: cost(f, tariff) for s, f in by_site.items()} if tariff else {}, unmetered=unmetered,
        coverage=dict(sorted(cover.items())))


def _grouped(energy: dict[str, Figure], places: dict[str, tuple[str, str]], axis: int) -> dict[str, Figure]:
    """kWh per site (``axis`` 0) or kind (1) over the month's assets."""
    per: dict[str, list[Figure]] = {}
    for name, f in energy.items():
        per.setdefault(places[name][axis], []).append(f)
    return {k: total(figs, "kWh") for k, figs in sorted(per.items())}
