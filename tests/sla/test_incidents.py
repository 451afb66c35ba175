"""Incident priority matrix, GTI/GTR compliance in calendar hours, tiers proposals, config errors."""

from datetime import datetime

import pytest

from monitor.errors import ConfigErrors
from monitor.sla import incidents as inc
from monitor.sla.calendar import PARIS, Calendar
from monitor.sla.service import SlaService
from monitor.store import Store, Transition
from tests.sla.town import town, write_town


def t(*a):
    return datetime(*a, tzinfo=PARIS).timestamp()


@pytest.mark.parametrize("impact,urgency,expected", [
    ("high", "high", "P1"),
    ("high", "medium", "P2"), ("medium", "high", "P2"),
    ("high", "low", "P3"), ("medium", "medium", "P3"), ("low", "high", "P3"),
    ("medium", "low", "P4"), ("low", "medium", "P4"), ("low", "low", "P4"),
])
def test_priority_matrix(impact, urgency, expected):
    assert inc.priority(impact, urgency) == expected


def test_impact_from_dependents_and_contract(tmp_path):
    cfg = town(tmp_path)
    deps, urg = inc.levels(cfg.sla, {a.name: (a.criticality, a.parent) for a in cfg.assets})
    # fibre: fw, core, ap1, ap2 behind it = 4; fw: core, ap1, ap2 + service internet = 4
    assert deps["fibre"] == 4 and deps["fw"] == 4 and deps["ap1"] == 1 and deps["portail"] == 0
    assert urg["wifi"] == "low" and urg["internet"] == "high"
    assert inc.impact_of(4, "low", cfg.sla) == "medium"
    assert inc.impact_of(5, "low", cfg.sla) == "high"
    assert inc.impact_of(0, "low", cfg.sla) == "low"
    assert inc.impact_of(0, "high", cfg.sla) == "high"


def _incident(start, end, **kw):
    return inc.Incident(1, "c", "asset", "a", start, end, "high", "high", "P1", **kw)


def test_gtr_in_8_5_hand_worked():
    cal = Calendar.business()
    # Friday 9 Oct 2026 17:00 -> restored Monday 12 Oct 10:30. Service time: Fri 17-19 (2 h) +
    # Mon 08-10:30 (2.5 h) = 4.5 h > GTR 4 h; the deadline is Monday 10:00.
    i = _incident(t(2026, 10, 9, 17), t(2026, 10, 12, 10, 30), ack_at=t(2026, 10, 9, 17, 10))
    c = inc.compliance(i, cal, 15 * 60, 4 * 3600, now=t(2026, 10, 20))
    assert c.gtr_seconds == 4.5 * 3600 and c.gtr_deadline == t(2026, 10, 12, 10) and c.gtr_met is False
    assert c.gti_seconds == 600 and c.gti_met is True and c.outage_service_seconds == 4.5 * 3600
    # Restored Monday 09:59: 3 h 59 of service time: met.
    ok = inc.compliance(_incident(t(2026, 10, 9, 17), t(2026, 10, 12, 9, 59)), cal, None, 4 * 3600,
                        now=t(2026, 10, 20))
    assert ok.gtr_met is True and ok.gti_met is None
    # Opened at night (outside service hours): the clock starts at 08:00; Sunday 1 Nov (Toussaint)
    # and the weekend do not count. Ticket Sat 31 Oct 23:00 -> deadline Mon 2 Nov 12:00.
    night = inc.compliance(_incident(t(2026, 10, 31, 23), None), cal, None, 4 * 3600, now=t(2026, 11, 2, 11))
    assert night.gtr_deadline == t(2026, 11, 2, 12) and night.gtr_met is None   # not yet due
    late = inc.compliance(_incident(t(2026, 10, 31, 23), None), cal, None, 4 * 3600, now=t(2026, 11, 2, 13))
    assert late.gtr_met is False


def test_gti_counts_from_the_ticket_when_one_is_linked():
    cal = Calendar.always()
    i = _incident(t(2026, 10, 5, 10), t(2026, 10, 5, 12), ticket_opened=t(2026, 10, 5, 10, 20),
                  ack_at=t(2026, 10, 5, 10, 30))
    c = inc.compliance(i, cal, 15 * 60, None, now=t(2026, 10, 6))
    assert c.reference == t(2026, 10, 5, 10, 20) and c.gti_seconds == 600 and c.gti_met is True


def test_tiers_proposal_once_per_parent_outage_never_applied(tmp_path):
    cfg = town(tmp_path)
    st = Store(tmp_path / "state" / "vigie.db")
    ups = [Transition(a, t(2026, 10, 1), "up") for a in ("fibre", "fw", "core", "ap1", "ap2", "portail")]
    st.record_transitions(ups + [
        Transition("fibre", t(2026, 10, 6, 9), "down"),            # operator link down (8/5 hours)
        Transition("fw", t(2026, 10, 6, 9, 0, 30), "unreachable"),
        Transition("fibre", t(2026, 10, 6, 10), "up"),
        Transition("fw", t(2026, 10, 6, 10, 0, 40), "up"),
    ])
    st.close()
    svc = SlaService(cfg, clock=lambda: t(2026, 10, 6, 9, 30))
    assert svc.propose_tiers() == []                      # outage in progress: nothing yet
    svc.clock = lambda: t(2026, 10, 6, 12)
    (p,) = svc.propose_tiers()
    assert p.type == "third_party" and p.status == "proposed" and p.assets == ("fw",)
    assert p.intervals == ((t(2026, 10, 6, 9, 0, 30), t(2026, 10, 6, 10, 0, 40)),)
    assert svc.propose_tiers() == []                      # once per outage
    # Proposed: not applied. The service "internet" (fw + core) lost 1 h 00 min 10 s of 8/5 time.
    before = svc.month(2026, 10).contracts[1]
    internet = next(m for m in before.members if m.scope == "internet")
    assert internet.figure.totals.nhi == 3610 and internet.exclusions == ()
    svc.ledger.confirm(p.id, author="dsi", reason="panne opérateur", now=t(2026, 10, 6, 13))
    after = svc.month(2026, 10).contracts[1]
    internet = next(m for m in after.members if m.scope == "internet")
    assert internet.figure.totals.nhi == 0 and internet.figure.totals.nht == before.members[1].figure.totals.nht - 3610
    svc.close()


def test_unknown_asset_names_are_reported_with_their_path(tmp_path):
    with pytest.raises(ConfigErrors) as err:  # at load time, so check-config reports it too
        town(tmp_path, sla_extra="    - {id: typo, assets: [fw-typo], start: 2026-10-06T06:00, "
                                 "end: 2026-10-06T08:00, reason: x}\n")
    assert "sla.exclusions.typo.assets[0]: unknown asset 'fw-typo'" in str(err.value)


@pytest.mark.parametrize("snippet,message", [
    ("  contracts: {x: {target: 99, calendar: nope, assets: [fw]}}\n", "unknown calendar 'nope'"),
    ("  services: {a: {members: [b]}, b: {members: [a]}}\n", "service cycle"),
    ("  calendars: {c: {kind: weekly, ranges: {mon-fri: ['09:00-25:00']}}}\n", "bad time of day"),
])
def test_section_errors_name_the_file_and_line(tmp_path, snippet, message):
    from monitor.config.loader import load_config
    cfg = tmp_path / "v.yml"
    cfg.write_text("sites: {hdv: {name: H}}\nassets: [{name: fw, site: hdv, kind: firewall}]\nsla:\n" + snippet)
    with pytest.raises(ConfigErrors) as err:
        load_config(cfg)
    assert message in str(err.value) and "v.yml:" in str(err.value)
