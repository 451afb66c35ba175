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
    p.handle(Result("snmp", "sw", Reason.OK, 0.1, [octets(1000)], uptime=5))  # agent rebooted
    assert p.snapshot["sw"].probes["snmp"].samples[0].value == 2 ** 32 + 900 + 1000
    rows = [(t.asset, t.ts, t.state) for t in store.transitions()]
    assert rows == [("fw", 1000.0, "up"), ("fw", 1120.0, "down"), ("fw", 1180.0, "up"),
                    ("sw", 1000.0, "up"), ("sw", 1120.0, "unreachable"), ("sw", 1180.0, "up")]
    p.flush()
    # a restarted daemon continues the same totals
    p2 = Pipeline(assets=assets, store=store, metrics=SelfMetrics(), wall=clock)
    p2.handle(Result("snmp", "sw", Reason.OK, 0.1, [octets(1500)], uptime=65))
    assert p2.snapshot["sw"].probes["snmp"].samples[0].value == 2 ** 32 + 900 + 1500
    assert p2.states()["sw"][0] == "up"
