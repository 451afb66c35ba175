"""French formatting, table-driven."""

from datetime import date, datetime

import pytest

from monitor.report import fr
from monitor.sla.calendar import PARIS

S = "\u202f"


@pytest.mark.parametrize("value, decimals, expected", [
    (1234.5, 1, f"1{S}234,5"), (0.0, 2, "0,00"), (-0.001, 2, "0,00"), (1234567.891, 2, f"1{S}234{S}567,89"),
    (999, 0, "999"), (-4518, 0, "\u22124\u202f518"), (None, 2, "\u2014"),
])
def test_number(value, decimals, expected):
    assert fr.number(value, decimals) == expected


@pytest.mark.parametrize("rate, expected", [
    (99.8765, f"99,87{S}%"), (99.8999999, f"99,89{S}%"), (100.0, f"100,00{S}%"), (None, "\u2014"),
])
def test_percent_truncates(rate, expected):
    assert fr.percent(rate) == expected


@pytest.mark.parametrize("t, expected", [(99.9, f"99,9{S}%"), (98.0, f"98{S}%"), (99.95, f"99,95{S}%")])
def test_target(t, expected):
    assert fr.target(t) == expected


@pytest.mark.parametrize("seconds, expected", [
    (11520, f"3{S}h 12{S}min"), (3600, f"1{S}h"), (725, f"12{S}min 05{S}s"), (5, f"5{S}s"),
    (-925.2, f"\u221215{S}min 25{S}s"), (2682000, f"745{S}h"), (None, "\u2014"),
])
def test_duration(seconds, expected):
    assert fr.duration(seconds) == expected


def test_hours_and_dates():
    assert fr.hours(2_682_000) == f"745,00{S}h"
    assert fr.hours(4_444_200) == f"1{S}234,50{S}h"
    assert fr.month(2026, 10) == "octobre 2026"
    assert fr.day(date(2026, 10, 25)) == "dimanche 25 octobre 2026"


def test_datetime_marks_the_repeated_autumn_hour():
    first = datetime(2026, 10, 25, 2, 30, tzinfo=PARIS).timestamp()
    second = first + 3600  # the same wall-clock time, one hour later (winter time)
    assert fr.datetime_(first) == "25/10/2026 02:30 UTC+2"
    assert fr.datetime_(second) == "25/10/2026 02:30 UTC+1"
    assert fr.datetime_(datetime(2026, 10, 10, 10, tzinfo=PARIS).timestamp()) == "10/10/2026 10:00"
    assert fr.iso(second) == "2026-10-25T02:30:00+01:00"


@pytest.mark.parametrize("value, expected", [(99.86541013, "99,86541"), (2674800.0, "2674800"),
                                             (-925.2, "-925,2"), (None, ""), (0.0, "0")])
def test_plain_csv_numbers(value, expected):
    assert fr.plain(value) == expected
