"""Calendars, hand-worked. H = 3600 s. Local times are Europe/Paris wall clock."""

from datetime import date, datetime, timezone

import holidays
import pytest

from monitor.errors import ConfigError
from monitor.sla.calendar import PARIS, Calendar, closure, month_bounds

H = 3600.0
ALWAYS = Calendar.always()
BUSINESS = Calendar.business()  # 8/5: Mon-Fri 08:00-19:00, French public holidays closed
ALSACE = Calendar.business("8/5 Alsace-Moselle", subdiv="57")
PSG = Calendar.weekly_ranges("PSG", {"mon-fri": [("09:00", "12:00"), ("14:00", "18:00")]})


def L(y, m, d, h=0, mi=0):
    """Epoch of a Paris wall-clock time."""
    return datetime(y, m, d, h, mi, tzinfo=PARIS).timestamp()


def U(y, m, d, h=0, mi=0):
    return datetime(y, m, d, h, mi, tzinfo=timezone.utc).timestamp()


@pytest.mark.parametrize("cal, year, month, hours", [
    # October 2026: 31 days x 24 h, plus 1 h given back on Sunday 25 Oct (03:00 CEST -> 02:00 CET)
    (ALWAYS, 2026, 10, 31 * 24 + 1),   # 745
    # March 2026: 31 x 24, minus 1 h lost on Sunday 29 Mar (02:00 CET -> 03:00 CEST)
    (ALWAYS, 2026, 3, 31 * 24 - 1),    # 743
    (ALWAYS, 2026, 11, 30 * 24),       # 720, no change of offset
    # May 2026: Fri 1, Mon 4..Fri 29 -> 21 weekdays; holidays on weekdays: Fri 1 (Labour day),
    # Fri 8 (Victory), Thu 14 (Ascension), Mon 25 (Whit Monday) -> 17 days x 11 h
    (BUSINESS, 2026, 5, 17 * 11),      # 187
    # April 2026: Wed 1, Thu 2, Fri 3, 6-10, 13-17, 20-24, 27-30 -> 3 + 15 + 4 = 22 weekdays;
    # Easter Monday 6 Apr -> 21 x 11 h
    (BUSINESS, 2026, 4, 21 * 11),      # 231
    # Alsace-Moselle also closes Good Friday 3 Apr -> 20 x 11 h
    (ALSACE, 2026, 4, 20 * 11),        # 220
    # October 2026: Thu 1, Fri 2, 5-9, 12-16, 19-23, 26-30 -> 22 weekdays x (3 h + 4 h); the DST
    # night is a Sunday, so it changes nothing here
    (PSG, 2026, 10, 22 * 7),           # 154
    # March 2026 8/5: Mon 2..Tue 31 -> 22 weekdays, no holiday; DST Sunday changes nothing
    (BUSINESS, 2026, 3, 22 * 11),      # 242
])
def test_month_service_hours(cal, year, month, hours):
    a, b = month_bounds(year, month)
    assert cal.service_seconds(a, b) == hours * H


def test_month_bounds_are_local_midnights():
    a, b = month_bounds(2026, 10)
    assert a == U(2026, 9, 30, 22)   # 1 Oct 00:00 CEST = 30 Sep 22:00 UTC
    assert b == U(2026, 10, 31, 23)  # 1 Nov 00:00 CET = 31 Oct 23:00 UTC
    assert month_bounds(2026, 12)[1] == U(2026, 12, 31, 23)  # 1 Jan 2027 00:00 CET


def test_dst_days_are_23_and_25_hours():
    assert ALWAYS.service_seconds(L(2026, 3, 29), L(2026, 3, 30)) == 23 * H
    assert ALWAYS.service_seconds(L(2026, 10, 25), L(2026, 10, 26)) == 25 * H
    # 8/5 on the Monday after spring-forward: 08:00 CEST = 06:00 UTC
    assert BUSINESS.intervals(L(2026, 3, 30), L(2026, 3, 31)) == [(U(2026, 3, 30, 6), U(2026, 3, 30, 17))]


def test_psg_split_ranges_in_utc():
    # Monday 12 Oct 2026 (CEST, UTC+2): 09-12 -> 07-10 UTC, 14-18 -> 12-16 UTC
    got = PSG.intervals(datetime(2026, 10, 12, tzinfo=PARIS), datetime(2026, 10, 13, tzinfo=PARIS))
    assert got == [(U(2026, 10, 12, 7), U(2026, 10, 12, 10)), (U(2026, 10, 12, 12), U(2026, 10, 12, 16))]
    assert PSG.in_service(L(2026, 10, 12, 11, 59)) and not PSG.in_service(L(2026, 10, 12, 12))
    assert not PSG.in_service(L(2026, 10, 10, 10))  # Saturday


def test_holidays_and_alsace_moselle():
    assert not BUSINESS.in_service(L(2026, 5, 14, 10))     # Ascension
    assert BUSINESS.in_service(L(2026, 4, 3, 10))          # Good Friday: worked in most of France
    assert not ALSACE.in_service(L(2026, 4, 3, 10))        # ... but not in Alsace-Moselle
    assert date(2026, 12, 26) in ALSACE.holiday_dates(2026)
    assert date(2026, 12, 26) not in BUSINESS.holiday_dates(2026)
    # Our Alsace-Moselle list agrees with the package's own subdivision where it has one.
    if "57" in holidays.FR.subdivisions:
        assert ALSACE.holiday_dates(2026) == frozenset(holidays.FR(subdiv="57", years=2026))


def test_extra_closures():
    # a closed day (Fri 2 Oct) and a closed afternoon (Mon 5 Oct 14:00-19:00) on 8/5
    cal = Calendar.business(closed_days=frozenset({date(2026, 10, 2)}),
                            closed=(closure(datetime(2026, 10, 5, 14, tzinfo=PARIS),
                                            datetime(2026, 10, 5, 19, tzinfo=PARIS)),))
    # Thu 1: 11 h, Fri 2: closed, Mon 5: 08-14 = 6 h
    assert cal.service_seconds(L(2026, 10, 1), L(2026, 10, 6)) == 17 * H


@pytest.mark.parametrize("cal, ticket, hours, deadline", [
    # Fri 16 Oct 17:00 + 4 business hours in 8/5 (08-19): Fri 17-19 = 2 h, Mon 19 Oct 08-10 = 2 h
    (BUSINESS, L(2026, 10, 16, 17), 4, L(2026, 10, 19, 10)),
    # with 09:00-19:00 days: Fri 17-19 = 2 h, Mon 09-11 = 2 h
    (Calendar.business(start="09:00", end="19:00"), L(2026, 10, 16, 17), 4, L(2026, 10, 19, 11)),
    # with 08:00-18:00 days: Fri 17-18 = 1 h, Mon 08-11 = 3 h
    (Calendar.business(start="08:00", end="18:00"), L(2026, 10, 16, 17), 4, L(2026, 10, 19, 11)),
    # Easter: Fri 3 Apr 17-19 = 2 h, Mon 6 Apr is a holiday, Tue 7 Apr 08-10 = 2 h
    (BUSINESS, L(2026, 4, 3, 17), 4, L(2026, 4, 7, 10)),
    # Alsace-Moselle: Good Friday closed too, so the 4 h are Tue 7 Apr 08-12
    (ALSACE, L(2026, 4, 3, 17), 4, L(2026, 4, 7, 12)),
    # across spring-forward: Fri 27 Mar 17:00 CET (16:00 UTC) -> Mon 30 Mar 10:00 CEST (08:00 UTC)
    (BUSINESS, L(2026, 3, 27, 17), 4, U(2026, 3, 30, 8)),
    # ticket outside hours (Sat) starts counting Monday 08:00
    (BUSINESS, L(2026, 10, 17, 12), 4, L(2026, 10, 19, 12)),
    # 24x7 GTR 4 h over the autumn change: 01:00 CEST = 23:00 UTC (24 Oct); + 4 h = 03:00 UTC
    # = 04:00 CET: the wall clock moved only 3 h because 02:00-03:00 happened twice
    (ALWAYS, L(2026, 10, 25, 1), 4, U(2026, 10, 25, 3)),
    (BUSINESS, L(2026, 10, 16, 17), 0, L(2026, 10, 16, 17)),
])
def test_add_service_time(cal, ticket, hours, deadline):
    got = cal.add_service_time(ticket, hours * H)
    assert got == deadline
    assert cal.service_seconds(ticket, got) == hours * H


def test_add_service_time_without_any_service_raises():
    never = Calendar("never", tuple(() for _ in range(7)))
    with pytest.raises(ConfigError):
        never.add_service_time(L(2026, 1, 1), H, horizon_days=40)


@pytest.mark.parametrize("spec", [{"mon-fri": [("19:00", "08:00")]}, {"xyz": [("08:00", "09:00")]},
                                  {"mon": [("25:00", "26:00")]}])
def test_bad_schedules_raise(spec):
    with pytest.raises(ConfigError):
        Calendar.weekly_ranges("bad", spec)


def test_naive_datetime_refused():
    with pytest.raises(ValueError):
        ALWAYS.intervals(datetime(2026, 1, 1), datetime(2026, 1, 2))
