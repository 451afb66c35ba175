"""month_report_data: figures, daily series, response objectives; a past month regenerates identically."""

from datetime import datetime

from monitor.sla.calendar import PARIS
from monitor.sla.db import SlaDb
from monitor.sla.service import month_report_data
from monitor.store import Store, Transition
from tests.sla.town import town


def t(*a):
    return datetime(*a, tzinfo=PARIS).timestamp()


def test_month_report_data_is_stable_and_explains_figures(tmp_path):
    cfg = town(tmp_path)
    path = tmp_path / "state" / "vigie.db"
    st = Store(path)
    st.record_transitions([Transition(a, t(2026, 9, 30), "up") for a in ("fw", "core", "ap1", "ap2", "portail")]
                          + [Transition("portail", t(2026, 10, 31, 23), "down"),   # spans two months
                             Transition("portail", t(2026, 11, 1, 1), "up")])
    st.close()
    db = SlaDb(path)
    db.add_samples([("portail", "https://x/", t(2026, 10, 2, 10), 1.0, True),
                    ("portail", "https://x/", t(2026, 10, 2, 11), 3.0, True),
                    ("portail", "https://x/", t(2026, 10, 2, 12), None, False)])
    db.close()
    first = month_report_data(cfg, path, 2026, 10, t(2026, 11, 5))
    again = month_report_data(cfg, path, 2026, 10, t(2026, 12, 20))
    assert first == again and first.complete
    saas = first.contracts[0]
    (member,) = saas.members
    assert member.figure.totals.nht == 745 * 3600 and member.figure.totals.nhi == 3600
    (row,) = member.incidents
    assert row.incident.start == t(2026, 10, 31, 23) and row.incident.end == t(2026, 11, 1, 1)
    assert row.compliance.outage_service_seconds == 2 * 3600   # whole outage, across the month end
    assert len(saas.daily) == 31 and saas.daily[30].nhi == 3600 and saas.daily[0].rate == 100.0
    (resp,) = saas.response
    under2, under5 = resp.figure.results
    assert (under2.checks, under2.within, under5.within) == (3, 1, 2) and under5.met is False
    # November: the rest of the outage (1 h) belongs to November's figures.
    nov = month_report_data(cfg, path, 2026, 11, t(2026, 12, 1))
    assert nov.contracts[0].members[0].figure.totals.nhi == 3600
    assert nov.contracts[0].members[0].incidents[0].incident.id == row.incident.id
