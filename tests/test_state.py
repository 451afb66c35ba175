from monitor.probes.base import Reason, Result
from monitor.state import DOWN, UNMEASURED, UP, own_state


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
