"""Response-time objectives: "< 2 s for 80 % of checks, < 5 s for 100 %" within service hours."""

from datetime import datetime

import pytest

from monitor.errors import ConfigError
from monitor.sla.calendar import PARIS, Calendar
from monitor.sla.response import Objective, evaluate, parse_objectives

OBJ = parse_objectives("< 2 s for 80 %, < 5 s for 100 %")


def L(d, h, mi=0):
    return datetime(2026, 10, d, h, mi, tzinfo=PARIS).timestamp()


SERVICE = Calendar.business().intervals(L(12, 0), L(13, 0))  # Mon 12 Oct 08:00-19:00


@pytest.mark.parametrize("secs, shares, met", [
    # 10 checks: 8 under 2 s, 2 in [2, 5): 80 % < 2 s (met), 100 % < 5 s (met)
    ([0.5] * 8 + [2.0, 4.9], (80.0, 100.0), True),
    # 7 under 2 s, 2 between, 1 failed (None): 70 % (not met), 90 % (not met)
    ([0.5] * 7 + [3.0, 4.0, None], (70.0, 90.0), False),
    # exactly 5.0 s is not "< 5 s"
    ([0.5] * 9 + [5.0], (90.0, 90.0), False),
])
def test_objectives(secs, shares, met):
    samples = [(L(12, 9, i), s) for i, s in enumerate(secs)]
    samples += [(L(12, 7, 59), 30.0), (L(12, 19), 30.0)]  # outside 08:00-19:00: ignored
    fig = evaluate(samples, SERVICE, OBJ)
    assert fig.checks == 10 and fig.ignored == 2
    assert tuple(r.share for r in fig.results) == shares
    assert fig.met is met
    assert all(len(r.offenders) == r.checks - r.within for r in fig.results)


def test_no_checks_in_service_hours():
    fig = evaluate([(L(12, 20), 1.0)], SERVICE, OBJ)
    assert fig.checks == 0 and fig.met is None and fig.results[0].share is None


def test_parse():
    assert OBJ == (Objective(2, 80), Objective(5, 100))
    assert parse_objectives("< 1.5 s for 95 % et < 3 s for 99.5 %") == (Objective(1.5, 95), Objective(3, 99.5))
    for bad in ("fast please", "< 2 s for 180 %", "< 2 s for 80 % always"):
        with pytest.raises(ConfigError):
            parse_objectives(bad)
