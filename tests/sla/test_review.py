"""Regressions from the SLA engine review, each a hand-worked case (items numbered as in the review)."""

import sqlite3
from datetime import datetime
from types import SimpleNamespace

import pytest

from monitor.cli import main
from monitor.errors import VigieError
from monitor.sla import incidents as inc
from monitor.sla.calendar import DAY, PARIS, Calendar, month_bounds
from monitor.sla.config import SlaSection, overlap_warnings
from monitor.sla.db import SlaDb
from monitor.sla.ledger import GENESIS, Entry, Ledger, LedgerError, Recurrence, format_head, occurrences, parse_head
from monitor.sla.runtime import SlaExtension
from monitor.sla.service import SlaService, month_report_data
from monitor.sla.timeline import Timeline
from monitor.store import Store, Transition
from tests.sla.town import town, write_town

H = 3600.0


def t(*a):
    return datetime(*a, tzinfo=PARIS).timestamp()


def record(path, *rows):
    st = Store(path)
    st.record_transitions([Transition(*r) for r in rows])
    st.close()


def saas_incidents(month):
    (member,) = month.contracts[0].members
    return member.incidents


# --- 1. a daemon restart does not split an outage ---------------------------------------------
def test_outages_merge_down_periods_separated_only_by_unmeasured():
    tl = Timeline(0, 60, ((0, 10, "up"), (10, 20, "down"), (20, 21, "unmeasured"), (21, 30, "unreachable"),
                          (30, 40, "up"), (40, 45, "unmeasured"), (45, 50, "down"), (50, 60, "unmeasured")))
    # 10-30: one incident across the restart; 40-45 unmeasured alone is no incident; 45-: still open
    assert inc.outages(tl) == [(10, 30), (45, 60)]


def test_restart_during_an_outage_keeps_one_incident_and_its_gtr(tmp_path):
    cfg = town(tmp_path)   # saas: portail, 24x7, impact high x urgency medium = P2, GTR 1 d
    path = tmp_path / "state" / "vigie.db"
    record(path, ("portail", t(2026, 9, 30), "up"),
           ("portail", t(2026, 10, 10, 10), "down"),
           ("portail", t(2026, 10, 10, 20), "unmeasured"),       # start_run: last heartbeat
           ("portail", t(2026, 10, 10, 20, 1), "down"),          # first poll after the restart
           ("portail", t(2026, 10, 11, 12), "up"))
    (row,) = saas_incidents(month_report_data(cfg, path, 2026, 10, t(2026, 11, 5)))
    assert (row.incident.start, row.incident.end) == (t(2026, 10, 10, 10), t(2026, 10, 11, 12))
    assert row.incident.priority == "P2" and row.gtr_objective == DAY
    assert row.compliance.outage_service_seconds == 26 * H          # 10:00 -> next day 12:00
    assert row.compliance.gtr_met is False                           # 26 h > GTR 24 h


# --- 2. long outages: real start, no false restore ------------------------------------------------
def test_outage_begun_months_before_is_one_incident_with_its_real_start(tmp_path):
    cfg = town(tmp_path)
    path = tmp_path / "state" / "vigie.db"
    record(path, ("portail", t(2026, 6, 1), "up"), ("portail", t(2026, 7, 15, 9), "down"),
           ("fw", t(2026, 6, 1), "up"), ("core", t(2026, 6, 1), "up"),
           ("fw", t(2026, 7, 20, 8), "down"))       # the internet service (fw + core) is down too
    octo = month_report_data(cfg, path, 2026, 10, t(2026, 10, 20))
    nov = month_report_data(cfg, path, 2026, 11, t(2026, 11, 20))
    (a,), (b,) = saas_incidents(octo), saas_incidents(nov)
    assert a.incident.start == b.incident.start == t(2026, 7, 15, 9)   # not Aug 31 then Oct 1
    assert a.incident.id == b.incident.id and a.incident.end is None and b.incident.end is None
    infra = nov.contracts[1]
    internet = next(m for m in infra.members if m.scope == "internet")
    assert [r.incident.start for r in internet.incidents] == [t(2026, 7, 20, 8)]
    db = SlaDb(path)
    try:
        starts = [r[4] for r in inc.stored(db) if r[3] in ("portail", "internet")]
    finally:
        db.close()
    assert sorted(starts) == [t(2026, 7, 15, 9), t(2026, 7, 20, 8)]   # one row each, no row per month


def test_regenerating_a_past_month_late_is_no_false_restore(tmp_path):
    cfg = town(tmp_path)
    path = tmp_path / "state" / "vigie.db"
    record(path, ("portail", t(2026, 9, 30), "up"), ("portail", t(2026, 10, 10), "down"))
    # 20 Dec is more than 31 days after 1 Nov: transitions are read up to 2 Dec only
    (row,) = saas_incidents(month_report_data(cfg, path, 2026, 10, t(2026, 12, 20)))
    assert row.incident.end is None                   # still down: not "restored" on 2 Dec
    # restored on 10 Dec (past the horizon): the restore recorded by December's figures is shown
    record(path, ("portail", t(2026, 12, 10), "up"))
    month_report_data(cfg, path, 2026, 12, t(2026, 12, 15))
    (row,) = saas_incidents(month_report_data(cfg, path, 2026, 10, t(2026, 12, 20)))
    assert row.incident.end == t(2026, 12, 10)


# --- 3. ledger: published head and HMAC key ----------------------------------------------------
def entry(day, reason="patch"):
    return Entry("planned_maintenance", "alice", reason, t(2026, 10, 1),
                 intervals=((t(2026, 10, day, 6), t(2026, 10, day, 8)),), assets=("a",))


def rewrite(path, seq, old, new):
    """What an attacker with the file can do: drop the triggers, edit a row, recompute the chain."""
    from monitor.sla.ledger import _hash
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("DROP TRIGGER sla_ledger_no_update")
    rows = db.execute("SELECT seq, entry FROM sla_ledger ORDER BY seq").fetchall()
    prev = GENESIS
    for s, text in rows:
        if s == seq:
            text = text.replace(old, new)
        digest = _hash(prev, text)
        db.execute("UPDATE sla_ledger SET entry = ?, prev = ?, hash = ? WHERE seq = ?", (text, prev, digest, s))
        prev = digest
    db.close()


def test_full_rewrite_is_caught_by_a_published_head_and_by_the_key(tmp_path):
    path = tmp_path / "state.db"
    led = Ledger(path, key=b"k3y")
    for d in (5, 6, 7):
        led.append(entry(d))
    published = led.head()
    assert led.verify(expected=published).ok and led.verify(expected=(2, led.snapshot()[1][1])).ok is False
    rewrite(path, 2, "patch", "PATCH")
    assert Ledger(path).verify().ok                       # the recomputed chain is consistent...
    v = Ledger(path).verify(expected=published)           # ...but row 3 no longer has the published hash
    assert not v.ok and v.first_bad == 3 and "rewritten" in v.problem
    v = led.verify()                                      # and without its head, the key shows it
    assert not v.ok and "HMAC" in v.problem
    # tail removal: a published head longer than the chain
    v = Ledger(path).verify(expected=(5, published[1]))
    assert not v.ok and v.first_bad == 4 and "only 3" in v.problem
    led.close()


def test_key_configured_after_the_last_entry_reports_unkeyed_head(tmp_path):
    path = tmp_path / "state.db"
    Ledger(path).append(entry(5))
    led = Ledger(path, key=b"k3y")
    v = led.verify()
    assert not v.ok and "no HMAC" in v.problem
    led.append(entry(6))                                  # keyed from here: covers row 1 too
    assert led.verify().ok
    assert not Ledger(path, key=b"other").verify().ok


def test_head_text_round_trips_and_rejects_garbage():
    h = "ab" * 32
    assert parse_head(format_head(12, h)) == (12, h)
    for bad in ("12", "x:" + h, "12:" + h[:-1], "12:" + "zz" * 32):
        with pytest.raises(LedgerError):
            parse_head(bad)


def test_cli_verify_expect_head_and_keyed_config(tmp_path, capsys):
    (tmp_path / "key").write_text("ledger-secret\n")
    cfg = str(write_town(tmp_path, sla_extra="  ledger_key: {file: key}\n"))
    assert main(["sla", "status", "-c", cfg, "--month", "2026-10"]) == 0   # appends the config's entry #1
    out = capsys.readouterr().out
    head = out.split("ledger head ")[1].split(")")[0]
    n, digest = parse_head(head)
    assert n == 1
    assert main(["exclusion", "verify", "-c", cfg, "--expect-head", head]) == 0
    assert f"head {head}" in capsys.readouterr().out
    rewrite(tmp_path / "state" / "vigie.db", 1, "mensuelle", "annuelle")
    assert main(["exclusion", "verify", "-c", cfg, "--expect-head", head]) == 3
    assert "row 1" in capsys.readouterr().err


# --- 4. the head published with a month is the head of the entries its figures used ------------
class _RacingLedger:
    """Another process appends right after each read (the interleaving a second read would see)."""

    def __init__(self, led):
        self.led = led

    def __getattr__(self, name):
        return getattr(self.led, name)

    def _race(self, result):
        self.led.append(entry(20, "concurrent"))
        return result

    def entries(self):
        return self._race(self.led.entries())

    def snapshot(self):
        return self._race(self.led.snapshot())


def test_month_ledger_head_matches_the_entries_read(tmp_path):
    cfg = town(tmp_path)
    svc = SlaService(cfg, tmp_path / "state" / "vigie.db", clock=lambda: t(2026, 10, 20))
    try:
        svc.sync_config_exclusions()                  # entry #1
        real = svc.ledger
        svc.ledger = _RacingLedger(real)
        m = svc.current()
        assert (m.ledger_rows, m.ledger_head) == (1, _row_hash(svc.db, 1))   # not row 2, appended after
    finally:
        svc.ledger = real
        svc.close()


def _row_hash(db, n):
    return db.execute("SELECT hash FROM sla_ledger WHERE seq = ?", (n,)).fetchone()[0]


# --- 5. late is judged on the whole occurrence, not the part inside the month ------------------
def test_late_uses_the_unclipped_start():
    oct_start, oct_end = month_bounds(2026, 10)
    one_off = Entry("planned_maintenance", "alice", "night works", t(2026, 9, 30, 23, 30),
                    intervals=((t(2026, 9, 30, 22), t(2026, 10, 1, 4)),), assets=("a",))
    (o,) = occurrences([one_off], oct_start, oct_end)
    assert (o.start, o.end, o.late) == (oct_start, t(2026, 10, 1, 4), True)
    weekly = Entry("planned_maintenance", "alice", "weekly", t(2026, 9, 30, 23, 30),   # Wednesdays
                   recurrence=Recurrence(2, "22:00", "04:00"), assets=("a",), id=2)
    occ = occurrences([weekly], oct_start, t(2026, 10, 9))
    assert [(o.start, o.late) for o in occ] == [(oct_start, True), (t(2026, 10, 7, 22), False)]


# --- 6. growth and tick cost ---------------------------------------------------------------------
def test_http_samples_pruned_after_retention_once_a_day(tmp_path):
    cfg = town(tmp_path, sla_extra="  retention: 30d\n")
    assert cfg.sla.retention == 30 * DAY and SlaSection().retention == 397 * DAY   # default: 13 months
    db = SlaDb(tmp_path / "s.db")
    now = t(2026, 10, 31)
    db.add_samples([("portail", "", now - 31 * DAY, 1.0, True), ("portail", "", now - 29 * DAY, 1.0, True)])
    ext = SimpleNamespace(_pruned=None, config=cfg)
    SlaExtension.prune(ext, db, now)
    assert [ts for ts, _ in db.samples("portail", "", 0, now)] == [now - 29 * DAY]
    db.add_samples([("portail", "", now - 40 * DAY, 1.0, True)])
    SlaExtension.prune(ext, db, now + 23 * H)          # less than a day later: not pruned again
    assert len(list(db.samples("portail", "", 0, now + DAY))) == 2
    SlaExtension.prune(ext, db, now + DAY)
    assert len(list(db.samples("portail", "", 0, now + DAY))) == 1
    db.close()


def test_incident_status_keeps_final_verdicts_and_rescores_changed_rows(tmp_path):
    cfg = town(tmp_path)
    path = tmp_path / "state" / "vigie.db"
    record(path, ("portail", t(2026, 9, 30), "up"), ("portail", t(2026, 10, 5, 10), "down"),
           ("portail", t(2026, 10, 5, 11), "up"), ("portail", t(2026, 10, 20, 10), "down"))
    svc = SlaService(cfg, path, clock=lambda: t(2026, 10, 21))
    try:
        svc.current()
        # P2: GTI 30 min. Closed incident never acknowledged: GTI breached (final); the open one
        # too (30 min passed), but open incidents are always rescored.
        open_, breaches = svc.incident_status(t(2026, 10, 21))
        assert open_ == {("saas", "P2"): 1} and breaches[("saas", "P2", "gti")] == 2
        assert [k[0][4] for k in svc._scored] == [t(2026, 10, 5, 10)]   # only the closed one kept
        closed = next(k[0][0] for k in svc._scored)
        inc.record(svc.db, closed, ack_at=t(2026, 10, 5, 10, 10))       # acknowledged in time
        _, breaches = svc.incident_status(t(2026, 10, 21))
        assert breaches[("saas", "P2", "gti")] == 1
    finally:
        svc.close()


def test_holiday_dates_computed_once_per_calendar_and_year():
    cal = Calendar.business(subdiv="57")
    first = cal.holiday_dates(2026)
    assert cal.holiday_dates(2026) is first and datetime(2026, 4, 3).date() in first   # Good Friday
    assert set(cal._holiday_cache) == {2026}


# --- 7. a contract listing an asset also under one of its services -------------------------------
def test_overlapping_contract_members_are_warned(tmp_path):
    cfg = town(tmp_path)   # infra: assets [core], services [internet (fw, core), wifi]
    assert overlap_warnings(cfg.sla) == [
        "sla.contracts.infra.assets[0]: 'core' is also a member of service(s) internet; "
        "the contract's pooled figure counts its outages twice"]


# --- 8. sqlite errors are VigieErrors at the boundary ---------------------------------------------
def test_sqlite_errors_are_wrapped(tmp_path):
    cfg = town(tmp_path)
    path = tmp_path / "state" / "vigie.db"
    svc = SlaService(cfg, path, clock=lambda: t(2026, 10, 20))
    try:
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("DROP TABLE sla_ledger")
        db.close()
        with pytest.raises(LedgerError) as err:
            svc.current()
        assert isinstance(err.value, VigieError) and isinstance(err.value.__cause__, sqlite3.Error)
        with pytest.raises(LedgerError):
            svc.ledger.append(entry(5))
    finally:
        svc.close()
