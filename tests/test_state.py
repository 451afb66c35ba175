from monitor.probes.base import Reason, Result
from monitor.state import DOWN, UNMEASURED, UNREACHABLE, UP, own_state, resolve


def r(probe, reason):
    return Result(probe, "a", reason, 0.1)


def test_own_state_rules():
    assert own_state([r("snmp", Reason.OK)])[0] == UP
    assert own_state([r("snmp", Reason.OK), r("icmp", Reason.TIMEOUT)])[0] == DOWN
    assert own_state([r("snmp", Reason.AUTH_ERROR)])[0] == UNMEASURED
    assert own_state([r("snmp", Reason.AUTH_ERROR), r("icmp", Reason.OK)])[0] == UP
    assert own_state([])[0] == UNMEASURED
    st, why = own_state([r("http", Reason.BAD_STATUS)])
    assert st == DOWN and "http: bad_status" in why


def test_dependencies_make_children_unreachable_transitively():
    own = {"fw": (DOWN, "x"), "core": (DOWN, "y"), "ap": (DOWN, "z"), "printer": (UP, ""),
           "other": (DOWN, "w")}
    parents = {"core": "fw", "ap": "core", "printer": "core", "fw": None, "other": None}
    out = resolve(own, parents)
    assert out["fw"][0] == DOWN
    assert out["core"] == (UNREACHABLE, "parent fw is down")
    assert out["ap"] == (UNREACHABLE, "parent core is unreachable")
    assert out["printer"][0] == UP
    assert out["other"][0] == DOWN


def test_dependency_cycle_does_not_loop():
    out = resolve({"a": (DOWN, ""), "b": (DOWN, "")}, {"a": "b", "b": "a"})
    assert set(out) == {"a", "b"}
