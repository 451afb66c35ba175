"""Pure sobriety KPI arithmetic: outside-hours windows, per-window compliance, shares vs targets.

A *window* is one stretch of time outside opening hours (e.g. Friday 19:00 to Monday 08:00, local
time). A subject (a workstation, a non-production VM, an AP's PoE port) is *compliant* over a window
when it was seen on for at most ``grace`` seconds of it, and the window counts only when polls
covered at least half of it. A KPI's ratio is compliant windows / counted windows. Clock-free:
callers pass times in.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from monitor.energy.figure import Figure, Provenance
from monitor.sla import intervals as iv
from monitor.sla.calendar import DAY, Calendar

#: How far around a time to look for the bounds of its window (covers long closures).
SEARCH = 16 * DAY


class Status(StrEnum):
    MET = "atteint"
    NOT_MET = "non atteint"
    UNMEASURED = "non mesuré"


def outside_intervals(cal: Calendar, start: float, end: float) -> iv.Intervals:
    """Epoch intervals outside opening hours within ``[start, end)``."""
    return iv.subtract([(start, end)], cal.intervals(start, end))


def window_of(cal: Calendar, t: float) -> tuple[float, float] | None:
    """The whole outside-hours window containing ``t`` (None during opening hours).

    Bounds further than :data:`SEARCH` away are cut there (a closure longer than two weeks).
    """
    for a, b in outside_intervals(cal, t - SEARCH, t + SEARCH):
        if a <= t < b:
            return a, b
    return None


def split_by_window(cal: Calendar, t0: float, t1: float) -> list[tuple[tuple[float, float], float]]:
    """Parts of ``[t0, t1)`` outside opening hours, each with its window: [((start, end), seconds)]."""
    out = []
    for a, b in outside_intervals(cal, t0, t1):
        w = window_of(cal, a)
        if w is not None:
            out.append((w, b - a))
    return out


class WindowCache:
    """:func:`split_by_window` with the outside-hours intervals of each calendar computed once per
    :data:`SEARCH` span instead of at every poll (same results)."""

    def __init__(self) -> None:
        self._spans: dict[int, tuple[Calendar, float, float, iv.Intervals]] = {}

    def split(self, cal: Calendar, t0: float, t1: float) -> list[tuple[tuple[float, float], float]]:
        cached = self._spans.get(id(cal))
        if cached is None or cached[0] is not cal or not (cached[1] + SEARCH / 2 <= t0
                                                          and t1 <= cached[2] - SEARCH / 2):
            lo, hi = t0 - SEARCH, t1 + SEARCH
            cached = (cal, lo, hi, outside_intervals(cal, lo, hi))
            self._spans[id(cal)] = cached
        out = []
        for a, b in cached[3]:
            if b <= t0 or a >= t1:
                continue
            out.append(((a, b), min(b, t1) - max(a, t0)))
        return out


def compliant(on_s: float, observed_s: float, window_s: float, grace: float) -> bool | None:
    """Was the subject off (or asleep) over the window? None when under half of it was observed."""
    if window_s <= 0 or observed_s < 0.5 * window_s:
        return None
    return on_s <= grace


@dataclass(frozen=True, slots=True)
class Kpi:
    """One indicator against its target. ``ratio`` is None when nothing could be measured."""

    kpi: str
    site: str            # a site id, or "fleet"
    ratio: Figure | None
    target: float
    status: Status
    numerator: float = 0.0
    denominator: float = 0.0
    note: str = ""

    @property
    def met(self) -> bool | None:
        return None if self.status is Status.UNMEASURED else self.status is Status.MET


def _status(value: float | None, target: float) -> Status:
    if value is None:
        return Status.UNMEASURED
    return Status.MET if value >= target - 1e-12 else Status.NOT_MET


def share_kpi(kpi: str, site: str, good: float, counted: float, target: float,
              provenance: Provenance = Provenance.MEASURED, note: str = "") -> Kpi:
    """``good / counted`` vs ``target`` (e.g. 9 of 10 workstations off -> 0.9 -> atteint at 0.9)."""
    if counted <= 0:
        return Kpi(kpi, site, None, target, Status.UNMEASURED, good, counted, note)
    r = Figure.exact(good / counted, "ratio", provenance)
    return Kpi(kpi, site, r, target, _status(r.value, target), good, counted, note)


def change_kpi(kpi: str, site: str, current: float | None, baseline: float | None, target: float, *,
               reduction: bool, provenance: Provenance = Provenance.MEASURED, note: str = "") -> Kpi:
    """Relative change vs a baseline: ``1 - cur/base`` for a reduction, ``cur/base - 1`` for a gain.

    The ratio may be negative (a drift the wrong way); ``target`` is the change to reach (0.30 = -30 %).
    """
    if current is None or baseline is None or baseline <= 0:
        return Kpi(kpi, site, None, target, Status.UNMEASURED, current or 0.0, baseline or 0.0, note)
    change = 1.0 - current / baseline if reduction else current / baseline - 1.0
    r = Figure.exact(change, "ratio", provenance)
    return Kpi(kpi, site, r, target, _status(change, target), current, baseline, note)
