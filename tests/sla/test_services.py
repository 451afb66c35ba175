"""Composite services (k-of-n over assets and services), hand-worked on 10 Oct 2026 (Paris time)."""

from datetime import datetime

import pytest

from monitor.errors import ConfigError
from monitor.sla.calendar import PARIS, Calendar
from monitor.sla.compute import Period, compute_contract
from monitor.sla.contract import Contract, Service, service_order
from monitor.sla.ledger import Entry
from monitor.sla.timeline import build, combine
from monitor.store import Transition

H = 3600.0
OCT = Period.month(2026, 10)


def L(h, mi=0, d=10):
    return datetime(2026, 10, d, h, mi, tzinfo=PARIS).timestamp()


def tl(*changes, start=L(9), end=L(15)):
    return build([Transition("x", ts, st) for ts, st in [(L(0), "up"), *changes]], start, end)


def test_two_of_four_access_points():
    ap1 = tl((L(10), "down"), (L(12), "up"))
    ap2 = tl((L(11), "down"), (L(13), "up"))
    ap3 = tl((L(11, 30), "unmeasured"), (L(14), "up"))
    ap4 = tl((L(11, 45), "down"), (L(12, 15), "up"))
    wifi = combine([ap1, ap2, ap3, ap4], 2, L(9), L(15))
    # 09:00-11:30 at least 2 up (ap3, ap4 and one of ap1/ap2)
    # 11:30-11:45 up: ap4; unknown: ap3 -> could be 2 -> unmeasured
    # 11:45-12:00 up: none; unknown: ap3 -> at most 1 -> down
    # 12:00-12:15 up: ap1; unknown: ap3 -> unmeasured
    # 12:15-15:00 up: ap1, ap4 (+ ap2 from 13:00) -> up
    assert wifi.segments == (
        (L(9), L(11, 30), "up"), (L(11, 30), L(11, 45), "unmeasured"),
        (L(11, 45), L(12), "down"), (L(12), L(12, 15), "unmeasured"), (L(12, 15), L(15), "up"))


@pytest.mark.parametrize("needed, expected", [
    (2, ((L(9), L(10), "up"), (L(10), L(11), "down"), (L(11), L(15), "up"))),   # all of 2
    (1, ((L(9), L(15), "up"),)),                                                 # any of 2
])
def test_all_of_and_any_of(needed, expected):
    firewall = tl((L(10), "unreachable"), (L(11), "up"))  # unreachable is unavailable
    fibre = tl()
    assert combine([firewall, fibre], needed, L(9), L(15)).segments == expected


def _contract(services, scope, entries=()):
    tr = {
        "fw": [Transition("fw", L(0, d=1), "up"), Transition("fw", L(6), "down"), Transition("fw", L(7), "up")],
        "fibre": [Transition("fibre", L(0, d=1), "up"), Transition("fibre", L(7, 30), "down"),
                  Transition("fibre", L(8, 30), "up")],
        "ap": [Transition("ap", L(0, d=1), "up")],
    }
    c = Contract("internet", 99.9, Calendar.always(), services=scope)
    return compute_contract(c, period=OCT, now=4e9, transitions=tr, services=services,
                            entries=list(entries))


INTERNET = Service("internet", ("fw", "fibre"), "all")


def test_service_outage_and_inherited_maintenance():
    # firewall down 06:00-07:00 (maintenance 06:00-08:00 declared on the firewall), fibre down
    # 07:30-08:30 (no exclusion). Service down 06:00-07:00 and 07:30-08:30.
    # Without the firewall's maintenance it would be down only 07:30-08:30 (the fibre), so
    # 06:00-07:00 is excluded from the service's NHT as caused by the member's maintenance.
    maint = Entry("planned_maintenance", "ops", "firmware", L(0, d=1), id=1,
                  intervals=((L(6), L(8)),), assets=("fw",), reference="GLPI#42")
    res = _contract({"internet": INTERNET}, ("internet",), [maint])
    f = res.members[0]
    assert f.inherited == [(L(6), L(7))]
    assert f.totals.nht == (745 - 1) * H
    assert f.totals.nhi == 1 * H and f.down == [(L(7, 30), L(8, 30))]
    assert [o.reference for o in f.exclusions] == ["GLPI#42"]
    # without the entry the service has 2 h of NHI over 745 h
    plain = _contract({"internet": INTERNET}, ("internet",)).members[0]
    assert (plain.totals.nht, plain.totals.nhi) == (745 * H, 2 * H)


def test_nested_services_and_contract_pooling():
    site = Service("site", ("internet", "wifi"), "all")
    wifi = Service("wifi", ("ap",), "any")
    res = _contract({"internet": INTERNET, "wifi": wifi, "site": site}, ("site", "wifi"))
    site_f, wifi_f = res.members
    assert site_f.totals.nhi == 2 * H and wifi_f.totals.nhi == 0
    # pooled: (745 + 745) h of NHT, 2 h of NHI -> 1488 / 1490 x 100
    assert res.totals.nht == 1490 * H
    assert res.totals.rate == pytest.approx(1488 / 1490 * 100, abs=1e-12)


def test_service_config_errors():
    with pytest.raises(ConfigError):
        Service("s", ("a", "b"), "k_of_n", k=3)
    with pytest.raises(ConfigError):
        Service("s", ())
    with pytest.raises(ConfigError, match="cycle"):
        service_order({"a": Service("a", ("b",)), "b": Service("b", ("a",))})
    with pytest.raises(ConfigError):
        Contract("c", 101, Calendar.always(), assets=("a",))
    with pytest.raises(ConfigError):
        Contract("c", 99, Calendar.always(), assets=("a",), unmeasured="maybe")  # type: ignore[arg-type]
    assert service_order({"top": Service("top", ("mid",)), "mid": Service("mid", ("a",))}) == ["mid", "top"]
