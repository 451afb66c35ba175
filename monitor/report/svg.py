"""Inline SVG bar charts for the reports (no script, no external font), with a text alternative.

The SVG carries ``role="img"`` with ``<title>`` and ``<desc>``; the exact values are always also
given in a table next to it (the chart is a picture of that table, never the only source).
Coordinates are rounded to 0.1 so the output is byte-stable.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Callable, Sequence

W, H = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 10, 48
BAR = "#1f5f8b"       # 6.9:1 on white
BELOW = "#a3231f"     # bars under the reference line
GRID = "#c8c8c8"
TEXT = "#1a1a1a"


@dataclass(frozen=True, slots=True)
class Bar:
    label: str            # x-axis label (e.g. "25")
    value: float | None   # None: no bar, a dash is drawn
    note: str = ""        # tooltip text (<title>)


def wrap_label(label: str, width_px: float, char_px: float = 6.0) -> list[str]:
    """At most two lines that fit ``width_px`` (split on spaces; the second is cut with "…")."""
    max_chars = max(int(width_px / char_px), 4)
    if len(label) <= max_chars:
        return [label]
    words, first = label.split(" "), ""
    while words and len(f"{first} {words[0]}".strip()) <= max_chars:
        first = f"{first} {words.pop(0)}".strip()
    if not first:  # one long word
        return [label[:max_chars - 1] + "…"]
    rest = " ".join(words)
    return [first, rest if len(rest) <= max_chars else rest[:max_chars - 1] + "…"]


def _f(x: float) -> str:
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def bar_chart(bars: Sequence[Bar], *, ident: str, title: str, desc: str, lo: float, hi: float,
              ticks: Sequence[float], tick_label: Callable[[float], str],
              reference: float | None = None, reference_label: str = "",
              legend: tuple[str, str] = ("au niveau de la référence ou au-dessus",
                                         "sous la référence")) -> str:
    """Vertical bars from ``lo`` to each value on a ``[lo, hi]`` axis; values under
    ``reference`` are drawn in a second colour and the reference as a dashed line."""
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM
    n = max(len(bars), 1)
    step = pw / n
    bw = step * 0.7

    def y(v: float) -> float:
        v = min(max(v, lo), hi)
        return TOP + ph * (1 - (v - lo) / (hi - lo)) if hi > lo else TOP

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" role="img" '
           f'aria-labelledby="{ident}-t {ident}-d" font-family="DejaVu Sans, sans-serif" '
           f'font-size="10">',
           f'<title id="{ident}-t">{escape(title)}</title>',
           f'<desc id="{ident}-d">{escape(desc)}</desc>']
    for t in ticks:
        yy = _f(y(t))
        out.append(f'<line x1="{LEFT}" y1="{yy}" x2="{W - RIGHT}" y2="{yy}" stroke="{GRID}" '
                   f'stroke-width="1"/>')
        out.append(f'<text x="{LEFT - 4}" y="{_f(y(t) + 3.5)}" text-anchor="end" '
                   f'fill="{TEXT}">{escape(tick_label(t))}</text>')
    for i, b in enumerate(bars):
        x = LEFT + i * step + (step - bw) / 2
        cx = _f(x + bw / 2)
        if b.value is None:
            out.append(f'<text x="{cx}" y="{_f(TOP + ph - 3)}" text-anchor="middle" '
                       f'fill="{TEXT}">–</text>')
        else:
            top = y(b.value)
            colour = BELOW if reference is not None and b.value < reference else BAR
            h = max(TOP + ph - top, 0.0)
            note = f"<title>{escape(b.note)}</title>" if b.note else ""
            out.append(f'<rect x="{_f(x)}" y="{_f(top)}" width="{_f(bw)}" height="{_f(h)}" '
                       f'fill="{colour}">{note}</rect>')
        lines = wrap_label(b.label, step)
        spans = "".join(f'<tspan x="{cx}" dy="{0 if k == 0 else 11}">{escape(t)}</tspan>'
                        for k, t in enumerate(lines))
        out.append(f'<text x="{cx}" y="{_f(TOP + ph + 13)}" text-anchor="middle" '
                   f'fill="{TEXT}">{spans}</text>')
    if reference is not None and lo <= reference <= hi:
        yy = _f(y(reference))
        out.append(f'<line x1="{LEFT}" y1="{yy}" x2="{W - RIGHT}" y2="{yy}" stroke="{TEXT}" '
                   f'stroke-width="1.5" stroke-dasharray="6 4"/>')
    if reference is not None:  # legend under the axis labels, never over the bars
        ly = H - 10
        out.append(f'<line x1="{LEFT}" y1="{ly - 3}" x2="{LEFT + 24}" y2="{ly - 3}" stroke="{TEXT}" '
                   f'stroke-width="1.5" stroke-dasharray="6 4"/>')
        out.append(f'<text x="{LEFT + 30}" y="{ly}" fill="{TEXT}">{escape(reference_label)}</text>')
        out.append(f'<rect x="{LEFT + 220}" y="{ly - 8}" width="10" height="10" fill="{BAR}"/>')
        out.append(f'<text x="{LEFT + 236}" y="{ly}" fill="{TEXT}">{escape(legend[0])}</text>')
        out.append(f'<rect x="{LEFT + 420}" y="{ly - 8}" width="10" height="10" fill="{BELOW}"/>')
        out.append(f'<text x="{LEFT + 436}" y="{ly}" fill="{TEXT}">{escape(legend[1])}</text>')
    out.append(f'<line x1="{LEFT}" y1="{TOP + ph}" x2="{W - RIGHT}" y2="{TOP + ph}" '
               f'stroke="{TEXT}" stroke-width="1"/>')
    out.append("</svg>")
    return "\n".join(out)
