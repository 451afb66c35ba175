"""The sobriety report kind: gather one month from the sobriety engine, then render.

:func:`collect` adapts :func:`monitor.energy.sobriety_month.month_sobriety_data` (this month and
the previous one) into the report's frozen values (:mod:`.sobriety_model`): consumption per
perimeter with provenance shares, indicators vs targets, printers, gains, alerts, top consumers,
actions and the factors used. It only reads the database; for a past month it always returns the
same report. :func:`build` is the ``vigie report sobriety`` entry point.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

from monitor.config.model import Config
from monitor.energy.figure import Figure, Provenance, ratio, total
from monitor.energy.indicators import co2e, cost
from monitor.energy.profiles import EmissionFactor, EnergyProfiles, PowerState, load_profiles
from monitor.energy.sobriety_infra import AP_KIND, AP_PROFILE
from monitor.energy.sobriety_kpi import Status
from monitor.energy.sobriety_month import WORKSTATION_PROFILE, SobrietyMonth, month_sobriety_data
from monitor.energy.sobriety_scope import FULL
from monitor.sla.calendar import month_bounds

from . import fr
from .files import ReportFiles
from .sobriety_model import (Action, Consumer, Factor, Gain, Indicator, Printer, Room, Scope,
                             SobrietyReport, WifiAp)

KPI_LABELS = {
    "workstations_off": "Postes en veille ou éteints hors horaires",
    "vms_off": "VM hors production éteintes hors horaires",
    "aps_off": "Bornes Wi-Fi éteintes hors horaires (sites éligibles)",
    "vm_density_gain": "Densité de VM par nœud, gain vs référence",
    "pages_reduction": "Pages imprimées, baisse vs même mois de l’année précédente",
    "duplex": "Pages imprimées en recto-verso",
    "mono": "Pages imprimées en noir et blanc",
}
KPI_ORDER = tuple(KPI_LABELS)
BASELINES = {"workstation_power": "Puissance par poste", "vm_density": "Densité de VM",
             "pages": "Pages imprimées", "energy": "Énergie du périmètre"}
HOURS_PER_YEAR = 8760.0
PUE_LABEL = "PUE partiel (pertes onduleur) par local technique"


def build(config: Config, db_path: str | Path, year: int, month: int, now: float,
          pdf: bool = True) -> ReportFiles:
    from .sobriety_render import render_sobriety
    return render_sobriety(collect(config, db_path, year, month, now), pdf=pdf)


def collect(config: Config, db_path: str | Path, year: int, month: int, now: float, *,
            profiles: EnergyProfiles | None = None) -> SobrietyReport:
    """The report of ``year-month`` from the state database, data counted up to ``now``."""
    profiles = profiles or load_profiles()
    cur = month_sobriety_data(config, db_path, year, month, now, profiles=profiles)
    py, pm = (year - 1, 12) if month == 1 else (year, month - 1)
    prev = month_sobriety_data(config, db_path, py, pm, now, profiles=profiles)
    start, end = month_bounds(year, month)
    factor = grid_factor(config, profiles)
    tariff = config.energy.sobriety.tariff.tariff() if config.energy.sobriety.tariff else None
    places = {a.name: (a.site, a.kind) for a in config.assets}

    def scope(axis: str, name: str, names: list[str], before: list[Figure]) -> Scope:
        figs = [cur.assets_kwh[n] for n in names]
        kwh = total(figs, "kWh")
        partial = tuple((n, c) for n in sorted(names) if (c := cur.coverage.get(n, 1.0)) < FULL)
        return Scope(axis=axis, name=name, kwh=kwh, kgco2e=co2e(kwh, factor),
                     eur=cost(kwh, tariff) if tariff else None, shares=_shares(figs), assets=len(figs),
                     previous_kwh=total(before, "kWh") if before else None, partial=partial)

    def place(m: SobrietyMonth, asset: str) -> tuple[str, str]:
        return m.places.get(asset) or places.get(asset, ("", "workstation"))

    def grouped(m: SobrietyMonth, axis: int) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for asset in m.assets_kwh:
            out.setdefault(place(m, asset)[axis] or "sans site", []).append(asset)
        return out

    scopes = [scope("total", "total", list(cur.assets_kwh), list(prev.assets_kwh.values()))]
    for axis, idx in (("kind", 1), ("site", 0)):
        now_g, prev_g = grouped(cur, idx), grouped(prev, idx)
        scopes += [scope(axis, k, now_g[k], [prev.assets_kwh[n] for n in prev_g.get(k, [])])
                   for k in sorted(now_g)]
    total_kwh = scopes[0].kwh.value
    return SobrietyReport(
        year=year, month=month, start=start, end=end, until=min(now, end), complete=now >= end,
        scopes=tuple(scopes), indicators=tuple(_indicators(cur)),
        printers=tuple(_printers(config, cur, places)), gains=tuple(_gains(cur)),
        alerts=tuple(_alerts(cur, scopes[0])),
        top=tuple(Consumer(rank=i, name=a, site=place(cur, a)[0], kind=place(cur, a)[1], kwh=f,
                           share=f.value / total_kwh if total_kwh > 0 else None, kgco2e=co2e(f, factor),
                           eur=cost(f, tariff) if tariff else None)
                  for i, (a, f) in enumerate(cur.top, 1)),
        assets=tuple(sorted(cur.assets_kwh.items())),
        actions=tuple(Action(title=a.title, owner=a.owner, status=a.status, due=a.due) for a in cur.actions),
        measured_share=cur.measured_share, factors=tuple(_factors(config, profiles, factor)),
        profiles_version=profiles.version,
        rooms=tuple(Room(site=p.site, pue=p.ratio, input_kwh=p.input_kwh, output_kwh=p.output_kwh, ups=p.ups)
                    for _, p in sorted(cur.pue.items(), key=lambda kv: (kv[0] != "fleet", kv[0]))),
        access_points=tuple(WifiAp(name=a.name, site=a.site, kwh=a.kwh, kwh_year=a.kwh_year,
                                   metered_hours=a.metered_s / 3600) for _, a in sorted(cur.access_points.items())),
        unmetered=cur.unmetered, coverage=tuple(sorted(cur.coverage.items())),
        sources={k: f"{s.title} ({s.url})" if s.url else s.title for k, s in sorted(profiles.sources.items())})


def grid_factor(config: Config, profiles: EnergyProfiles) -> EmissionFactor:
    """The grid emission factor the engine uses (configured explicitly, else the profiles' edition)."""
    c = config.energy.sobriety.co2e
    if c.kg_per_kwh is not None:
        return EmissionFactor(c.year, c.kg_per_kwh, (c.source,))
    return profiles.emission_factor(c.year)


def _shares(figs: list[Figure]) -> dict[str, float]:
    whole = math.fsum(f.value for f in figs)
    if whole <= 0:
        return {}
    return {str(p): math.fsum(f.value for f in figs if f.provenance is p) / whole for p in Provenance}


def _indicators(m: SobrietyMonth) -> list[Indicator]:
    out: list[Indicator] = []
    kpis = sorted(m.kpis, key=lambda k: (KPI_ORDER.index(k.kpi) if k.kpi in KPI_ORDER else 99,
                                         k.site != "fleet", k.site))
    for k in kpis:
        detail = k.note
        if not detail and k.kpi in ("duplex", "mono") and k.denominator:
            detail = f"{fr.number(k.numerator, 0)} pages sur {fr.number(k.denominator, 0)}"
        elif not detail and k.kpi == "pages_reduction" and k.ratio is not None:
            detail = f"{fr.number(k.numerator, 0)} pages vs {fr.number(k.denominator, 0)}"
        elif not detail and k.kpi == "vm_density_gain" and k.ratio is not None:
            detail = f"{fr.number(k.numerator, 2)} VM par nœud vs {fr.number(k.denominator, 2)}"
        out.append(Indicator(key=k.kpi, label=KPI_LABELS.get(k.kpi, k.kpi), scope=k.site, value=k.ratio,
                             unit="ratio", target=k.target, status=str(k.status), detail=detail))
    ws = m.workstation_power or {}
    sites = sorted(ws, key=lambda s: (s != "fleet", s)) or ["fleet"]
    for site in sites:
        w = ws.get(site)
        out.append(_tracked("workstation_power", "Puissance moyenne par poste", site, w, "W"))
    for site in sites:
        w = ws.get(site)
        out.append(_tracked("workstation_kwh_year", "Consommation annualisée par poste", site,
                            w.scaled(HOURS_PER_YEAR / 1000, "kWh/an") if w else None, "kWh/an",
                            "W moyen × 8 760 h / 1 000" if w else ""))
    pages_all = math.fsum(p.get("total", 0.0) for p in m.pages.values())
    kwh_pr = [m.assets_kwh[a] for a, p in m.pages.items() if p.get("total", 0) > 0 and a in m.assets_kwh]
    pages_kwh = math.fsum(p.get("total", 0.0) for a, p in m.pages.items() if a in m.assets_kwh)
    fleet_kpp = (ratio(total(kwh_pr, "kWh"), Figure.exact(pages_kwh, "pages", Provenance.MEASURED), "kWh/page")
                 if kwh_pr and pages_kwh > 0 else None)
    out.append(_tracked("kwh_per_page", "Énergie par page imprimée", "fleet", fleet_kpp, "kWh/page",
                        f"{fr.number(pages_all, 0)} pages" if pages_all else ""))
    out += _infra(m)
    return out


def _fleet_first(d: Mapping[str, object]) -> list[str]:
    return sorted(d, key=lambda k: (k != "fleet", k))


def _infra(m: SobrietyMonth) -> list[Indicator]:
    """W/VM per host, kWh per Wi-Fi AP per site and PUE per technical room (fleet first)."""
    note = "moyenne pondérée par le temps des VM allumées (part allouée)"
    out = [_tracked("vm_power", "Puissance moyenne par VM", h, m.vm_power[h], "W", note)
           for h in _fleet_first(m.vm_power)]
    if not m.vm_power:
        out.append(_tracked("vm_power", "Puissance moyenne par VM", "fleet", None, "W",
                            "aucun hôte attribué ce mois-ci (energy.vms)"))
    for s in _fleet_first(m.ap_kwh_year):
        aps = [a for a in m.access_points.values() if s == "fleet" or a.site == s]
        metered = sum(a.metered_s > 0 for a in aps)
        out.append(_tracked("ap_kwh", "Consommation par borne Wi-Fi", s, m.ap_kwh_year[s], "kWh/an",
                            f"{len(aps)} borne(s), dont {metered} mesurée(s) par le port PoE"))
    if not m.ap_kwh_year:
        out.append(_tracked("ap_kwh", "Consommation par borne Wi-Fi", "fleet", None, "kWh/an",
                            "aucune borne Wi-Fi déclarée"))
    for s in _fleet_first(m.pue):
        p = m.pue[s]
        out.append(_tracked("pue", PUE_LABEL, s, p.ratio, "PUE",
                            "hors refroidissement (pas le PUE ISO/IEC 30134-2) ; "
                            f"entrée {fr.number(p.input_kwh.value, 2)}{fr.NNBSP}kWh / sortie "
                            f"{fr.number(p.output_kwh.value, 2)}{fr.NNBSP}kWh, {p.ups} onduleur(s)"))
    if not m.pue:
        out.append(_tracked("pue", PUE_LABEL, "fleet", None, "PUE",
                            "aucun onduleur mesuré en entrée et en sortie"))
    return out


def _tracked(key: str, label: str, scope: str, value: Figure | None, unit: str, detail: str = "") -> Indicator:
    return Indicator(key=key, label=label, scope=scope, value=value, unit=unit, target=None,
                     status="suivi" if value is not None else str(Status.UNMEASURED), detail=detail)


def _printers(config: Config, m: SobrietyMonth, places: dict[str, tuple[str, str]]) -> list[Printer]:
    el = config.energy.sobriety.eligible
    names = {a.name for a in config.assets if a.kind == "printer" and el.match(a.name, el.printers)}
    out = []
    for name in sorted(names | set(m.pages)):
        p = m.pages.get(name, {})
        pages = p.get("total")
        kwh = m.assets_kwh.get(name)
        kpp = (ratio(kwh, Figure.exact(pages, "pages", Provenance.MEASURED), "kWh/page")
               if kwh is not None and pages else None)
        out.append(Printer(name=name, site=places.get(name, ("", ""))[0], pages=pages,
                           duplex=p.get("duplex"), mono=p.get("mono"), kwh=kwh, kwh_per_page=kpp))
    return out


def _gains(m: SobrietyMonth) -> list[Gain]:
    base = {(b.name, b.scope): b for b in m.baselines}
    out = []
    for key, g in sorted(m.gains.items()):
        name, _, scope = key.partition(":")
        b = base.get((name, scope))
        text = (f"{fr.number(b.value, 2).removesuffix(',00')}{fr.NNBSP}{b.unit} ({b.source}, {b.date})"
                if b else "")
        out.append(Gain(name=name, scope=scope, baseline=text, kwh=g.kwh, eur=g.eur, kgco2e=g.kgco2e))
    return out


def _alerts(m: SobrietyMonth, whole: Scope) -> list[str]:
    out = []
    for k in m.kpis:
        if k.status is Status.NOT_MET and k.ratio is not None:
            out.append(f"Objectif non atteint : {KPI_LABELS.get(k.kpi, k.kpi)} ({_site(k.site)}) à "
                       f"{fr.percent(k.ratio.value * 100, 1)} pour un objectif ≥ {fr.target(k.target * 100)}.")
    for key, g in sorted(m.gains.items()):
        if g.kwh.value < 0:
            name, _, scope = key.partition(":")
            out.append(f"Dérive vs référence « {BASELINES.get(name, name)} » ({_site(scope)}) : "
                       f"{fr.number(-g.kwh.value, 1)}{fr.NNBSP}kWh de plus que la référence.")
    prev = whole.previous_kwh
    if prev is not None and prev.value > 0 and whole.kwh.value > prev.value * 1.05:
        out.append(f"Consommation totale en hausse de {fr.percent((whole.kwh.value / prev.value - 1) * 100, 1)} "
                   f"par rapport au mois précédent.")
    return out


def _site(s: str) -> str:
    return "ensemble du parc" if s == "fleet" else s


def _factors(config: Config, profiles: EnergyProfiles, factor: EmissionFactor) -> list[Factor]:
    out = [Factor(label="Facteur d’émission de l’électricité (mix moyen France)", value=factor.kg_per_kwh,
                  low=factor.kg_per_kwh, high=factor.kg_per_kwh, unit="kgCO2e/kWh",
                  sources=factor.sources, year=factor.year)]
    t = config.energy.sobriety.tariff
    if t is not None:
        out.append(Factor(label="Tarif de l’électricité", value=t.eur_per_kwh, low=t.eur_per_kwh,
                          high=t.eur_per_kwh, unit="EUR/kWh", sources=(t.source,), year=t.year))
    desk = profiles.profile(WORKSTATION_PROFILE)
    rows = [("Poste de travail allumé", desk.power.get(PowerState.ACTIVE) or desk.power.get(PowerState.AVERAGE)),
            ("Poste de travail en veille", desk.power.get(PowerState.SLEEP))]
    if "printer" in profiles.kinds:
        rows.append(("Imprimante, puissance moyenne annuelle",
                     profiles.profile("printer").power.get(PowerState.AVERAGE)))
    if AP_PROFILE in profiles.kinds and any(a.kind == AP_KIND for a in config.assets):
        rows.append(("Borne Wi-Fi, consommation annuelle (sans mesure PoE)",
                     profiles.profile(AP_PROFILE).annual_kwh))
    for label, v in rows:
        if v is not None:
            out.append(Factor(label=label, value=v.value, low=v.low, high=v.high, unit=v.unit,
                              sources=v.sources, year=v.year))
    return out
