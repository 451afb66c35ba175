"""Monthly availability, golden cases worked by hand. H = 3600 s; local times are Paris time.

October 2026 in 24x7 is 745 h = 2,682,000 s (the extra hour of Sunday 25 Oct).
"""

from dataclasses import replace
from datetime import datetime

import pytest

from monitor.sla.calendar import PARIS, Calendar
from monitor.sla.compute import Period, compute_contract
from monitor.sla.contract import Contract
from monitor.sla.ledger import Entry, Recurrence
from monitor.sla.timeline import build
from monitor.store import Transition

H = 3600.0
OCT = Period.month(2026, 10)
END_OF_TIME = 4e9  # "now" after every period: the month is complete


def L(y, m, d, h=0, mi=0):
    return datetime(y, m, d, h, mi, tzinfo=PARIS).timestamp()


def T(*changes):
    """Transitions of asset "a" from (epoch, state) pairs."""
    return [Transition("a", ts, st) for ts, st in changes]


UP_SINCE_SEPT = (L(2026, 9, 1), "up")


def excl(kind, start, end, *, declared=None, **kw):
    kw.setdefault("assets", ("a",))
    return Entry(kind, "ops", "test", declared if declared is not None else start - 86400,
                 intervals=((start, end),), **kw)


def run(transitions, *, cal=None, policy="exclude", target=99.9, period=OCT, now=END_OF_TIME,
        entries=()):
    c = Contract("c", target, cal or Calendar.always(), assets=("a",), unmeasured=policy)
    entries = [e if e.id else _with_id(e, i + 1) for i, e in enumerate(entries)]
    res = compute_contract(c, period=period, now=now, transitions={"a": transitions},
                           services={}, entries=entries)
    return res.members[0]


def _with_id(e, i):
    from dataclasses import replace
    return replace(e, id=i)


def test_two_hour_outage_24x7():
    f = run(T(UP_SINCE_SEPT, (L(2026, 10, 10, 10), "down"), (L(2026, 10, 10, 12), "up")))
    t = f.totals
    assert t.nht == 745 * H == 2_682_000
    assert t.nhi == 7200
    # (2,682,000 - 7,200) / 2,682,000 x 100 = 99.731543624...
    assert t.rate == pytest.approx(2_674_800 / 2_682_000 * 100, abs=1e-12)
    assert t.rate == pytest.approx(99.7315436241, abs=1e-9)
    assert t.met is False
    # the 99.9 % target allows 0.1 % x 2,682,000 = 2,682 s; 7,200 used -> -4,518 s
    assert t.budget_seconds == pytest.approx(2682)
    assert t.budget_remaining_seconds == pytest.approx(-4518)
    assert t.coverage == 100.0
    assert f.down == [(L(2026, 10, 10, 10), L(2026, 10, 10, 12))]


@pytest.mark.parametrize("start, end, seconds", [
    # autumn night: 01:00 CEST (23:00 UTC) -> 04:00 CET (03:00 UTC) = 4 h although the wall
    # clock shows 3 h
    (L(2026, 10, 25, 1), L(2026, 10, 25, 4), 4 * H),
    # spring night: 01:00 CET (00:00 UTC) -> 04:00 CEST (02:00 UTC) = 2 h
    (L(2026, 3, 29, 1), L(2026, 3, 29, 4), 2 * H),
])
def test_outage_over_dst_change(start, end, seconds):
    period = Period.month(2026, datetime.fromtimestamp(start, PARIS).month)
    f = run(T((L(2026, 1, 1), "up"), (start, "down"), (end, "up")), period=period)
    assert f.totals.nhi == seconds
    month_hours = 745 if period.label == "2026-10" else 743
    assert f.totals.nht == month_hours * H


def test_outage_spanning_two_months_splits_at_local_midnight():
    # down Sat 31 Oct 22:00 -> Sun 1 Nov 03:00 (CET): 2 h in October, 3 h in November
    tr = T(UP_SINCE_SEPT, (L(2026, 10, 31, 22), "down"), (L(2026, 11, 1, 3), "up"))
    oct_, nov = run(tr), run(tr, period=Period.month(2026, 11))
    assert oct_.totals.nhi == 2 * H
    # November opens down: the state comes from the last transition before the month
    assert nov.totals.nhi == 3 * H
    assert nov.down == [(L(2026, 11, 1), L(2026, 11, 1, 3))]
    assert nov.totals.nht == 720 * H


def test_overlapping_exclusions():
    # maintenance 01:00-05:00 and force majeure 03:00-07:00 on 10 Oct: union 01:00-07:00 = 6 h
    # outage 02:00-09:00 = 7 h, of which 07:00-09:00 = 2 h lie inside NHT
    f = run(T(UP_SINCE_SEPT, (L(2026, 10, 10, 2), "down"), (L(2026, 10, 10, 9), "up")),
            entries=[excl("planned_maintenance", L(2026, 10, 10, 1), L(2026, 10, 10, 5)),
                     excl("force_majeure", L(2026, 10, 10, 3), L(2026, 10, 10, 7))])
    assert f.excluded == [(L(2026, 10, 10, 1), L(2026, 10, 10, 7))]
    assert f.totals.nht == (745 - 6) * H         # 2,660,400 s
    assert f.totals.nhi == 2 * H
    # (2,660,400 - 7,200) / 2,660,400 x 100
    assert f.totals.rate == pytest.approx(2_653_200 / 2_660_400 * 100, abs=1e-12)
    assert [o.type for o in f.exclusions] == ["planned_maintenance", "force_majeure"]


def test_maintenance_across_midnight_24x7_and_8_5():
    # one-off maintenance Wed 14 Oct 22:00 -> Thu 15 Oct 02:00 = 4 h
    e = excl("planned_maintenance", L(2026, 10, 14, 22), L(2026, 10, 15, 2))
    tr = T(UP_SINCE_SEPT)
    assert run(tr, entries=[e]).totals.nht == (745 - 4) * H
    # in 8/5 (08-19) it touches no service hour: October 8/5 = 22 weekdays x 11 h = 242 h
    f = run(tr, entries=[e], cal=Calendar.business())
    assert f.totals.nht == 242 * H and f.excluded == []


def test_recurring_maintenance_across_midnight_and_month_end():
    # every Tuesday 23:00 -> Wednesday 01:00. March 2026 Tuesdays: 3, 10, 17, 24, 31; the last
    # one runs into 1 April: 4 x 2 h + 1 h = 9 h in March, 743 - 9 = 734 h
    rec = Recurrence(weekday=1, start="23:00", end="01:00")
    e = Entry("planned_maintenance", "ops", "weekly patching", L(2026, 1, 1), recurrence=rec,
              assets=("a",))
    tr = T((L(2026, 1, 1), "up"))
    assert run(tr, entries=[e], period=Period.month(2026, 3)).totals.nht == 734 * H
    # April: 1 Apr 00:00-01:00 (1 h) + Tuesdays 7, 14, 21, 28 (8 h) = 9 h; 720 - 9 = 711 h
    assert run(tr, entries=[e], period=Period.month(2026, 4)).totals.nht == 711 * H


def test_first_tuesday_maintenance_is_expanded_per_month():
    # first Tuesday 06:00-08:00: 6 Oct 2026 and 3 Nov 2026
    rec = Recurrence(weekday=1, start="06:00", end="08:00", nth=1)
    e = Entry("planned_maintenance", "ops", "firmware", L(2026, 1, 1), recurrence=rec, assets=("a",))
    f = run(T(UP_SINCE_SEPT), entries=[e])
    assert f.excluded == [(L(2026, 10, 6, 6), L(2026, 10, 6, 8))]
    nov = run(T(UP_SINCE_SEPT), entries=[e], period=Period.month(2026, 11))
    assert nov.excluded == [(L(2026, 11, 3, 6), L(2026, 11, 3, 8))]
    assert not f.exclusions[0].late


def test_late_declaration_is_flagged_but_applied():
    e = excl("client", L(2026, 10, 5, 9), L(2026, 10, 5, 10), declared=L(2026, 10, 6))
    f = run(T(UP_SINCE_SEPT), entries=[e])
    assert f.exclusions[0].late and f.totals.nht == 744 * H


# Unmeasured gap: 1 h down (2 Oct 10-11) and 10 h unmeasured (3 Oct 00-10), 745 h of NHT.
GAP = T(UP_SINCE_SEPT, (L(2026, 10, 2, 10), "down"), (L(2026, 10, 2, 11), "up"),
        (L(2026, 10, 3), "unmeasured"), (L(2026, 10, 3, 10), "up"))


@pytest.mark.parametrize("policy, denominator_h, nhi_h, rate", [
    ("exclude", 735, 1, 734 / 735 * 100),   # 99.8639...: unmeasured leaves the denominator
    ("down", 745, 11, 734 / 745 * 100),     # 98.5234...: unmeasured counted as down
    ("up", 745, 1, 744 / 745 * 100),        # 99.8657...: unmeasured counted as up
])
def test_unmeasured_policies(policy, denominator_h, nhi_h, rate):
    t = run(GAP, policy=policy).totals
    assert t.nht == 745 * H and t.unmeasured == 10 * H
    assert t.denominator == denominator_h * H
    assert t.nhi == nhi_h * H
    assert t.rate == pytest.approx(rate, abs=1e-12)
    assert t.coverage == pytest.approx(735 / 745 * 100, abs=1e-12)  # 98.657...


def test_no_transitions_at_all_is_unmeasured_never_100():
    t = run([]).totals
    assert t.unmeasured == t.nht == 745 * H
    assert t.rate is None and t.coverage == 0.0
    assert run([], policy="down").totals.rate == 0.0


@pytest.mark.parametrize("cal, entries", [
    # 8/5 closed for the whole of August
    (Calendar.business(closed=((L(2026, 8, 1), L(2026, 9, 1)),)), ()),
    # 24x7 with the whole month excluded
    (None, (excl("client", L(2026, 8, 1), L(2026, 9, 1)),)),
    # a weekend-only calendar... in a month of weekdays? Use Saturday ranges with every Saturday closed
    (Calendar.weekly_ranges("sat", {"sat": [("08:00", "12:00")]},
                            closed_days=frozenset(datetime(2026, 8, d).date() for d in (1, 8, 15, 22, 29))), ()),
])
def test_month_without_service_hours(cal, entries):
    tr = T((L(2026, 7, 1), "up"), (L(2026, 8, 10), "down"))
    t = run(tr, cal=cal, entries=list(entries), period=Period.month(2026, 8)).totals
    assert t.nht == 0 and t.nhi == 0
    assert t.rate is None and t.coverage is None and t.met is None
    assert t.projected_rate is None and t.budget_remaining_seconds is None


def test_month_to_date_projection_and_budget():
    # now = 11 Oct 00:00: 10 days = 240 h measured (before the DST change), 2 h down on 5 Oct
    tr = T(UP_SINCE_SEPT, (L(2026, 10, 5, 8), "down"), (L(2026, 10, 5, 10), "up"),
           (L(2026, 10, 20), "down"))  # a future row beyond `now` must be ignored
    f = run(tr, now=L(2026, 10, 11), target=99.0)
    t = f.totals
    assert f.until == L(2026, 10, 11)
    assert t.nht == 240 * H == 864_000 and t.nhi == 7200
    assert t.rate == pytest.approx((864_000 - 7200) / 864_000 * 100, abs=1e-12)  # 99.1666...
    # projection: the other 505 h are assumed up -> (2,682,000 - 7,200) / 2,682,000
    assert t.month_nht == 745 * H
    assert t.projected_rate == pytest.approx(2_674_800 / 2_682_000 * 100, abs=1e-12)
    # 1 % of 2,682,000 = 26,820 s allowed, 7,200 used -> 19,620 s left
    assert t.budget_seconds == pytest.approx(26_820)
    assert t.budget_remaining_seconds == pytest.approx(19_620)
    assert any("assumes" in n for n in f.notes)


def test_8_5_may_with_holidays():
    # 8/5 May 2026 = 187 h. Outage on Fri 1 May (holiday) 10-12: not counted. Outage Mon 4 May
    # 18:00-20:00: only 18-19 is in service = 1 h. Rate = 186 / 187 x 100 = 99.4652...
    tr = T((L(2026, 4, 1), "up"), (L(2026, 5, 1, 10), "down"), (L(2026, 5, 1, 12), "up"),
           (L(2026, 5, 4, 18), "unreachable"), (L(2026, 5, 4, 20), "up"))
    t = run(tr, cal=Calendar.business(), period=Period.month(2026, 5), target=98).totals
    assert t.nht == 187 * H and t.nhi == 1 * H  # unreachable is unavailable too
    assert t.rate == pytest.approx(186 / 187 * 100, abs=1e-12) and t.met


def test_psg_split_ranges():
    # PSG Oct 2026 = 154 h. Outage Mon 12 Oct 11:00-15:00 -> 11-12 and 14-15 = 2 h.
    # 152 / 154 = 98.701...% >= 98 %
    psg = Calendar.weekly_ranges("PSG", {"mon-fri": [("09:00", "12:00"), ("14:00", "18:00")]})
    tr = T(UP_SINCE_SEPT, (L(2026, 10, 12, 11), "down"), (L(2026, 10, 12, 15), "up"))
    f = run(tr, cal=psg, target=98)
    assert f.totals.nht == 154 * H and f.totals.nhi == 2 * H
    assert f.down == [(L(2026, 10, 12, 11), L(2026, 10, 12, 12)), (L(2026, 10, 12, 14), L(2026, 10, 12, 15))]
    assert f.totals.rate == pytest.approx(152 / 154 * 100, abs=1e-12) and f.totals.met


def test_alsace_moselle_good_friday_outage_not_counted():
    # April 2026 8/5: 231 h nationally, 220 h in Alsace-Moselle. Outage Fri 3 Apr 09-11.
    tr = T((L(2026, 3, 1), "up"), (L(2026, 4, 3, 9), "down"), (L(2026, 4, 3, 11), "up"))
    apr = Period.month(2026, 4)
    national = run(tr, cal=Calendar.business(), period=apr).totals
    alsace = run(tr, cal=Calendar.business(subdiv="57"), period=apr).totals
    assert (national.nht, national.nhi) == (231 * H, 2 * H)
    assert (alsace.nht, alsace.nhi) == (220 * H, 0)


def test_timeline_initial_state_and_same_instant_rows():
    tl = build(T((0, "down"), (10, "up"), (20, "up"), (30, "down"), (30, "up")), 5, 40)
    # at 5 the last row before is "down"; the two rows at 30 leave it up
    assert tl.segments == ((5, 10, "down"), (10, 40, "up"))
    assert build([], 0, 10).segments == ((0, 10, "unmeasured"),)


def test_contract_wide_exclusion_applies_to_its_assets_only():
    # an entry scoped to contract "c" (no asset named) excludes 2 h for "a" in "c"; one scoped to
    # contract "other" does nothing here
    mine = Entry("client", "ops", "site closed", L(2026, 9, 1), contracts=("c",),
                 intervals=((L(2026, 10, 3, 8), L(2026, 10, 3, 10)),))
    other = replace(mine, contracts=("other",))
    tr = T(UP_SINCE_SEPT, (L(2026, 10, 3, 9), "down"), (L(2026, 10, 3, 11), "up"))
    f = run(tr, entries=[mine, other])
    # excluded 08-10, down 09-11 -> only 10-11 counts
    assert (f.totals.nht, f.totals.nhi) == ((745 - 2) * H, 1 * H)
    assert [o.entry for o in f.exclusions] == [1]
