"""Response-time objectives in the contracts' form: "< 2 s for 80 % of checks, < 5 s for 100 %".

Only checks taken inside service hours count. A failed check (``None`` seconds: timeout, refused...)
meets no threshold. Strictly below the limit counts as within (``< 2 s``).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from monitor.errors import ConfigError
from monitor.sla import intervals as iv

_OBJ = re.compile(r"<\s*(\d+(?:\.\d+)?)\s*s\s+for\s+(\d+(?:\.\d+)?)\s*%")


@dataclass(frozen=True, slots=True)
class Objective:
    limit_seconds: float
    percent: float

    def __post_init__(self) -> None:
        if self.limit_seconds <= 0 or not 0 < self.percent <= 100:
            raise ConfigError(f"bad response objective < {self.limit_seconds} s for {self.percent} %")


@dataclass(frozen=True, slots=True)
class ObjectiveResult:
    objective: Objective
    checks: int
    within: int
    share: float | None   # percent of checks within the limit; None without checks
    met: bool | None
    offenders: tuple[tuple[float, float | None], ...]  # checks at or over the limit, or failed


@dataclass(frozen=True, slots=True)
class ResponseFigure:
    checks: int          # checks inside service hours
    ignored: int         # checks outside service hours
    results: tuple[ObjectiveResult, ...]

    @property
    def met(self) -> bool | None:
        vals = [r.met for r in self.results]
        return None if None in vals else all(vals)


def parse_objectives(text: str) -> tuple[Objective, ...]:
    """``"< 2 s for 80 %, < 5 s for 100 %"`` -> two objectives."""
    found = _OBJ.findall(text)
    rest = re.sub(r"[\s,;]+|\band\b|\bet\b", "", _OBJ.sub("", text))
    if not found or rest:
        raise ConfigError(f"cannot read response objectives {text!r} (e.g. '< 2 s for 80 %')")
    return tuple(Objective(float(a), float(b)) for a, b in found)


def evaluate(samples: Iterable[tuple[float, float | None]], service: Sequence[iv.Interval],
             objectives: Sequence[Objective]) -> ResponseFigure:
    """Score ``(timestamp, seconds or None)`` checks taken inside ``service`` against objectives."""
    starts = [a for a, _ in service]
    inside: list[tuple[float, float | None]] = []
    ignored = 0
    for ts, secs in samples:
        i = bisect.bisect_right(starts, ts) - 1
        if i >= 0 and ts < service[i][1]:
            inside.append((ts, secs))
        else:
            ignored += 1
    results = []
    for ob in objectives:
        bad = tuple((ts, s) for ts, s in inside if s is None or s >= ob.limit_seconds)
        n, ok = len(inside), len(inside) - len(bad)
        share = ok / n * 100 if n else None
        results.append(ObjectiveResult(ob, n, ok, share, None if share is None else share >= ob.percent, bad))
    return ResponseFigure(len(inside), ignored, tuple(results))
