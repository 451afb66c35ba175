from monitor.pipeline import AssetInfo, Pipeline
from monitor.probes.base import Reason, Result, Sample
from monitor.selfmetrics import SelfMetrics
from monitor.store import Store


class Clock:
    def __init__(self, t):
        self.t = t

    def __call__(self):
        return self.t


def octets(raw):
    return Sample("vigie_interface_received_bytes", raw, (("interface", "Gi0/1"),), "counter",
                  "Bytes received.", 32)


def test_counters_states_and_transitions(tmp_path):
    store = Store(tmp_path / "s.db")
    clock = Clock(1000.0)
    assets = {"fw": AssetInfo("fw", "hdv", "firewall"),
              "sw": AssetInfo("sw", "hdv", "switch", parent="fw")}
    p = Pipeline(assets=assets, store=store, metrics=SelfMetrics(), wall=clock)
    p.handle(Result("snmp", "sw", Reason.OK, 0.1, [octets(2 ** 32 - 100)], uptime=50))
    p.handle(Result("icmp", "fw", Reason.OK, 0.1))
    clock.t = 1060.0
    p.handle(Result("snmp", "sw", Reason.OK, 0.1, [octets(900)], uptime=110))  # wrap
    sample = p.snapshot["sw"].probes["snmp"].samples[0]
    assert sample.value == 2 ** 32 + 900          # monotonic across the wrap
    clock.t = 1120.0
    p.handle(Result("icmp", "fw", Reason.TIMEOUT, 1.0))
    p.handle(Result("snmp", "sw", Reason.TIMEOUT, 2.0))
    assert p.states()["fw"][0] == "down"
    assert p.states()["sw"] == ("unreachable", "parent fw is down")
    assert p.snapshot["sw"].state == "unreachable"
    clock.t = 1180.0
    p.handle(Result("icmp", "fw", Reason.OK, 0.1))
    p.handle(Result("snmp", "sw", Reason.OK, 0.1, [octets(300)], uptime=5))  # agent rebooted
    assert p.snapshot["sw"].probes["snmp"].samples[0].value == 2 ** 32 + 900 + 300
    rows = [(t.asset, t.ts, t.state) for t in store.transitions()]
    assert rows == [("fw", 1000.0, "up"), ("fw", 1120.0, "down"), ("fw", 1180.0, "up"),
                    ("sw", 1000.0, "up"), ("sw", 1120.0, "unreachable"), ("sw", 1180.0, "up")]
    p.flush()
    # a restarted daemon continues the same totals
    p2 = Pipeline(assets=assets, store=store, metrics=SelfMetrics(), wall=clock)
    p2.handle(Result("snmp", "sw", Reason.OK, 0.1, [octets(1500)], uptime=65))
    assert p2.snapshot["sw"].probes["snmp"].samples[0].value == 2 ** 32 + 900 + 1500
    assert p2.states()["sw"][0] == "up"


def test_dependency_chain_and_recovery_order(tmp_path):
    """fw <- core <- ap, fw <- printer: an outage upstream makes the chain unreachable, not down;
    a child that answers stays up; recovery of the parent leaves the child unreachable until its
    own next poll decides."""
    clock = Clock(0.0)
    assets = {"fw": AssetInfo("fw", "s", "firewall"),
              "core": AssetInfo("core", "s", "switch", parent="fw"),
              "ap": AssetInfo("ap", "s", "access_point", parent="core"),
              "printer": AssetInfo("printer", "s", "printer", parent="core"),
              "other": AssetInfo("other", "s", "server")}
    p = Pipeline(assets=assets, store=Store(tmp_path / "s.db"), metrics=SelfMetrics(), wall=clock)
    for name in ("ap", "core", "printer", "other"):
        p.handle(Result("icmp", name, Reason.TIMEOUT if name != "printer" else Reason.OK, 1.0))
    assert p.states()["core"][0] == "down"
    p.handle(Result("icmp", "fw", Reason.TIMEOUT, 1.0))
    st = p.states()
    assert st["fw"][0] == "down" and st["other"][0] == "down"
    assert st["core"] == ("unreachable", "parent fw is down")
    assert st["ap"] == ("unreachable", "parent core is unreachable")
    assert st["printer"][0] == "up"
    p.handle(Result("icmp", "fw", Reason.OK, 1.0))
    assert p.states()["core"][0] == "unreachable"          # waits for its own poll
    p.handle(Result("icmp", "core", Reason.OK, 1.0))
    assert p.states()["core"][0] == "up"
    assert p.snapshot["core"].state == "up"


def test_dependency_cycle_does_not_loop(tmp_path):
    assets = {"a": AssetInfo("a", "s", "switch", parent="b"),
              "b": AssetInfo("b", "s", "switch", parent="a")}
    p = Pipeline(assets=assets, store=Store(tmp_path / "s.db"), metrics=SelfMetrics())
    p.handle(Result("icmp", "a", Reason.TIMEOUT, 1.0))
    p.handle(Result("icmp", "b", Reason.TIMEOUT, 1.0))
    assert set(p.snapshot) == {"a", "b"}


def counter(name, raw):
    return Sample(name, raw, (("interface", "1"),), "counter", "", 32)


def test_reboot_resets_every_counter_of_the_poll_and_later_the_missing_ones(tmp_path):
    """Two counters read before a reboot, both lower after it: both are resets, none a 2**32 wrap.
    A third counter missing from the first poll after the reboot still sees it when it comes
    back (and across a daemon restart, through the store)."""
    store = Store(tmp_path / "s.db")
    p = Pipeline(assets={"sw": AssetInfo("sw", "s", "switch")}, store=store, metrics=SelfMetrics())
    p.handle(Result("snmp", "sw", Reason.OK, 0.1, [counter("a", 1_100_000), counter("b", 2_100_000),
                                                    counter("c", 500_000)], uptime=1000.0))
    p.handle(Result("snmp", "sw", Reason.OK, 0.1, [counter("a", 10), counter("b", 20)], uptime=30.0))
    totals = {s.name: s.value for s in p.snapshot["sw"].probes["snmp"].samples}
    assert totals == {"a": 1_100_010, "b": 2_100_020}
    p.flush()
    p2 = Pipeline(assets={"sw": AssetInfo("sw", "s", "switch")}, store=store, metrics=SelfMetrics())
    p2.handle(Result("snmp", "sw", Reason.OK, 0.1, [counter("a", 40), counter("c", 7)], uptime=90.0))
    totals = {s.name: s.value for s in p2.snapshot["sw"].probes["snmp"].samples}
    assert totals == {"a": 1_100_040, "c": 500_007}      # c: reset seen, not a wrap


def test_transitions_survive_a_locked_store(tmp_path):
    import sqlite3
    store = Store(tmp_path / "s.db")
    p = Pipeline(assets={"a": AssetInfo("a", "s", "server")}, store=store, metrics=SelfMetrics(),
                 wall=Clock(100.0))
    locker = sqlite3.connect(tmp_path / "s.db", isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")                  # e.g. a CLI holding the write lock
    p.handle(Result("icmp", "a", Reason.OK, 0.1))      # up: cannot be written now
    assert p.states()["a"][0] == "up"
    assert list(store.transitions("a")) == []
    locker.execute("ROLLBACK")
    p.flush()                                           # written at the next flush
    assert [t.state for t in store.transitions("a")] == ["up"]


def test_reload_drops_removed_probes_and_records_removed_assets(tmp_path):
    store = Store(tmp_path / "s.db")
    clock = Clock(10.0)
    both = frozenset({"icmp", "http"})
    p = Pipeline(assets={"a": AssetInfo("a", "s", "service", probes=both),
                         "b": AssetInfo("b", "s", "server", probes=frozenset({"icmp"}))},
                 store=store, metrics=SelfMetrics(), wall=clock)
    p.handle(Result("icmp", "a", Reason.OK, 0.1))
    p.handle(Result("http", "a", Reason.BAD_STATUS, 0.1))
    p.handle(Result("icmp", "b", Reason.OK, 0.1))
    assert p.states()["a"][0] == "down"
    # the failing http check is taken off "a", and "b" leaves the inventory
    p.set_assets({"a": AssetInfo("a", "s", "service", probes=frozenset({"icmp"}))}, ts=20.0)
    assert p.states() == {"a": ("up", "")}
    assert set(p.snapshot["a"].probes) == {"icmp"}
    p.flush()
    rows = [(t.asset, t.ts, t.state) for t in store.transitions()]
    assert rows == [("a", 10.0, "up"), ("a", 10.0, "down"), ("a", 20.0, "up"),
                    ("b", 10.0, "up"), ("b", 20.0, "unmeasured")]
