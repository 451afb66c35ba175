"""The sobriety report's two inline SVG charts, each with a text alternative.

* consumption by kind of equipment (vertical bars, :func:`monitor.report.svg.bar_chart`);
* indicators vs targets (horizontal bars on a 0-100 % axis, the target as a tick, the status written
  next to each bar: the colour is only a second cue).

Both are pictures of a table printed next to them. Coordinates are rounded to 0.1 (byte-stable).
"""

from __future__ import annotations

import math
from html import escape
from typing import Callable, Sequence

from monitor.energy.figure import Figure

from . import fr
from .html import figure
from .sobriety_model import Indicator, Scope
from .svg import BAR, BELOW, GRID, TEXT, Bar, _f, bar_chart

ROW, LABEL_W, W = 26, 300, 720
SHORT = {"workstations_off": "Postes éteints ou en veille hors horaires",
         "vms_off": "VM hors production éteintes hors horaires",
         "aps_off": "Bornes Wi-Fi éteintes hors horaires",
         "vm_density_gain": "Gain de densité de VM par nœud",
         "pages_reduction": "Baisse des pages vs année précédente",
         "duplex": "Pages en recto-verso", "mono": "Pages en noir et blanc"}
BAR_W = 220


def _nice(x: float) -> float:
    """The smallest 1/2/2.5/5 x 10^k at or above ``x`` (axis top)."""
    if x <= 0:
        return 1.0
    p = 10 ** math.floor(math.log10(x))
    return next(m * p for m in (1, 2, 2.5, 5, 10) if m * p >= x)


def scope_chart(kinds: Sequence[Scope], whole: Scope, name: Callable[[Scope], str]) -> str:
    hi = _nice(max(s.kwh.high for s in kinds))
    ticks = [hi * k / 5 for k in range(6)]
    parts = [f"{name(s)} {fr.number(s.kwh.value, 1)} kWh" for s in kinds]
    desc = (f"Consommation du mois par type d’équipement, total {fr.number(whole.kwh.value, 1)} kWh : "
            + ", ".join(parts) + ".")
    bars = [Bar(name(s), s.kwh.value, f"{name(s)} : {fr.number(s.kwh.value, 2)} kWh") for s in kinds]
    svg = bar_chart(bars, ident="graphe-perimetres", title="Consommation par type d’équipement (kWh)",
                    desc=desc, lo=0.0, hi=hi, ticks=ticks,
                    tick_label=lambda v: fr.number(v, 0 if hi >= 10 else 1) + fr.NNBSP + "kWh")
    return figure(svg, desc + " Valeurs exactes et fourchettes dans le tableau suivant.")


def kpi_chart(kpis: Sequence[Indicator], value: Callable[[Figure | None, str], str],
              target: Callable[[Indicator], str]) -> str:
    """Horizontal bars: each KPI's ratio (clamped to 0-100 %) with its target as a black tick."""
    if not kpis:
        return ""
    h = 24 + ROW * len(kpis) + 30
    x0 = LABEL_W

    def x(v: float) -> float:
        return x0 + BAR_W * min(max(v, 0.0), 1.0)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {h}" role="img" '
           'aria-labelledby="graphe-kpi-t graphe-kpi-d" font-family="DejaVu Sans, sans-serif" font-size="10">',
           '<title id="graphe-kpi-t">Indicateurs de l’ensemble du parc et objectifs</title>']
    desc = "; ".join(f"{k.label} : {value(k.value, 'ratio')}, objectif {target(k)}, {k.status}" for k in kpis)
    out.append(f'<desc id="graphe-kpi-d">{escape(desc)}.</desc>')
    for t in (0.0, 0.25, 0.5, 0.75, 1.0):
        out.append(f'<line x1="{_f(x(t))}" y1="16" x2="{_f(x(t))}" y2="{h - 26}" stroke="{GRID}" stroke-width="1"/>')
        out.append(f'<text x="{_f(x(t))}" y="12" text-anchor="middle" fill="{TEXT}">'
                   f'{escape(fr.number(t * 100, 0))}{fr.NNBSP}%</text>')
    for i, k in enumerate(kpis):
        y = 20 + ROW * i
        label = SHORT.get(k.key, k.label)
        out.append(f'<text x="{x0 - 6}" y="{_f(y + 13)}" text-anchor="end" fill="{TEXT}">{escape(label)}</text>')
        if k.value is not None:
            colour = BELOW if k.status == "non atteint" else BAR
            width = x(k.value.value) - x0
            out.append(f'<rect x="{x0}" y="{_f(y + 3)}" width="{_f(width)}" height="{ROW - 10}" fill="{colour}">'
                       f'<title>{escape(k.label)} : {escape(value(k.value, "ratio"))}</title></rect>')
        if k.target is not None:
            tx = _f(x(k.target))
            out.append(f'<line x1="{tx}" y1="{_f(y)}" x2="{tx}" y2="{_f(y + ROW - 4)}" stroke="{TEXT}" '
                       'stroke-width="2.5"/>')
        sym = {"atteint": "✓", "non atteint": "✗"}.get(k.status, "–")
        shown = f"{value(k.value, 'ratio')} {sym} {k.status}"
        out.append(f'<text x="{x0 + BAR_W + 10}" y="{_f(y + 13)}" fill="{TEXT}">{escape(shown)}</text>')
    ly = h - 10
    out.append(f'<line x1="{x0}" y1="{ly - 9}" x2="{x0}" y2="{ly + 1}" stroke="{TEXT}" stroke-width="2.5"/>')
    out.append(f'<text x="{x0 + 6}" y="{ly}" fill="{TEXT}">objectif</text>')
    out.append(f'<rect x="{x0 + 70}" y="{ly - 8}" width="10" height="10" fill="{BAR}"/>')
    out.append(f'<text x="{x0 + 86}" y="{ly}" fill="{TEXT}">atteint</text>')
    out.append(f'<rect x="{x0 + 140}" y="{ly - 8}" width="10" height="10" fill="{BELOW}"/>')
    out.append(f'<text x="{x0 + 156}" y="{ly}" fill="{TEXT}">non atteint</text>')
    out.append("</svg>")
    return figure("\n".join(out), "Indicateurs de l’ensemble du parc : barre = valeur du mois (bornée à "
                  "0–100 %), trait noir = objectif ; statut écrit à droite. Valeurs exactes dans le tableau.")
