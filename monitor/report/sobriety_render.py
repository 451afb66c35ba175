"""The monthly sobriety report: :class:`~monitor.report.sobriety_model.SobrietyReport` -> HTML, PDF.

Pure: no clock, no file access; the only date in the documents is the data cut. Statuses are
words with a symbol (✓ atteint, ✗ non atteint, – non mesuré), colour is a second cue only (RGAA);
every estimated figure shows its provenance and its min–max range. CSV and JSON:
:mod:`monitor.report.sobriety_export`.
"""

from __future__ import annotations

from datetime import date, timedelta

from monitor.energy.figure import Figure

from . import fr
from .files import ReportFiles
from .html import Raw, definitions, esc, heading, page, para, table
from .sobriety_chart import kpi_chart, scope_chart
from .sobriety_export import sobriety_csv, sobriety_json
from .sobriety import BASELINES
from .sobriety_model import Indicator, Scope, SobrietyReport

PROVENANCE = {"measured": "mesuré", "modelled": "modélisé", "factor": "facteur (estimé)"}
KINDS = {"workstation": "Postes de travail", "printer": "Imprimantes et copieurs", "total": "Total",
         "switch": "Commutateurs", "ups": "Onduleurs", "hypervisor": "Hyperviseurs", "server": "Serveurs",
         "access_point": "Bornes Wi-Fi", "pdu": "PDU", "firewall": "Pare-feu",
         "pdu (non attribué)": "PDU, prises non attribuées", "autre": "Autres (hors configuration)"}
ACTIONS = {"planned": "prévue", "in_progress": "en cours", "done": "réalisée", "dropped": "abandonnée"}
DECIMALS = {"kWh": 2, "W": 1, "kgCO2e": 2, "EUR": 2, "kWh/page": 4, "kWh/an": 1, "ratio": 3, "PUE": 2}
BARE = frozenset({"PUE"})      # dimensionless figures shown without a unit
SYMBOL = {"atteint": ("✓", "ok"), "non atteint": ("✗", "ko"), "non mesuré": ("–", "na"), "suivi": ("•", "na")}


def render_sobriety(report: SobrietyReport, *, pdf: bool = True) -> ReportFiles:
    html = sobriety_html(report)
    pdf_bytes = None
    if pdf:
        from .pdf import html_to_pdf
        pdf_bytes = html_to_pdf(html)
    return ReportFiles(stem=f"vigie-sobriety-{report.label}", html=html.encode("utf-8"),
                       csv=sobriety_csv(report), json=sobriety_json(report), pdf=pdf_bytes)


# --- formatting ------------------------------------------------------------------------------------
def value(f: Figure | None, unit: str | None = None) -> str:
    """A figure in French with its unit; ratios as percent (truncated)."""
    if f is None:
        return fr.DASH
    u = unit or f.unit
    if u == "ratio":
        return fr.percent(f.value * 100, 1)
    if u in BARE:
        return fr.number(f.value, DECIMALS[u])
    return fr.number(f.value, DECIMALS.get(u, 2)) + fr.NNBSP + u


def spread(f: Figure | None) -> str:
    """"a – b unit" for an estimated figure, "exact" when low == high."""
    if f is None:
        return fr.DASH
    if f.low == f.high:
        return "exact" if str(f.provenance) == "measured" else "non publiée"
    if f.unit == "ratio":
        return f"{fr.percent(f.low * 100, 1)} – {fr.percent(f.high * 100, 1)}"
    d = DECIMALS.get(f.unit, 2)
    return f"{fr.number(f.low, d)} – {fr.number(f.high, d)}" + ("" if f.unit in BARE else fr.NNBSP + f.unit)


def prov(f: Figure | None) -> str:
    return fr.DASH if f is None else PROVENANCE.get(str(f.provenance), str(f.provenance))


def badge(status: str) -> Raw:
    sym, cls = SYMBOL.get(status, ("", "na"))
    text = "suivi (sans objectif)" if status == "suivi" else status
    return Raw(f'<span class="{cls}"><span aria-hidden="true">{sym} </span>{esc(text)}</span>')


def change(cur: float, before: float | None) -> str:
    if before is None or before <= 0:
        return fr.DASH
    pct = (cur / before - 1) * 100
    return ("+" if pct >= 0 else "") + fr.number(pct, 1) + fr.NNBSP + "%"


def site(s: str) -> str:
    return "ensemble du parc" if s == "fleet" else s


def scope_name(s: Scope) -> str:
    return KINDS.get(s.name, s.name) if s.axis in ("kind", "total") else s.name


def partial_text(s: Scope) -> str:
    """"Serveurs (srv1 : 50,0 %)": a scope measured on part of the month, with each asset's coverage."""
    return f"{scope_name(s)} ({', '.join(f'{n} : {fr.percent(c * 100, 1)}' for n, c in s.partial)})"


def target(i: Indicator) -> str:
    return fr.DASH if i.target is None else "≥ " + fr.target(i.target * 100)


# --- HTML ------------------------------------------------------------------------------------------
def sobriety_html(r: SobrietyReport) -> str:
    title = f"Rapport mensuel de sobriété numérique – {fr.month(r.year, r.month)}"
    body = [heading(1, title), para(_period(r), "meta"), _summary(r), _scopes(r), _indicators(r),
            _printing(r), _infra(r), _gains(r), _alerts(r), _top(r), _actions(r), _method(r), _annex(r)]
    return page(title=title, body=body, created=fr.iso(r.until) or "",
                description=f"Consommation, indicateurs de sobriété et gains, {fr.month(r.year, r.month)}")


def _section(ident: str, title: str, parts: list[str], *, keep: bool = False) -> str:
    """A titled section; ``keep``: a short one, not split across pages in the PDF."""
    style = ' style="break-inside: avoid"' if keep else ""
    return "\n".join([f'<section aria-labelledby="{ident}"{style}>', heading(2, title, ident), *parts,
                      "</section>"])


def _period(r: SobrietyReport) -> str:
    last = date(r.year + (r.month == 12), r.month % 12 + 1, 1) - timedelta(days=1)
    text = (f"Période : du 1er au {last.day} {fr.month(r.year, r.month)} inclus, heure de Paris. "
            "Hors horaires : en dehors des heures d’ouverture de chaque site.")
    if not r.complete:
        text += f" Mois en cours : données arrêtées au {fr.datetime_(r.until)} (provisoire)."
    return text


def _summary(r: SobrietyReport) -> str:
    t = r.scopes[0]
    kpis = [i for i in r.indicators if i.target is not None and i.scope == "fleet"]
    met = sum(i.status == "atteint" for i in kpis)
    missed = sum(i.status == "non atteint" for i in kpis)
    unknown = sum(i.status == "non mesuré" for i in kpis)
    prev = t.previous_kwh
    rows = [["Consommation", value(t.kwh), spread(t.kwh), value(prev), change(t.kwh.value, prev and prev.value),
             prov(t.kwh)],
            ["Coût", value(t.eur), spread(t.eur), fr.DASH, fr.DASH, prov(t.eur)],
            ["Émissions", value(t.kgco2e), spread(t.kgco2e), fr.DASH, fr.DASH, prov(t.kgco2e)]]
    gains = [f"{BASELINES.get(g.name, g.name)} ({site(g.scope)}) : {value(g.kwh)}, {value(g.eur)}, "
             f"{value(g.kgco2e)}" for g in r.gains]
    return _section("synthese", "Synthèse", [
        definitions([
            ("Consommation du mois", f"{value(t.kwh)} ({prov(t.kwh)})"),
            ("Part mesurée", fr.percent(None if r.measured_share is None else r.measured_share * 100, 1)
             + " de l’énergie, le reste est estimé (voir la méthode)"),
            ("Objectifs (ensemble du parc)", f"{met} atteint(s), {missed} non atteint(s), {unknown} non mesuré(s)"),
            ("Gains vs référence", "; ".join(gains) if gains else "aucune référence applicable"),
            ("Périmètres partiels", "; ".join(partial_text(s) for s in r.scopes if s.axis != "total" and s.partial)
             or "aucun : chaque équipement mesuré l’a été sur tout le mois"),
            ("Alertes", f"{len(r.alerts)} (voir « Dérives et alertes »)")]),
        table("Synthèse du mois : consommation, coût et émissions",
              ["Grandeur", "Ce mois", "Fourchette", "Mois précédent", "Évolution", "Provenance"],
              rows, numeric=(1, 3, 4))])


def _scope_row(s: Scope) -> list[str | Raw]:
    sh = s.shares
    return [scope_name(s), str(s.assets), value(s.kwh), spread(s.kwh), value(s.previous_kwh),
            change(s.kwh.value, s.previous_kwh and s.previous_kwh.value), value(s.kgco2e), value(s.eur),
            *(fr.percent(sh[p] * 100, 1) if p in sh else fr.DASH for p in ("measured", "modelled", "factor"))]


def _scopes(r: SobrietyReport) -> str:
    head = ["Périmètre", "Équip.", "kWh", "Fourchette", "Mois préc.", "Évol.", "kgCO2e", "Coût",
            "Mesuré", "Modélisé", "Facteur"]
    kinds = [s for s in r.scopes if s.axis == "kind"]
    sites = [s for s in r.scopes if s.axis == "site"]
    num = (1, 2, 4, 5, 6, 7, 8, 9, 10)
    parts = [scope_chart(kinds, r.scopes[0], scope_name) if kinds else
             para("Aucune consommation connue ce mois-ci : pas de graphique."),
             _keep(table("Consommation par type d’équipement (parts par provenance)", head,
                         [_scope_row(s) for s in kinds], numeric=num,
                         total=_scope_row(r.scopes[0]) if kinds else (), empty="Aucun équipement suivi."),
                   len(kinds)),
             _keep(table("Consommation par site (parts par provenance)", head, [_scope_row(s) for s in sites],
                         numeric=num, empty="Aucun équipement suivi."), len(sites))]
    partial = [partial_text(s) for s in r.scopes if s.axis != "total" and s.partial]
    if partial:
        parts.append(para("Périmètres partiels : l’énergie mesurée n’y couvre qu’une partie du mois (part du "
                          "mois mesurée par équipement) ; elle reste la mesure de ce temps-là, sans "
                          "extrapolation : " + "; ".join(partial) + ".", "note"))
    return _section("perimetres", "Consommation par périmètre", parts)


def _keep(html: str, rows: int) -> str:
    """A short table is not split from its caption across pages (PDF)."""
    return f'<div style="break-inside: avoid">{html}</div>' if rows < 15 else html


def _indicators(r: SobrietyReport) -> str:
    rows = [[i.label, site(i.scope), value(i.value, i.unit), target(i), badge(i.status), prov(i.value),
             spread(i.value), i.detail] for i in r.indicators]
    return _section("indicateurs", "Indicateurs et objectifs", [
        kpi_chart([i for i in r.indicators if i.target is not None and i.scope == "fleet"], value, target),
        table("Indicateurs du mois et statut vis-à-vis des objectifs",
              ["Indicateur", "Périmètre", "Valeur", "Objectif", "Statut", "Provenance", "Fourchette", "Détail"],
              rows, numeric=(2, 3)),
        para("Statut : ✓ atteint, ✗ non atteint, – non mesuré (aucune donnée exploitable), • suivi "
             "(indicateur de référence sans objectif chiffré).", "note")])


def _printing(r: SobrietyReport) -> str:
    def share(part: float | None, whole: float | None) -> str:
        return fr.percent(part / whole * 100, 1) if part is not None and whole else fr.DASH

    rows = [[p.name, p.site or fr.DASH, fr.number(p.pages, 0), share(p.duplex, p.pages), share(p.mono, p.pages),
             value(p.kwh), prov(p.kwh), value(p.kwh_per_page)] for p in r.printers]
    return _section("impression", "Impression", [table(
        "Pages, recto-verso, noir et blanc et énergie par imprimante",
        ["Imprimante", "Site", "Pages", "Recto-verso", "Noir et blanc", "Énergie", "Provenance", "kWh/page"],
        rows, numeric=(2, 3, 4, 5, 7), empty="Aucune imprimante suivie.")], keep=len(r.printers) < 12)


def _infra(r: SobrietyReport) -> str:
    rooms = [[site(x.site), value(x.pue), value(x.input_kwh), value(x.output_kwh), str(x.ups), prov(x.pue)]
             for x in r.rooms]
    aps = [[a.name, a.site or fr.DASH, value(a.kwh), value(a.kwh_year), spread(a.kwh_year), prov(a.kwh_year),
            fr.number(a.metered_hours, 1) if a.metered_hours else fr.DASH] for a in r.access_points]
    return _section("infrastructure", "Locaux techniques et bornes Wi-Fi", [
        _keep(table("PUE partiel (pertes onduleur) par local technique : entrée / sortie des onduleurs sur le "
                    "mois, hors refroidissement (pas le PUE ISO/IEC 30134-2)",
                    ["Site", "PUE partiel", "Entrée onduleurs", "Sortie onduleurs (IT)", "Onduleurs", "Provenance"],
                    rooms, numeric=(1, 2, 3, 4), empty="Aucun onduleur mesuré en entrée et en sortie."), len(rooms)),
        _keep(table("Bornes Wi-Fi : énergie du mois et projection annuelle (mesure PoE, sinon facteur ADEME)",
                    ["Borne", "Site", "Énergie du mois", "kWh/an", "Fourchette", "Provenance", "Heures mesurées"],
                    aps, numeric=(2, 3, 6), empty="Aucune borne Wi-Fi déclarée."), len(aps))])


def _gains(r: SobrietyReport) -> str:
    rows = [[BASELINES.get(g.name, g.name), site(g.scope), g.baseline, value(g.kwh), spread(g.kwh),
             value(g.eur), value(g.kgco2e), prov(g.kwh)] for g in r.gains]
    return _section("gains", "Gains par rapport aux références", [
        table("Énergie économisée vs référence (négatif : dérive)",
              ["Référence", "Périmètre", "Valeur de référence", "kWh", "Fourchette", "Euros", "kgCO2e",
               "Provenance"], rows, numeric=(3, 5, 6), empty="Aucune référence applicable ce mois-ci.")],
        keep=len(r.gains) < 8)


def _alerts(r: SobrietyReport) -> str:
    body = ("<ul>" + "".join(f"<li>{esc(a)}</li>" for a in r.alerts) + "</ul>" if r.alerts
            else para("Aucune dérive ni alerte ce mois-ci."))
    return _section("alertes", "Dérives et alertes", [body], keep=True)


def _top(r: SobrietyReport) -> str:
    rows = [[str(c.rank), c.name, c.site or fr.DASH, KINDS.get(c.kind, c.kind), value(c.kwh), spread(c.kwh),
             prov(c.kwh), fr.percent(None if c.share is None else c.share * 100, 1), value(c.kgco2e),
             value(c.eur)] for c in r.top]
    return _section("top", "Principaux consommateurs", [table(
        "Équipements les plus consommateurs du mois",
        ["Rang", "Équipement", "Site", "Type", "Énergie", "Fourchette", "Provenance", "Part du total",
         "Émissions", "Coût"],
        rows, numeric=(0, 4, 7, 8, 9), empty="Aucun équipement avec une énergie connue.")])


def _actions(r: SobrietyReport) -> str:
    rows = [[a.title, a.owner or fr.DASH, ACTIONS.get(a.status, a.status),
             fr.short_date(date.fromisoformat(a.due)) + f"/{a.due[:4]}" if a.due else fr.DASH] for a in r.actions]
    return _section("actions", "Actions en cours", [table(
        "Plan d’actions de sobriété (configuration)", ["Action", "Porteur", "État", "Échéance"], rows,
        empty="Aucune action déclarée.")], keep=True)


FORMULAS = (
    "Énergie d’un compteur : différence des index (repliement et remise à zéro détectés) ; sinon "
    "puissance intégrée par la méthode des trapèzes, E = (P₀ + P₁) / 2 × Δt, sur des intervalles "
    "bornés ; un intervalle trop long n’est pas mesuré (jamais deviné).",
    "Poste de travail (modélisé) : temps allumé × puissance active + temps en veille × puissance de veille "
    "du profil « desktop » ; W moyen = kWh × 3,6·10⁶ / secondes ; kWh/an = W moyen × 8 760 h / 1 000.",
    "Serveur (modèle linéaire) : W = Wmin + u × (Wmax − Wmin), u = taux d’utilisation CPU (Cloud "
    "Carbon Footprint), recalé sur les mesures dès qu’elles existent.",
    "W par VM : part « allouée » = part fixe × vCPU de la VM / vCPU + part dynamique × temps CPU de la "
    "VM / temps CPU total ; part « marginale » = part dynamique seule ; somme des VM + non alloué = "
    "puissance de l’hôte (vérifié).",
    "PUE partiel (pertes onduleur) par local technique = entrée / sortie des onduleurs, rapport des "
    "puissances moyennes mesurées sur le mois (compteurs des onduleurs, sinon puissance intégrée). Ce "
    "n’est pas le PUE de l’ISO/IEC 30134-2 (énergie totale du local / énergie informatique), qui inclut "
    "le refroidissement : seules les pertes des onduleurs sont comptées.",
    "Borne Wi-Fi : énergie mesurée sur le port PoE qui l’alimente, sur le seul temps mesuré (heures "
    "indiquées) ; kWh/an = puissance moyenne sur ce temps × 8 760 h / 1 000 (projection, modélisée) ; "
    "sans mesure, consommation annuelle ADEME (20 à 120 kWh/an, facteur) et puissance moyenne correspondante pour le mois.",
    "W par VM (mois) : moyenne, pondérée par le temps, de la puissance allouée à chaque VM allumée.",
    "kWh par page = énergie de l’imprimante / pages du mois ; recto-verso et noir et blanc = pages "
    "correspondantes / pages totales (compteurs Printer-MIB et PWG).",
    "Hors horaires : une fenêtre est conforme si l’équipement y est resté allumé au plus le délai de "
    "grâce ; elle compte si les relevés en couvrent au moins la moitié ; taux = fenêtres conformes / "
    "fenêtres comptées.",
    "Équipements mesurés (Redfish, prise de PDU, capteur, PoE) : énergie de leurs compteurs sur le mois, "
    "sur le temps mesuré, sans extrapolation (part du mois mesurée en annexe ; un périmètre qui en "
    "contient un mesuré moins de 99 % du mois est dit partiel) ; un équipement qui a son propre compteur "
    "(Redfish, iDRAC) est compté par lui seul, ses prises de PDU déclarées restant déduites du PDU ; "
    "moins l’énergie que leurs propres compteurs délivrent à d’autres équipements mesurés (PoE des bornes, "
    "prises d’un PDU) ; un PDU dont l’entrée n’est attribuée à aucun équipement compte « prises non "
    "attribuées » = entrée − prises attribuées. Les onduleurs n’entrent pas dans la consommation (leur "
    "sortie est la charge du local, déjà comptée) : ils donnent le PUE. Sans mesure, la puissance moyenne "
    "du profil du type si elle existe (facteur), sinon l’équipement n’est pas compté (listé ci-dessous).",
    "kgCO2e = kWh × facteur d’émission ; coût = kWh × tarif ; gains = référence − valeur du mois "
    "(négatif : dérive).",
    "Provenance : mesuré (compteur ou capteur), modélisé (état observé × profil, modèle), facteur "
    "(valeur publiée seule). Une somme prend la provenance la plus indirecte, les fourchettes "
    "s’additionnent ; les pourcentages affichés sont tronqués.",
)


def _method(r: SobrietyReport) -> str:
    t = r.scopes[0]
    sh = ", ".join(f"{PROVENANCE[p]} {fr.percent(t.shares[p] * 100, 1)}" for p in PROVENANCE if p in t.shares)
    factor_rows = [[f.label, fr.number(f.value, 4).rstrip("0").rstrip(","), f.unit,
                    fr.DASH if f.low == f.high else f"{fr.number(f.low, 2)} – {fr.number(f.high, 2)}",
                    ", ".join(f.sources), str(f.year) if f.year else fr.DASH] for f in r.factors]
    cited = sorted({s for f in r.factors for s in f.sources if s in r.sources})
    return _section("methode", "Annexe : méthode", [
        para(f"Part de l’énergie du mois mesurée : "
             f"{fr.percent(None if r.measured_share is None else r.measured_share * 100, 1)}"
             + (f" ({sh})." if sh else ".") + " Chaque chiffre porte sa provenance et, s’il est estimé, "
             "sa fourchette min–max."),
        heading(3, "Formules"),
        "<ul>" + "".join(f"<li>{esc(x)}</li>" for x in FORMULAS) + "</ul>",
        heading(3, "Facteurs utilisés"),
        table("Facteurs et profils, avec leur source et leur année",
              ["Facteur", "Valeur", "Unité", "Fourchette", "Source", "Année"], factor_rows, numeric=(1, 5)),
        heading(3, "Sources"),
        "<ul>" + "".join(f"<li><code>{esc(s)}</code> : {esc(r.sources[s])}</li>" for s in cited) + "</ul>",
        para(f"Profils énergétiques : data/energy_profiles.yml, version {r.profiles_version}.", "note"),
        para("Équipements sans mesure ni profil, non comptés : " + (", ".join(r.unmetered) or "aucun") + ".",
             "note")])


def _annex(r: SobrietyReport) -> str:
    cover = dict(r.coverage)
    rows = [[name, value(f), spread(f), prov(f),
             fr.percent(cover[name] * 100, 1) if name in cover else fr.DASH] for name, f in r.assets]
    return _section("annexe", "Annexe : énergie par équipement", [
        table("Énergie du mois par équipement, provenance, fourchette et part du mois mesurée",
              ["Équipement", "Énergie", "Fourchette", "Provenance", "Part du mois mesurée"], rows, numeric=(1, 4),
              empty="Aucun équipement avec une énergie connue.")])
