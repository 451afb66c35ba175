"""The exclusion ledger: append-only SQLite table with a SHA-256 hash chain."""

import sqlite3
from dataclasses import replace
from datetime import datetime

import pytest

from monitor.errors import ConfigError
from monitor.sla.calendar import PARIS, Calendar
from monitor.sla.compute import Period, compute_contract
from monitor.sla.contract import Contract
from monitor.sla.ledger import Entry, Ledger, LedgerError, occurrences
from monitor.store import Store, Transition

H = 3600.0


def L(d, h=0):
    return datetime(2026, 10, d, h, tzinfo=PARIS).timestamp()


def maint(d, reason="patch", **kw):
    return Entry("planned_maintenance", "alice", reason, L(1), intervals=((L(d, 6), L(d, 8)),),
                 assets=("a",), **kw)


@pytest.fixture
def ledger(tmp_path):
    path = tmp_path / "state.db"
    Store(path).close()  # the ledger lives beside the store's tables in the same file
    led = Ledger(path)
    for d in (5, 6, 7, 8):
        led.append(maint(d, reference=f"GLPI#{d}"))
    yield led, path
    led.close()


def _raw(path):
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("DROP TRIGGER sla_ledger_no_update")  # what an attacker with the file can do
    db.execute("DROP TRIGGER sla_ledger_no_delete")
    return db


def test_append_assigns_ids_and_chain_verifies(ledger):
    led, path = ledger
    assert [e.id for e in led.entries()] == [1, 2, 3, 4]
    v = led.verify()
    assert v.ok and v.rows == 4 and v.head == led.head()[1]
    tables = {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master")}
    assert {"transitions", "runs", "sla_ledger"} <= tables


def test_triggers_refuse_update_and_delete(ledger):
    led, path = ledger
    db = sqlite3.connect(path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE sla_ledger SET prev = 'x'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM sla_ledger WHERE seq = 1")


def test_edit_is_detected_at_the_edited_row(ledger):
    led, path = ledger
    db = _raw(path)
    text = db.execute("SELECT entry FROM sla_ledger WHERE seq = 3").fetchone()[0]
    db.execute("UPDATE sla_ledger SET entry = ? WHERE seq = 3", (text.replace("patch", "PATCH"),))
    v = led.verify()
    assert not v.ok and v.first_bad == 3 and "hash" in v.problem and v.rows == 2


def test_deletion_in_the_middle_is_detected(ledger):
    led, path = ledger
    _raw(path).execute("DELETE FROM sla_ledger WHERE seq = 2")
    v = led.verify()
    assert not v.ok and v.first_bad == 2 and "missing" in v.problem


def test_reorder_is_detected(ledger):
    led, path = ledger
    db = _raw(path)
    rows = {s: (e, p, h) for s, e, p, h in db.execute("SELECT * FROM sla_ledger")}
    # swap rows 2 and 3 wholesale (entry, prev and hash move together)
    db.execute("UPDATE sla_ledger SET entry=?, prev=?, hash=? WHERE seq=2", rows[3])
    db.execute("UPDATE sla_ledger SET entry=?, prev=?, hash=? WHERE seq=3", rows[2])
    v = led.verify()
    assert not v.ok and v.first_bad == 2


def test_tail_deletion_shows_against_a_published_head(ledger):
    led, path = ledger
    published = led.head()
    _raw(path).execute("DELETE FROM sla_ledger WHERE seq = 4")
    v = led.verify()
    assert v.ok  # a shorter chain is internally consistent...
    assert (v.rows, v.head) != published  # ...but no longer matches the head published earlier


def test_correction_supersedes(ledger):
    led, _ = ledger
    fixed = led.append(replace(maint(5, "patch, moved to 9 Oct"), intervals=((L(9, 6), L(9, 8)),),
                               supersedes=1))
    occ = occurrences(led.entries(), L(1), L(31))
    assert [(o.entry, o.start) for o in occ] == [(2, L(6, 6)), (3, L(7, 6)), (4, L(8, 6)),
                                                 (fixed.id, L(9, 6))]
    with pytest.raises(LedgerError, match="already superseded"):
        led.append(replace(maint(5), supersedes=1))
    with pytest.raises(LedgerError, match="does not exist"):
        led.append(replace(maint(5), supersedes=99))
    assert led.verify().ok


def _figure(entries):
    tr = {"a": [Transition("a", L(1), "up"), Transition("a", L(20, 10), "unreachable"),
                Transition("a", L(20, 13), "up")]}
    c = Contract("c", 99.9, Calendar.always(), assets=("a",))
    return compute_contract(c, period=Period.month(2026, 10), now=4e9, transitions=tr,
                            services={}, entries=entries).members[0].totals


def test_third_party_proposal_applies_only_once_confirmed(tmp_path):
    led = Ledger(tmp_path / "l.db")
    # the daemon proposes: "a" was unreachable 20 Oct 10:00-13:00 because its operator link was down
    prop = led.append(Entry("third_party", "vigie", "parent fibre-op down", L(20, 14),
                            intervals=((L(20, 10), L(20, 13)),), assets=("a",), status="proposed"))
    assert _figure(led.entries()).nhi == 3 * H          # proposed: not applied
    rejected_ledger = Ledger(tmp_path / "r.db")
    p2 = rejected_ledger.append(replace(prop, id=0))
    rejected_ledger.confirm(p2.id, author="bob", reason="our switch, not the operator", now=L(21),
                            status="rejected")
    assert _figure(rejected_ledger.entries()).nhi == 3 * H
    ok = led.confirm(prop.id, author="bob", reason="operator ticket ORANGE-123", now=L(21))
    t = _figure(led.entries())
    assert t.nhi == 0 and t.nht == (745 - 3) * H
    assert ok.supersedes == prop.id and ok.status == "confirmed"
    occ = occurrences(led.entries(), L(1), L(31))
    assert len(occ) == 1 and occ[0].late  # declared after the fact
    with pytest.raises(LedgerError, match="not a proposal"):
        led.append(replace(maint(5), status="confirmed", supersedes=ok.id))
    assert led.verify().ok


def test_withdrawal_removes_an_entry(ledger):
    led, _ = ledger
    led.append(replace(maint(5), status="withdrawn", supersedes=1, reason="cancelled"))
    assert [o.entry for o in occurrences(led.entries(), L(1), L(31))] == [2, 3, 4]


@pytest.mark.parametrize("kw", [
    dict(type="holiday"), dict(assets=()), dict(intervals=()), dict(author=""),
    dict(intervals=((L(5, 8), L(5, 6)),)), dict(status="maybe"),
])
def test_invalid_entries_raise(kw):
    with pytest.raises(ConfigError):
        replace(maint(5), **kw)


def test_recurring_entry_survives_reopen_and_chain_still_verifies(tmp_path):
    from monitor.sla.ledger import Recurrence
    path = tmp_path / "s.db"
    led = Ledger(path)
    e = led.append(Entry("planned_maintenance", "alice", "firmware (été)", L(1),
                         recurrence=Recurrence(weekday=1, start="06:00", end="08:00", nth=1),
                         services=("wifi",), reference="GLPI#7"))
    led.close()
    again = Ledger(path)
    assert again.entries() == [e] and again.verify().ok
    # first Tuesday of October 2026 is the 6th
    assert [(o.start, o.end) for o in occurrences(again.entries(), L(1), L(31))] == [(L(6, 6), L(6, 8))]
    again.close()
