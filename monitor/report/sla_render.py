"""The monthly SLA report: :class:`~monitor.report.sla_model.SlaReport` -> HTML, PDF, CSV, JSON.

Pure: no clock and no file access. Everything shown comes from the report data, the only date
in the documents is the end of the data (the end of the month once it is over), so
regenerating a past month gives the same bytes.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

from monitor.sla.ledger import format_head

from . import fr
from .files import ReportFiles, csv_bytes, json_bytes
from .html import Raw, definitions, esc, figure, heading, page, para, status, table
from .sla_model import ContractReport, Day, Exclusion, Figures, Incident, SlaReport
from .svg import Bar, bar_chart

TYPES = {"planned_maintenance": "Maintenance programmée", "force_majeure": "Force majeure",
         "third_party": "Tiers", "client": "Client"}
KINDS = {"asset": "équipement", "service": "service", "contract": "contrat"}
POLICIES = {"exclude": "exclu du calcul (la couverture indique la part mesurée)",
            "down": "compté comme indisponible", "up": "compté comme disponible"}


def render_sla(report: SlaReport, *, pdf: bool = True) -> ReportFiles:
    """The four files of the report (``pdf=False`` skips the PDF, e.g. without WeasyPrint)."""
    html = sla_html(report)
    pdf_bytes = None
    if pdf:
        from .pdf import html_to_pdf
        pdf_bytes = html_to_pdf(html)
    return ReportFiles(stem=f"vigie-sla-{report.label}", html=html.encode("utf-8"),
                       csv=sla_csv(report), json=sla_json(report), pdf=pdf_bytes)


# --- HTML ----------------------------------------------------------------------------------------
def sla_html(r: SlaReport) -> str:
    title = f"Rapport mensuel de disponibilité – {fr.month(r.year, r.month)}"
    body = [heading(1, title), para(_period_text(r), "meta"), _summary(r)]
    for i, c in enumerate(r.contracts, 1):
        body.append(_contract(c, i))
    body.append(_method(r))
    body.append(_annex(r))
    return page(title=title, body=body, created=fr.iso(r.until) or "",
                description=f"Disponibilité des contrats de service, {fr.month(r.year, r.month)}")


def _period_text(r: SlaReport) -> str:
    last = date(r.year + (r.month == 12), r.month % 12 + 1, 1) - timedelta(days=1)
    text = (f"Période : du 1er au {last.day} {fr.month(r.year, r.month)} inclus, heure de Paris, "
            f"selon le calendrier de chaque contrat.")
    if not r.complete:
        text += f" Mois en cours : données arrêtées au {fr.datetime_(r.until)} (provisoire)."
    return text


def _summary(r: SlaReport) -> str:
    rows = [[c.name, c.calendar, fr.percent(c.total.rate), fr.target(c.target),
             _status(c.total), fr.hours(c.total.nht), fr.hours(c.total.nhi),
             fr.percent(c.total.coverage, 1), fr.duration(c.total.budget_remaining),
             str(len(c.exclusions)), str(len(c.incidents))] for c in r.contracts]
    bad = [c.name for c in r.contracts if c.total.met is False]
    unknown = [c.name for c in r.contracts if c.total.met is None]
    verdict = " ".join(filter(None, [
        f"Objectif non atteint : {', '.join(bad)}." if bad else "",
        f"Sans taux mesuré : {', '.join(unknown)}." if unknown else "",
        "Tous les contrats atteignent leur objectif." if r.contracts and not bad and not unknown
        else ""]))
    return "\n".join([
        '<section aria-labelledby="synthese">', heading(2, "Synthèse", "synthese"), para(verdict),
        table("Taux de disponibilité par contrat", ["Contrat", "Calendrier", "Taux", "Objectif",
              "Statut", "NHT", "NHI", "Couverture", "Budget restant", "Exclusions", "Incidents"],
              rows, numeric=(2, 3, 5, 6, 7, 8, 9, 10), empty="Aucun contrat configuré."),
        "</section>"])


def _status(f: Figures) -> Raw:
    """conforme / non conforme; without a rate: "non mesuré" (service hours, nothing measured)
    or "sans objet" (no service hours at all)."""
    return status(f.met, none="non mesuré" if f.nht > 0 else "sans objet")


def _figures_row(f: Figures) -> list[str | Raw]:
    return [f.name, KINDS.get(f.kind, f.kind), fr.hours(f.nht), fr.hours(f.nhi),
            fr.percent(f.rate), fr.target(f.target), _status(f), fr.percent(f.coverage, 1),
            fr.duration(f.budget_remaining)]


def _contract(c: ContractReport, i: int) -> str:
    ident = f"contrat-{i}"
    t = c.total
    parts = [f'<section class="contract" aria-labelledby="{ident}">',
             heading(2, f"Contrat {c.name}", ident),
             definitions([
                 ("Taux du mois", fr.percent(t.rate)), ("Objectif", fr.target(c.target)),
                 ("Statut", _status(t)), ("Calendrier", c.calendar),
                 ("Temps non mesuré", POLICIES.get(c.policy, c.policy)),
                 ("NHT / NHI", f"{fr.hours(t.nht)} / {fr.hours(t.nhi)}"),
                 ("Budget d’indisponibilité", f"{fr.duration(t.budget)} sur le mois, "
                                              f"reste {fr.duration(t.budget_remaining)}")]),
             heading(3, "Services et équipements"),
             table(f"Contrat {c.name} : chiffres par service et équipement",
                   ["Élément", "Type", "NHT", "NHI", "Taux", "Objectif", "Statut", "Couverture",
                    "Budget restant"], [_figures_row(f) for f in c.members],
                   numeric=(2, 3, 4, 5, 7, 8), total=["Total du contrat", *_figures_row(t)[1:]]),
             heading(3, "Disponibilité jour par jour"),
             _chart(c, ident),
             heading(3, "Exclusions appliquées"),
             table(f"Contrat {c.name} : exclusions déduites du temps garanti",
                   ["N°", "Type", "Périmètre", "Début", "Fin", "Durée", "Auteur", "Motif",
                    "Référence", "Déclarée après coup"], [_exclusion(e) for e in c.exclusions],
                   numeric=(0, 5), empty="Aucune exclusion ce mois-ci."),
             heading(3, "Incidents"),
             table(f"Contrat {c.name} : incidents et garantie de temps de rétablissement (GTR)",
                   ["Élément", "Priorité", "Début (détection)", "Ticket ouvert", "Rétablissement",
                    "Durée (heures du calendrier)", "GTI", "GTR", "Ticket"],
                   [_incident(x) for x in c.incidents], numeric=(5,),
                   empty="Aucun incident ce mois-ci."),
             "</section>"]
    return "\n".join(parts)


def _exclusion(e: Exclusion) -> list[str | Raw]:
    return [str(e.entry), TYPES.get(e.type, e.type), ", ".join(e.scope), fr.datetime_(e.start),
            fr.datetime_(e.end), fr.duration(e.end - e.start), e.author, e.reason,
            e.reference or fr.DASH, status(False, no="oui") if e.late else "non"]


def _incident(x: Incident) -> list[str | Raw]:
    def guarantee(limit: float | None, met: bool | None) -> str | Raw:
        if limit is None:
            return "sans objet"
        verdict = status(met, "respectée", "dépassée", "en cours")
        return Raw(f"{esc(fr.duration(limit))} : {verdict}")

    return [x.name, x.priority or fr.DASH, fr.datetime_(x.start), fr.datetime_(x.ticket_opened),
            fr.datetime_(x.restored) if x.restored is not None else "en cours",
            fr.duration(x.calendar_seconds), guarantee(x.gti_seconds, x.gti_met),
            guarantee(x.gtr_seconds, x.gtr_met), x.reference or fr.DASH]


def _chart(c: ContractReport, ident: str) -> str:
    rates = [d.rate for d in c.days if d.rate is not None]
    if not rates:
        return para("Aucune heure de service mesurée ce mois-ci : pas de graphique.")
    lo, ticks = _scale(min(min(rates), c.target))
    step = ticks[1] - ticks[0]
    decimals = 0 if step >= 1 else (1 if step == 0.5 else 2)
    below = [d for d in c.days if d.rate is not None and d.rate < c.target]
    desc = (f"Disponibilité quotidienne du contrat {c.name}, de {fr.percent(min(rates))} au plus "
            f"bas à {fr.percent(max(rates))} ; {len(below)} jour(s) sous l’objectif de "
            f"{fr.target(c.target)}" + (" : " + ", ".join(fr.short_date(date.fromisoformat(d.date))
                                         for d in below) if below else "") + ".")
    bars = [Bar(str(date.fromisoformat(d.date).day), d.rate,
                f"{fr.day(date.fromisoformat(d.date))} : {fr.percent(d.rate)}") for d in c.days]
    svg = bar_chart(bars, ident=f"{ident}-graphe", title=f"Disponibilité quotidienne – {c.name}",
                    desc=desc, lo=lo, hi=100.0, ticks=ticks,
                    tick_label=lambda v: fr.number(v, decimals) + fr.NNBSP + "%",
                    reference=c.target, reference_label=f"objectif {fr.target(c.target)}",
                    legend=("jour conforme", "jour sous l’objectif"))
    return figure(svg, desc + " Jours sans heure de service : tiret. Valeurs exactes en annexe.")


def _scale(low: float) -> tuple[float, list[float]]:
    """Axis ``[lo, 100]`` leaving the lowest bar at least about a third of the height."""
    raw = max(0.0, low - max(1.0, (100.0 - low) * 0.6))
    step = next(s for s in (0.25, 0.5, 1, 2, 5, 10, 20, 25) if (100.0 - raw) / s <= 5)
    lo = math.floor(raw / step) * step
    return lo, [lo + k * step for k in range(int(round((100.0 - lo) / step)) + 1)]


def _method(r: SlaReport) -> str:
    items = [
        "Taux = (NHT − NHI) / NHT × 100. NHT (nombre d’heures de temps garanti) : heures du "
        "calendrier du contrat sur la période, moins les exclusions appliquées (maintenance "
        "programmée, force majeure, tiers, client). NHI (nombre d’heures d’indisponibilité) : "
        "temps où l’élément est indisponible (en panne, ou injoignable parce qu’un équipement "
        "amont est en panne) à l’intérieur du NHT.",
        "Temps non mesuré (service Vigie arrêté, sonde en échec pour ses propres raisons) : "
        "selon le contrat, exclu du dénominateur (la couverture indique la part du NHT mesurée), "
        "compté comme indisponible ou compté comme disponible ; jamais supposé disponible sans "
        "que le contrat le dise.",
        "Un service composite (tous, l’un ou k parmi n de ses éléments) est disponible quand "
        "assez d’éléments le sont ; son indisponibilité causée par la maintenance d’un élément "
        "est exclue avec elle.",
        "Calendriers en heure de Paris : 24x7 (octobre compte 745 h avec le passage à l’heure "
        "d’hiver, mars 743 h), 8/5 = du lundi au vendredi 08:00–19:00 hors jours fériés "
        "(deux jours de plus en Alsace-Moselle), plages de service garanties, fermetures "
        "propres au contrat. Les heures de l’heure répétée fin octobre portent leur décalage (UTC+2, UTC+1).",
        "Budget d’indisponibilité = (1 − objectif) × temps garanti du mois ; le reste est "
        "négatif quand il est dépassé. Les durées d’incident et la GTR sont comptées en heures du "
        "calendrier du contrat.",
        "Les taux affichés sont tronqués (jamais arrondis au-dessus) ; le statut est décidé sur "
        "la valeur exacte, donnée dans les fichiers CSV et JSON.",
        "Une exclusion « déclarée après coup » l’a été après son début : elle s’applique mais "
        "est signalée.",
        "Le taux d’un contrat est la moyenne des taux de ses éléments pondérée par leur temps "
        "garanti ; un équipement listé aussi dans l’un de ses services y compte deux fois.",
    ]
    head = (f"Registre des exclusions : chaîne d’empreintes vérifiée, {r.ledger_rows} "
            f"entrée(s) prises en compte ; tête à publier et à vérifier plus tard avec "
            f"« vigie exclusion verify --expect-head » : ")
    return "\n".join([
        '<section aria-labelledby="methode">', heading(2, "Note de méthode", "methode"),
        "<ul>" + "".join(f"<li>{esc(x)}</li>" for x in items) + "</ul>",
        para(Raw(esc(head) + f"<code>{esc(format_head(r.ledger_rows, r.ledger_hash) if r.ledger_hash else '—')}</code>. "
                 "Toute modification ultérieure d’une de ces entrées change cette empreinte."),
             "note"),
        "</section>"])


def _annex(r: SlaReport) -> str:
    parts = ['<section aria-labelledby="annexe">',
             heading(2, "Annexe : disponibilité quotidienne", "annexe")]
    for c in r.contracts:
        parts.append(table(f"Contrat {c.name} : disponibilité par jour",
                           ["Jour", "Temps garanti", "Indisponibilité", "Taux"],
                           [_day(d) for d in c.days], numeric=(1, 2, 3)))
    parts.append("</section>")
    return "\n".join(parts)


def _day(d: Day) -> list[str | Raw]:
    return [fr.day(date.fromisoformat(d.date)), fr.hours(d.service), fr.duration(d.unavailable),
            fr.percent(d.rate)]


# --- CSV -----------------------------------------------------------------------------------------
CSV_HEADER = ("mois", "contrat", "element", "type", "calendrier", "politique_non_mesure",
              "nht_s", "nhi_s", "indisponible_s", "non_mesure_s", "denominateur_s", "taux_pct",
              "objectif_pct", "conforme", "couverture_pct", "budget_s", "budget_restant_s",
              "exclusions", "incidents")


def sla_csv(r: SlaReport) -> bytes:
    """One row per contract x member, then the contract's total (type ``contrat``)."""
    rows = []
    for c in r.contracts:
        for f in (*c.members, c.total):
            n_ex = sum(1 for e in c.exclusions if f.kind == "contract" or f.name in e.scope)
            n_in = sum(1 for x in c.incidents if f.kind == "contract" or x.name == f.name)
            rows.append([r.label, c.name, f.name, f.kind, c.calendar, c.policy, fr.plain(f.nht),
                         fr.plain(f.nhi), fr.plain(f.down), fr.plain(f.unmeasured),
                         fr.plain(f.denominator), fr.plain(f.rate), fr.plain(f.target),
                         "" if f.met is None else ("oui" if f.met else "non"),
                         fr.plain(f.coverage), fr.plain(f.budget), fr.plain(f.budget_remaining),
                         str(n_ex), str(n_in)])
    return csv_bytes(CSV_HEADER, rows)


# --- JSON ----------------------------------------------------------------------------------------
def sla_json(r: SlaReport) -> bytes:
    return json_bytes({
        "report": "sla", "format_version": 1,
        "period": {"month": r.label, "start": fr.iso(r.start), "end": fr.iso(r.end),
                   "until": fr.iso(r.until), "complete": r.complete, "timezone": "Europe/Paris"},
        "ledger": {"rows": r.ledger_rows, "head": r.ledger_hash},
        "contracts": [_contract_json(c) for c in r.contracts]})


def _figures_json(f: Figures) -> dict[str, Any]:
    return {"name": f.name, "kind": f.kind, "nht_seconds": f.nht, "nhi_seconds": f.nhi,
            "down_seconds": f.down, "unmeasured_seconds": f.unmeasured,
            "denominator_seconds": f.denominator, "rate_percent": f.rate,
            "target_percent": f.target, "coverage_percent": f.coverage,
            "budget_seconds": f.budget, "budget_remaining_seconds": f.budget_remaining, "met": f.met}


def _contract_json(c: ContractReport) -> dict[str, Any]:
    return {
        "name": c.name, "calendar": c.calendar, "unmeasured_policy": c.policy,
        "target_percent": c.target, "total": _figures_json(c.total),
        "members": [_figures_json(f) for f in c.members],
        "exclusions": [{"entry": e.entry, "type": e.type, "scope": list(e.scope),
                        "start": fr.iso(e.start), "end": fr.iso(e.end),
                        "duration_seconds": e.end - e.start, "author": e.author,
                        "reason": e.reason, "reference": e.reference, "late": e.late}
                       for e in c.exclusions],
        "incidents": [{"name": x.name, "priority": x.priority, "start": fr.iso(x.start),
                       "ticket_opened": fr.iso(x.ticket_opened), "restored": fr.iso(x.restored),
                       "calendar_seconds": x.calendar_seconds, "gti_seconds": x.gti_seconds,
                       "gti_met": x.gti_met, "gtr_seconds": x.gtr_seconds, "gtr_met": x.gtr_met,
                       "reference": x.reference} for x in c.incidents],
        "days": [{"date": d.date, "service_seconds": d.service,
                  "unavailable_seconds": d.unavailable, "rate_percent": d.rate} for d in c.days]}
