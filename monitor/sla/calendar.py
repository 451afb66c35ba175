"""Service calendars in Europe/Paris wall-clock time: 24x7, weekly ranges, 8/5 without public holidays.

A :class:`Calendar` turns a UTC span into the UTC epoch-second intervals of service time inside it.
Ranges are wall-clock times of each local day, converted with :mod:`zoneinfo`, so a 24x7 day is
23 h on the last Sunday of March and 25 h on the last Sunday of October. A range boundary that
falls in the spring-forward gap (02:00-03:00) is read with the pre-change offset (``fold=0``);
in the autumn repeated hour, ``fold=0`` picks the first occurrence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Mapping, Sequence
from zoneinfo import ZoneInfo

import holidays as _holidays
from dateutil.easter import easter

from monitor.errors import ConfigError
from monitor.sla import intervals as iv

PARIS = ZoneInfo("Europe/Paris")
DAY = 86400
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Alsace-Moselle: Bas-Rhin (67), Haut-Rhin (68), Moselle (57); `holidays` names Alsace "6AE".
ALSACE_MOSELLE = frozenset({"57", "67", "68", "6AE", "alsace-moselle", "alsace", "moselle"})

Range = tuple[int, int]  # seconds since local midnight, end may be 86400 (24:00)


def parse_hhmm(text: str) -> int:
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
    if not m or int(m[2]) > 59 or int(m[1]) * 3600 + int(m[2]) * 60 > DAY:
        raise ConfigError(f"bad time of day {text!r} (expected HH:MM, 00:00 to 24:00)")
    return int(m[1]) * 3600 + int(m[2]) * 60


def to_ts(t: datetime | float) -> float:
    """UTC epoch seconds of an aware datetime (naive datetimes are refused) or a number."""
    if isinstance(t, datetime):
        if t.tzinfo is None:
            raise ValueError("naive datetime: give a timezone (UTC or Europe/Paris)")
        return t.timestamp()
    return float(t)


def local_ts(d: date, seconds: int) -> float:
    """Epoch of ``seconds`` after local midnight of ``d`` in Paris wall-clock time (24:00 = next day)."""
    if seconds >= DAY:
        d, seconds = d + timedelta(days=1), seconds - DAY
    h, rest = divmod(seconds, 3600)
    return datetime.combine(d, time(h, rest // 60), tzinfo=PARIS).timestamp()


def local_date(ts: float) -> date:
    return datetime.fromtimestamp(ts, PARIS).date()


def month_bounds(year: int, month: int) -> tuple[float, float]:
    """[local midnight on the 1st, local midnight on the 1st of next month) as epoch seconds."""
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return local_ts(date(year, month, 1), 0), local_ts(nxt, 0)


@dataclass(frozen=True, slots=True)
class Calendar:
    """Weekly wall-clock ranges (index 0 = Monday), minus public holidays and contract closures.

    ``holidays``: ``None`` (holidays are worked) or a country code (``"FR"``); ``subdiv``: a
    subdivision such as ``"57"``/``"67"``/``"68"`` (Alsace-Moselle adds Good Friday and 26 Dec).
    ``closed_days``: local dates closed in full; ``closed``: extra closed UTC epoch intervals.
    """

    name: str
    weekly: tuple[tuple[Range, ...], ...]
    holidays: str | None = None
    subdiv: str | None = None
    closed_days: frozenset[date] = frozenset()
    closed: tuple[iv.Interval, ...] = ()
    _closed_norm: tuple[iv.Interval, ...] = field(default=(), init=False, repr=False, compare=False)
    _holiday_cache: dict[int, frozenset[date]] = field(default_factory=dict, init=False, repr=False,
                                                       compare=False)   # year -> dates (this country/subdiv)

    def __post_init__(self) -> None:
        if len(self.weekly) != 7:
            raise ConfigError(f"calendar {self.name}: weekly schedule needs 7 days")
        for day in self.weekly:
            for a, b in day:
                if not 0 <= a < b <= DAY:
                    raise ConfigError(f"calendar {self.name}: bad range {a}-{b} s")
        object.__setattr__(self, "weekly", tuple(tuple(iv.normalize(d)) for d in self.weekly))
        object.__setattr__(self, "_closed_norm", tuple(iv.normalize(self.closed)))

    # --- constructors ------------------------------------------------------------------------
    @classmethod
    def always(cls, name: str = "24x7", **kw: object) -> "Calendar":
        return cls(name, tuple(((0, DAY),) for _ in range(7)), **kw)  # type: ignore[arg-type]

    @classmethod
    def weekly_ranges(cls, name: str, days: Mapping[str, Sequence[tuple[str, str]]],
                      **kw: object) -> "Calendar":
        """``{"mon-fri": [("09:00", "12:00"), ("14:00", "18:00")], "sat": [...]}``."""
        week: list[list[Range]] = [[] for _ in range(7)]
        for key, ranges in days.items():
            for d in _day_set(key):
                week[d].extend((parse_hhmm(a), parse_hhmm(b)) for a, b in ranges)
        return cls(name, tuple(tuple(d) for d in week), **kw)  # type: ignore[arg-type]

    @classmethod
    def business(cls, name: str = "8/5", start: str = "08:00", end: str = "19:00",
                 subdiv: str | None = None, **kw: object) -> "Calendar":
        """Monday-Friday ``start``-``end`` without French public holidays (8/5 by default)."""
        return cls.weekly_ranges(name, {"mon-fri": [(start, end)]}, holidays="FR",
                                 subdiv=subdiv, **kw)

    # --- queries -----------------------------------------------------------------------------
    def holiday_dates(self, year: int) -> frozenset[date]:
        """Public holidays of ``year`` (computed once per calendar and year: the tick path asks often)."""
        if self.holidays is None:
            return frozenset()
        cached = self._holiday_cache.get(year)
        if cached is None:
            cached = self._holiday_cache[year] = self._compute_holidays(year)
        return cached

    def _compute_holidays(self, year: int) -> frozenset[date]:
        if self.subdiv is not None and self.subdiv.lower() in {s.lower() for s in ALSACE_MOSELLE}:
            base = set(_holidays.country_holidays(self.holidays, years=year))
            return frozenset(base | {easter(year) - timedelta(days=2), date(year, 12, 26)})
        try:
            return frozenset(_holidays.country_holidays(self.holidays, subdiv=self.subdiv, years=year))
        except NotImplementedError as err:
            raise ConfigError(f"calendar {self.name}: unknown holidays "
                              f"{self.holidays}/{self.subdiv}") from err

    def intervals(self, start: datetime | float, end: datetime | float) -> iv.Intervals:
        """UTC epoch intervals of service time inside ``[start, end)``."""
        a, b = to_ts(start), to_ts(end)
        if b <= a:
            return []
        d, last = local_date(a) - timedelta(days=1), local_date(b)
        years: dict[int, frozenset[date]] = {}
        out: iv.Intervals = []
        while d <= last:
            if d.year not in years:
                years[d.year] = self.holiday_dates(d.year)
            if d not in years[d.year] and d not in self.closed_days:
                out.extend((local_ts(d, s), local_ts(d, e)) for s, e in self.weekly[d.weekday()])
            d += timedelta(days=1)
        return iv.subtract(iv.clip(iv.normalize(out), a, b), list(self._closed_norm))

    def in_service(self, t: datetime | float) -> bool:
        ts = to_ts(t)
        return iv.contains(self.intervals(ts - DAY, ts + DAY), ts)

    def service_seconds(self, start: datetime | float, end: datetime | float) -> float:
        return iv.total(self.intervals(start, end))

    def add_service_time(self, t: datetime | float, seconds: float, *,
                         horizon_days: int = 3660) -> float:
        """Earliest epoch ``u >= t`` with ``seconds`` of service time in ``[t, u)`` (GTI/GTR deadlines)."""
        cur, left = to_ts(t), float(seconds)
        if left <= 0:
            return cur
        stop = cur + horizon_days * DAY
        while cur < stop:
            chunk_end = cur + 31 * DAY
            for a, b in self.intervals(cur, chunk_end):
                if b - a >= left:
                    return a + left
                left -= b - a
            cur = chunk_end
        raise ConfigError(f"calendar {self.name}: no {seconds} s of service within {horizon_days} days")


def _day_set(key: str) -> list[int]:
    out: list[int] = []
    for part in key.lower().replace(" ", "").split(","):
        if "-" in part:
            a, b = part.split("-", 1)
            if a not in WEEKDAYS or b not in WEEKDAYS:
                raise ConfigError(f"bad day range {part!r}")
            i, j = WEEKDAYS.index(a), WEEKDAYS.index(b)
            out.extend(range(i, j + 1) if i <= j else [*range(i, 7), *range(0, j + 1)])
        elif part in WEEKDAYS:
            out.append(WEEKDAYS.index(part))
        else:
            raise ConfigError(f"bad day {part!r} (mon..sun)")
    return out


def closure(start: datetime, end: datetime) -> iv.Interval:
    """A closed interval from two aware datetimes (e.g. in ``PARIS``)."""
    return (to_ts(start), to_ts(end))


def utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, timezone.utc)


def paris(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, PARIS)
