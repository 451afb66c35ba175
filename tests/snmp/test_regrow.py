"""A max-repetitions cut after lost packets grows back after clean replies (no agent needed:
the learning is the client's bookkeeping; tests/snmp/test_too_big.py covers the cutting)."""

from monitor.snmp.client import REGROW_AFTER, SnmpClient


def test_learned_max_repetitions_regrows_to_the_configured_value():
    c = SnmpClient()
    c.remember_max_repetitions("127.0.0.1", 161, 3)
    for expected in (6, 12, 24):
        for _ in range(REGROW_AFTER - 1):
            c.note_clean_bulk("127.0.0.1", 161, 25)
        assert c.max_repetitions_for("127.0.0.1", 161) == expected // 2
        c.note_clean_bulk("127.0.0.1", 161, 25)
        assert c.max_repetitions_for("127.0.0.1", 161) == expected
    for _ in range(REGROW_AFTER):
        c.note_clean_bulk("127.0.0.1", 161, 25)
    assert c.max_repetitions_for("127.0.0.1", 161) is None      # back to the configured 25


def test_a_new_cut_restarts_the_count():
    c = SnmpClient()
    c.remember_max_repetitions("h", 1, 8)
    for _ in range(REGROW_AFTER - 1):
        c.note_clean_bulk("h", 1, 25)
    c.remember_max_repetitions("h", 1, 4)
    c.note_clean_bulk("h", 1, 25)
    assert c.max_repetitions_for("h", 1) == 4
    c.note_clean_bulk("other", 1, 25)                           # nothing learned: no entry
    assert c.max_repetitions_for("other", 1) is None
