"""The sobriety report's CSV and JSON (same conventions as the SLA report: :mod:`.files`).

CSV: one long table, one figure per row, stable column identifiers::

    mois; section; indicateur; perimetre; valeur; unite; min; max; provenance; objectif; statut; detail

``section`` is consommation, indicateur, impression, local_technique (partial PUE and UPS input/output kWh per
site), borne_wifi (kWh of the month and kWh per year per AP), gain, top, equipement, action or facteur.
Ratios are percent (unit ``%``), numbers with a decimal comma and no thousands separator, an empty
cell is no value. JSON: everything, numbers as numbers, figures as objects with their provenance,
range and sources; ratios in [0, 1].
"""

from __future__ import annotations

from typing import Any

from monitor.energy.figure import Figure

from . import fr
from .files import csv_bytes, json_bytes
from .sobriety_model import Indicator, Scope, SobrietyReport

CSV_HEADER = ("mois", "section", "indicateur", "perimetre", "valeur", "unite", "min", "max", "provenance",
              "objectif", "statut", "detail")


def _cells(f: Figure | None, unit: str | None = None) -> list[str]:
    """valeur, unite, min, max, provenance of a figure (ratios as percent)."""
    if f is None:
        return ["", "%" if unit == "ratio" else (unit or ""), "", "", ""]
    k, u = (100.0, "%") if (unit or f.unit) == "ratio" else (1.0, unit or f.unit)
    return [fr.plain(f.value * k), u, fr.plain(f.low * k), fr.plain(f.high * k), str(f.provenance)]


def _scope_key(s: Scope) -> str:
    return "total" if s.axis == "total" else f"{s.axis}:{s.name}"


def sobriety_csv(r: SobrietyReport) -> bytes:
    m = r.label
    rows: list[list[str]] = []

    def add(section: str, name: str, scope: str, f: Figure | None, unit: str | None = None,
            target: str = "", status: str = "", detail: str = "") -> None:
        rows.append([m, section, name, scope, *_cells(f, unit), target, status, detail])

    for s in r.scopes:
        key = _scope_key(s)
        add("consommation", "energie_kwh", key, s.kwh, detail=f"{s.assets} équipement(s)")
        add("consommation", "energie_mois_precedent_kwh", key, s.previous_kwh, "kWh")
        add("consommation", "co2e_kg", key, s.kgco2e)
        add("consommation", "cout_eur", key, s.eur, "EUR")
        for p in ("measured", "modelled", "factor"):
            if p in s.shares:
                rows.append([m, "consommation", f"part_{p}", key, fr.plain(s.shares[p] * 100), "%",
                             "", "", "", "", "", ""])
    for i in r.indicators:
        add("indicateur", i.key, i.scope, i.value, i.unit,
            "" if i.target is None else fr.plain(i.target * 100), i.status, i.detail)
    for p in r.printers:
        for name, n in (("pages", p.pages), ("pages_recto_verso", p.duplex), ("pages_noir_blanc", p.mono)):
            rows.append([m, "impression", name, p.name, fr.plain(n), "pages", "", "", "" if n is None
                         else "measured", "", "", ""])
        add("impression", "energie_kwh", p.name, p.kwh, "kWh")
        add("impression", "kwh_par_page", p.name, p.kwh_per_page, "kWh/page")
    for room in r.rooms:
        detail = f"{room.ups} onduleur(s)"
        add("local_technique", "pue", room.site, room.pue, "PUE", detail=detail)
        add("local_technique", "entree_onduleurs_kwh", room.site, room.input_kwh, "kWh", detail=detail)
        add("local_technique", "sortie_onduleurs_kwh", room.site, room.output_kwh, "kWh", detail=detail)
    for a in r.access_points:
        detail = f"{fr.plain(a.metered_hours)} h mesurées" if a.metered_hours else "non mesurée (facteur)"
        add("borne_wifi", "energie_kwh", a.name, a.kwh, "kWh", detail=detail)
        add("borne_wifi", "kwh_par_an", a.name, a.kwh_year, "kWh/an", detail=detail)
    for g in r.gains:
        scope = f"{g.name}:{g.scope}"
        add("gain", "gain_kwh", scope, g.kwh, detail=g.baseline)
        add("gain", "gain_eur", scope, g.eur, "EUR", detail=g.baseline)
        add("gain", "gain_kgco2e", scope, g.kgco2e, "kgCO2e", detail=g.baseline)
    for c in r.top:
        add("top", "energie_kwh", c.name, c.kwh, detail=f"rang {c.rank}")
        add("top", "co2e_kg", c.name, c.kgco2e, "kgCO2e", detail=f"rang {c.rank}")
        add("top", "cout_eur", c.name, c.eur, "EUR", detail=f"rang {c.rank}")
    cover = dict(r.coverage)
    for name, f in r.assets:
        add("equipement", "energie_kwh", name, f,
            detail=f"{fr.plain(cover[name] * 100)} % du mois mesuré" if name in cover else "")
    for a in r.actions:
        rows.append([m, "action", a.title, a.owner, "", "", "", "", "", a.due, a.status, ""])
    for f in r.factors:
        rows.append([m, "facteur", f.label, "", fr.plain(f.value), f.unit, fr.plain(f.low), fr.plain(f.high),
                     "", "", "", f"{', '.join(f.sources)} ({f.year})" if f.year else ", ".join(f.sources)])
    return csv_bytes(CSV_HEADER, rows)


def figure_json(f: Figure | None) -> dict[str, Any] | None:
    if f is None:
        return None
    return {"value": f.value, "unit": f.unit, "provenance": str(f.provenance), "low": f.low, "high": f.high,
            "sources": list(f.sources)}


def _indicator_json(i: Indicator) -> dict[str, Any]:
    return {"key": i.key, "label": i.label, "scope": i.scope, "value": figure_json(i.value), "unit": i.unit,
            "target": i.target, "status": i.status, "detail": i.detail}


def sobriety_json(r: SobrietyReport) -> bytes:
    return json_bytes({
        "report": "sobriety", "format_version": 1,
        "period": {"month": r.label, "start": fr.iso(r.start), "end": fr.iso(r.end), "until": fr.iso(r.until),
                   "complete": r.complete, "timezone": "Europe/Paris"},
        "measured_share": r.measured_share,
        "consumption": [{"axis": s.axis, "name": s.name, "assets": s.assets, "kwh": figure_json(s.kwh),
                         "kgco2e": figure_json(s.kgco2e), "eur": figure_json(s.eur),
                         "previous_kwh": figure_json(s.previous_kwh), "provenance_shares": s.shares,
                         "partial": [{"asset": n, "coverage": c} for n, c in s.partial]}
                        for s in r.scopes],
        "indicators": [_indicator_json(i) for i in r.indicators],
        "printers": [{"name": p.name, "site": p.site, "pages": p.pages, "duplex_pages": p.duplex,
                      "mono_pages": p.mono, "kwh": figure_json(p.kwh),
                      "kwh_per_page": figure_json(p.kwh_per_page)} for p in r.printers],
        "rooms": [{"site": x.site, "pue": figure_json(x.pue), "ups_input_kwh": figure_json(x.input_kwh),
                   "ups_output_kwh": figure_json(x.output_kwh), "ups": x.ups} for x in r.rooms],
        "access_points": [{"name": a.name, "site": a.site, "kwh": figure_json(a.kwh),
                           "kwh_per_year": figure_json(a.kwh_year), "metered_hours": a.metered_hours}
                          for a in r.access_points],
        "gains": [{"baseline": g.name, "scope": g.scope, "reference": g.baseline, "kwh": figure_json(g.kwh),
                   "eur": figure_json(g.eur), "kgco2e": figure_json(g.kgco2e)} for g in r.gains],
        "alerts": list(r.alerts),
        "top": [{"rank": c.rank, "name": c.name, "site": c.site, "kind": c.kind, "kwh": figure_json(c.kwh),
                 "kgco2e": figure_json(c.kgco2e), "eur": figure_json(c.eur), "share": c.share} for c in r.top],
        "unmetered": list(r.unmetered),
        "assets": [{"name": n, "kwh": figure_json(f), "coverage": dict(r.coverage).get(n)} for n, f in r.assets],
        "actions": [{"title": a.title, "owner": a.owner, "status": a.status, "due": a.due or None}
                    for a in r.actions],
        "factors": [{"label": f.label, "value": f.value, "low": f.low, "high": f.high, "unit": f.unit,
                     "sources": list(f.sources), "year": f.year} for f in r.factors],
        "profiles_version": r.profiles_version,
        "sources": r.sources})
