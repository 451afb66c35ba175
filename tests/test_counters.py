import pytest

from monitor.counters import CounterState, Discontinuity, advance

W32 = 2 ** 32


def run(readings, bits):
    """Feed (raw, uptime) readings, return exported totals and events."""
    state, totals, events = None, [], []
    for raw, uptime in readings:
        state, event = advance(state, raw, bits, uptime)
        totals.append(state.total)
        events.append(event)
    return totals, events


def test_first_reading_exports_device_value():
    totals, events = run([(1234, 10.0)], 64)
    assert totals == [1234] and events == [Discontinuity.NONE]


def test_counter32_wrap_adds_2_pow_32():
    # 4294967000 -> wraps -> 704: real increment is 296 + 704 = 1000
    totals, events = run([(W32 - 296, 100.0), (704, 160.0)], 32)
    assert totals[1] - totals[0] == 1000
    assert events[1] is Discontinuity.WRAP


def test_two_wraps_keep_counting():
    totals, _ = run([(W32 - 10, 1.0), (5, 2.0), (W32 - 1, 3.0), (9, 4.0)], 32)
    assert [b - a for a, b in zip(totals, totals[1:])] == [15, W32 - 6, 10]


def test_agent_reboot_detected_by_uptime_never_negative():
    # device counted to 5000, rebooted (uptime 3 s), now shows 120
    totals, events = run([(4000, 1000.0), (5000, 1060.0), (120, 3.0), (300, 63.0)], 64)
    assert events[2] is Discontinuity.RESET
    assert totals == [4000, 5000, 5120, 5300]
    assert all(b >= a for a, b in zip(totals, totals[1:]))


def test_uptime_back_without_counter_going_down_is_not_a_reset():
    # snmpd restarted (sysUpTime back to 30 s) but the kernel's 10 TB counter ran on: no jump
    totals, events = run([(10 ** 13, 5000.0), (10 ** 13 + 400, 30.0)], 64)
    assert events[1] is Discontinuity.NONE and totals[1] == 10 ** 13 + 400
    # sysUpTime wrapped (497 days) on a 32-bit counter that went on counting: no jump either
    totals, events = run([(100, 42_949_672.0), (400, 10.0)], 32)
    assert events[1] is Discontinuity.NONE and totals[1] == 400


def test_counter64_decrease_without_uptime_is_reset_not_wrap():
    totals, events = run([(10 ** 12, None), (50, None)], 64)
    assert events[1] is Discontinuity.RESET and totals[1] == 10 ** 12 + 50


@pytest.mark.parametrize("bits", [32, 64])
def test_monotonic_input_passes_through(bits):
    totals, events = run([(1, 1.0), (2, 2.0), (2, 3.0), (10, 4.0)], bits)
    assert totals == [1, 2, 2, 10] and set(events) == {Discontinuity.NONE}


def test_state_total_property():
    assert CounterState(5, 10, None).total == 15
