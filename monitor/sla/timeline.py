"""State timelines: from stored transitions, and for composite services from their members'.

A :class:`Timeline` covers ``[start, end)`` with contiguous ``(start, end, state)`` segments. The
state at ``start`` is the one of the last transition at or before it; with none, ``unmeasured``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from monitor.errors import VigieError
from monitor.sla import intervals as iv
from monitor.state import DOWN, STATES, UNMEASURED, UNREACHABLE, UP
from monitor.store import Transition

Segment = tuple[float, float, str]


@dataclass(frozen=True, slots=True)
class Timeline:
    start: float
    end: float
    segments: tuple[Segment, ...]

    def of(self, *states: str) -> iv.Intervals:
        """Intervals spent in any of ``states`` (merged)."""
        out: iv.Intervals = []
        for a, b, s in self.segments:
            if s in states:
                if out and out[-1][1] == a:
                    out[-1] = (out[-1][0], b)
                else:
                    out.append((a, b))
        return out

    def unavailable(self) -> iv.Intervals:
        return self.of(DOWN, UNREACHABLE)


def build(transitions: Iterable[Transition], start: float, end: float) -> Timeline:
    """Timeline of one asset over ``[start, end)`` from its transitions sorted by time (rows
    before ``start`` may be included: the last one gives the initial state)."""
    state, cur = UNMEASURED, start
    segs: list[Segment] = []
    for t in transitions:
        if t.state not in STATES:
            raise VigieError(f"unknown state {t.state!r} for {t.asset} at {t.ts}")
        if t.ts <= start:
            state = t.state
            continue
        if t.ts >= end:
            break
        if t.state == state:
            continue
        if t.ts > cur:
            segs.append((cur, t.ts, state))
            cur = t.ts
        elif segs and segs[-1][2] == t.state:  # rows at the same instant: the last one wins
            cur = segs.pop()[0]
        state = t.state
    if end > cur:
        segs.append((cur, end, state))
    return Timeline(start, end, tuple(segs))


def override(tl: Timeline, spans: Sequence[iv.Interval], state: str) -> Timeline:
    """``tl`` with ``state`` forced during ``spans``."""
    if not spans:
        return tl
    segs: list[Segment] = []
    for a, b, s in tl.segments:
        for x, y in iv.subtract([(a, b)], spans):
            segs.append((x, y, s))
    segs.extend((a, b, state) for a, b in iv.clip(spans, tl.start, tl.end))
    return _merge(tl.start, tl.end, sorted(segs))


def combine(members: Sequence[Timeline], needed: int, start: float, end: float) -> Timeline:
    """k-of-n: ``up`` when >= ``needed`` members are up, ``down`` when fewer could be up even if
    every unmeasured member were, else ``unmeasured``. Down and unreachable are both unavailable."""
    cuts = sorted({start, end, *(p for m in members for a, b, _ in m.segments for p in (a, b)
                                 if start < p < end)})
    idx = [0] * len(members)
    segs: list[Segment] = []
    for a, b in zip(cuts, cuts[1:]):
        up = unknown = 0
        for i, m in enumerate(members):
            s = m.segments
            while idx[i] < len(s) and s[idx[i]][1] <= a:
                idx[i] += 1
            st = s[idx[i]][2] if idx[i] < len(s) and s[idx[i]][0] <= a else UNMEASURED
            if st == UP:
                up += 1
            elif st == UNMEASURED:
                unknown += 1
        state = UP if up >= needed else DOWN if up + unknown < needed else UNMEASURED
        segs.append((a, b, state))
    return _merge(start, end, segs)


def _merge(start: float, end: float, segs: Sequence[Segment]) -> Timeline:
    out: list[Segment] = []
    for a, b, s in segs:
        if out and out[-1][2] == s and out[-1][1] == a:
            out[-1] = (out[-1][0], b, s)
        else:
            out.append((a, b, s))
    return Timeline(start, end, tuple(out))
