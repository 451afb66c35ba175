"""Interval arithmetic on sorted, disjoint, half-open ``[start, end)`` lists of float seconds.

Every function takes and returns *normalised* lists (sorted, disjoint, non-adjacent, non-empty
intervals); :func:`normalize` makes one from anything.
"""

from __future__ import annotations

from typing import Iterable, Sequence

Interval = tuple[float, float]
Intervals = list[Interval]


def normalize(items: Iterable[Interval]) -> Intervals:
    """Sort, drop empty intervals, merge overlapping or touching ones."""
    out: Intervals = []
    for a, b in sorted(i for i in items if i[1] > i[0]):
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def union(x: Sequence[Interval], y: Sequence[Interval]) -> Intervals:
    if not x:
        return list(y)
    if not y:
        return list(x)
    return normalize([*x, *y])


def intersect(x: Sequence[Interval], y: Sequence[Interval]) -> Intervals:
    out: Intervals = []
    i = j = 0
    while i < len(x) and j < len(y):
        a = max(x[i][0], y[j][0])
        b = min(x[i][1], y[j][1])
        if a < b:
            out.append((a, b))
        if x[i][1] < y[j][1]:
            i += 1
        else:
            j += 1
    return out


def subtract(x: Sequence[Interval], y: Sequence[Interval]) -> Intervals:
    """``x`` minus ``y``."""
    if not y:
        return list(x)
    out: Intervals = []
    j = 0
    for a, b in x:
        while j < len(y) and y[j][1] <= a:
            j += 1
        k = j
        cur = a
        while k < len(y) and y[k][0] < b:
            if y[k][0] > cur:
                out.append((cur, y[k][0]))
            cur = max(cur, y[k][1])
            k += 1
        if cur < b:
            out.append((cur, b))
    return out


def clip(x: Sequence[Interval], start: float, end: float) -> Intervals:
    return intersect(x, [(start, end)]) if end > start else []


def total(x: Iterable[Interval]) -> float:
    return sum(b - a for a, b in x)


def contains(x: Sequence[Interval], t: float) -> bool:
    return any(a <= t < b for a, b in x)
