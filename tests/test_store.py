from monitor.counters import CounterState
from monitor.store import Store, Transition


def test_transitions_and_counters_survive_reopen(tmp_path):
    path = tmp_path / "state.db"
    s = Store(path)
    s.start_run(1000.0, ["a"])
    s.record_transitions([Transition("a", 1001.0, "up"), Transition("a", 1100.0, "down", "icmp: timeout")])
    s.save_counters({"k": CounterState(5.0, 2.0 ** 32, 12.5)}, 1100.0)
    s.heartbeat(1150.0)
    s.close()  # crash: no stop_run

    s = Store(path)
    assert s.load_counters() == {"k": CounterState(5.0, 2.0 ** 32, 12.5)}
    s.start_run(2000.0, ["a", "b"])
    rows = list(s.transitions("a"))
    # the gap since the last heartbeat is unmeasured, never assumed up
    assert rows[-1] == Transition("a", 1150.0, "unmeasured", "daemon not running")
    assert list(s.transitions("b")) == []
    runs = s.runs()
    assert runs[0] == (1000.0, 1150.0, 1150.0) and runs[1][0] == 2000.0


def test_clean_stop_marks_unmeasured(tmp_path):
    s = Store(tmp_path / "s.db")
    s.start_run(10.0, ["a"])
    s.record_transitions([Transition("a", 11.0, "up")])
    s.stop_run(20.0, ["a"])
    assert s.last_state("a") == Transition("a", 20.0, "unmeasured", "daemon stopped")
    s.start_run(30.0, ["a"])  # already unmeasured: no duplicate row
    assert [t.state for t in s.transitions("a")] == ["up", "unmeasured"]


def test_wal_mode(tmp_path):
    s = Store(tmp_path / "w.db")
    assert s._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_transition_after_the_last_heartbeat_still_ends_at_the_crash(tmp_path):
    s = Store(tmp_path / "c.db")
    s.start_run(1000.0, ["a"])
    s.heartbeat(1010.0)
    s.record_transitions([Transition("a", 1013.0, "down", "icmp: timeout")])
    s.close()  # crash at ~1013
    s = Store(tmp_path / "c.db")
    s.start_run(5000.0, ["a"])
    assert [(t.ts, t.state) for t in s.transitions("a")] == [(1013.0, "down"), (1013.0, "unmeasured")]
