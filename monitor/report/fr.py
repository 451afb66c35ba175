"""French formatting for reports: numbers, percentages, durations, dates (Europe/Paris).

Typography: decimal comma; thousands and the space before ``%`` or a unit are U+202F
(espace fine insécable), so "1 234,5 h" never breaks across lines. Rates are *truncated*, never
rounded up: 99.8996 % shows "99,89 %", so a figure shown never looks better than it is (the
status conforme / non conforme is always decided on the exact value).
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal

from monitor.sla.calendar import PARIS

NNBSP = "\u202f"  # espace fine insécable
MINUS = "\u2212"
DASH = "\u2014"  # shown for "no value" (no service hours, not measured)
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def number(x: float | None, decimals: int = 2, *, truncate: bool = False) -> str:
    """``1234.5`` -> "1 234,50" (U+202F thousands, decimal comma); None -> "—"."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return DASH
    q = Decimal(1).scaleb(-decimals)
    d = Decimal(repr(float(x))).quantize(q, rounding=ROUND_DOWN if truncate else ROUND_HALF_EVEN)
    if d == 0:
        d = abs(d)  # no "-0,00"
    sign = MINUS if d < 0 else ""
    whole, _, frac = f"{abs(d):f}".partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return sign + NNBSP.join(groups) + ("," + frac if frac else "")


def percent(x: float | None, decimals: int = 2) -> str:
    """A rate (truncated): ``99.8765`` -> "99,87 %"."""
    return DASH if x is None else number(x, decimals, truncate=True) + NNBSP + "%"


def target(x: float) -> str:
    """A contract target, shown with the decimals it needs: 99.9 -> "99,9 %", 98 -> "98 %"."""
    text = number(x, 3).rstrip("0").rstrip(",")
    return text + NNBSP + "%"


def hours(seconds: float | None, decimals: int = 2) -> str:
    """Seconds as decimal hours: ``2682000`` -> "745,00 h"."""
    return DASH if seconds is None else number(seconds / 3600, decimals) + NNBSP + "h"


def duration(seconds: float | None) -> str:
    """``11520`` -> "3 h 12 min"; "12 min 5 s" under an hour; "5 s"; negative with "−"."""
    if seconds is None:
        return DASH
    s = int(round(seconds))
    sign, s = (MINUS if s < 0 else ""), abs(s)
    if s >= 3600:
        m = int(round(s / 60))
        h, m = divmod(m, 60)
        text = f"{number(h, 0)}{NNBSP}h" + (f" {m:02d}{NNBSP}min" if m else "")
    elif s >= 60:
        m, r = divmod(s, 60)
        text = f"{m}{NNBSP}min" + (f" {r:02d}{NNBSP}s" if r else "")
    else:
        text = f"{s}{NNBSP}s"
    return sign + text


def month(year: int, month_: int) -> str:
    """"octobre 2026"."""
    return f"{MONTHS[month_ - 1]} {year}"


def day(d: date) -> str:
    """"samedi 10 octobre 2026"."""
    return f"{WEEKDAYS[d.weekday()]} {d.day} {MONTHS[d.month - 1]} {d.year}"


def short_date(d: date) -> str:
    return f"{d.day:02d}/{d.month:02d}"


def datetime_(ts: float | None) -> str:
    """Paris wall-clock "10/10/2026 10:00"; inside the repeated autumn hour the offset is added
    ("25/10/2026 02:30 UTC+1") so that the two 02:30 of that night are told apart."""
    if ts is None:
        return DASH
    t = datetime.fromtimestamp(ts, PARIS)
    text = f"{t.day:02d}/{t.month:02d}/{t.year} {t.hour:02d}:{t.minute:02d}"
    if t.second:
        text += f":{t.second:02d}"
    other = t.replace(fold=1 - t.fold)
    if other.utcoffset() != t.utcoffset():
        off = int((t.utcoffset() or timedelta()).total_seconds() // 3600)
        text += f" UTC+{off}"
    return text


def iso(ts: float | None) -> str | None:
    """ISO 8601 with the Paris offset, to the second (JSON and CSV)."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, PARIS).isoformat(timespec="seconds")


def plain(x: float | None, decimals: int = 6) -> str:
    """A number for CSV: decimal comma, no thousands separator, trailing zeros removed."""
    if x is None:
        return ""
    d = Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_EVEN)
    text = f"{d:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text.replace(".", ",")
