"""Energy accumulation: trapezoid with bounded gaps, counters with wrap/reset, unit scaling, restarts."""

from __future__ import annotations

import json

import pytest

from monitor.counters import Discontinuity
from monitor.energy.accumulate import (
    EnergyUnit, MeterConfig, MeterState, Method, Reading, fold, step,
)

POWER = MeterConfig(max_gap=180.0)   # 60 s polls, 3 x poll interval


def test_trapezoid_with_a_gap_too_long_is_unmeasured() -> None:
    # [0,60]    (100 + 200) / 2 x 60 =  9,000 J
    # [60,120]  (200 + 200) / 2 x 60 = 12,000 J
    # [120,600] 480 s > max_gap 180 s: not integrated, 480 s unmeasured
    # [600,660] (100 + 300) / 2 x 60 = 12,000 J
    # total 33,000 J over 180 measured s
    readings = [Reading(0, watts=100), Reading(60, watts=200), Reading(120, watts=200),
                Reading(600, watts=100), Reading(660, watts=300)]
    s = fold(readings, POWER)
    assert s.joules == pytest.approx(33_000)
    assert s.power_j == s.joules and s.counter_j == 0
    assert s.measured_s == 180 and s.unmeasured_s == 480


def test_gap_equal_to_max_gap_is_integrated_and_step_reports_method() -> None:
    s, first = step(MeterState(), Reading(0, watts=50), POWER)
    assert first.method is Method.FIRST
    s, st = step(s, Reading(180, watts=70), POWER)         # exactly max_gap: (50+70)/2 x 180 = 10,800
    assert st.method is Method.POWER and st.joules == pytest.approx(10_800)
    s, st = step(s, Reading(361, watts=70), POWER)         # 181 s: too long
    assert st.method is Method.GAP and st.joules == 0 and st.unmeasured_s == 181
    assert s.joules == pytest.approx(10_800) and s.unmeasured_s == 181


def test_failed_poll_breaks_the_pair() -> None:
    # The poll at 60 returned nothing: [0,60] and [60,120] have no power at both ends.
    s = fold([Reading(0, watts=100), Reading(60), Reading(120, watts=100), Reading(180, watts=100)], POWER)
    assert s.joules == pytest.approx(6_000)   # only [120,180]: 100 W x 60 s
    assert s.unmeasured_s == 120 and s.measured_s == 60


def test_energy_counter_wrap_32_bits() -> None:
    # Wh counter, Counter32: 4,294,967,196 -> 50 is a wrap: +100 + 50 = 150 Wh = 540,000 J
    cfg = MeterConfig(unit=EnergyUnit.WATT_HOUR, bits=32, max_gap=180)
    s = fold([Reading(0, energy=2**32 - 100, uptime=1_000), Reading(300, energy=50, uptime=1_300)], cfg)
    assert s.counter_j == pytest.approx(540_000)
    assert s.wraps == 1 and s.resets == 0 and s.measured_s == 300 and s.unmeasured_s == 0


def test_pdu_reboot_loses_only_the_time_before_the_restart() -> None:
    # rPDU2 energy in 0.1 kWh (360,000 J per unit), width unknown.
    # t=0 raw 1000; t=300 raw 1002: +2 units = 720,000 J over 300 s
    # t=600 raw 1, uptime 100: rebooted at 500. [300,500] lost (200 s unmeasured),
    #   [500,600] counted: 1 unit = 360,000 J. Total 1,080,000 J, measured 400 s.
    cfg = MeterConfig(unit=EnergyUnit.TENTH_KWH, max_gap=180)
    s, _ = step(MeterState(), Reading(0, energy=1000, uptime=10_000), cfg)
    s, _ = step(s, Reading(300, energy=1002, uptime=10_300), cfg)
    s, st = step(s, Reading(600, energy=1, uptime=100), cfg)
    assert st.discontinuity is Discontinuity.RESET
    assert st.joules == pytest.approx(360_000) and st.unmeasured_s == 200 and st.measured_s == 100
    assert s.joules == pytest.approx(1_080_000)
    assert (s.measured_s, s.unmeasured_s, s.resets) == (400, 200, 1)


def test_reset_without_uptime_flags_the_whole_interval() -> None:
    cfg = MeterConfig(unit=EnergyUnit.KILOWATT_HOUR, max_gap=180)
    s = fold([Reading(0, energy=5.0), Reading(300, energy=1.0)], cfg)
    assert s.joules == pytest.approx(3.6e6)        # what the counter shows since its restart
    assert s.unmeasured_s == 300 and s.measured_s == 0 and s.resets == 1


@pytest.mark.parametrize(("unit", "joules"), [
    (EnergyUnit.KILOWATT_HOUR, 2.5 * 3.6e6),        # 2.5 kWh
    (EnergyUnit.TENTH_KWH, 2.5 * 360_000),          # 2.5 units of 0.1 kWh = 0.25 kWh
    (EnergyUnit.HUNDREDTH_KWH, 2.5 * 36_000),
    (EnergyUnit.WATT_HOUR, 2.5 * 3_600),
    (EnergyUnit.JOULE, 2.5),
])
def test_unit_scaling(unit: EnergyUnit, joules: float) -> None:
    s = fold([Reading(0, energy=10.0), Reading(60, energy=12.5)], MeterConfig(unit=unit, max_gap=180))
    assert s.joules == pytest.approx(joules)
    assert EnergyUnit.parse(unit.label) is unit


def test_unknown_unit_label() -> None:
    with pytest.raises(ValueError, match="unknown energy unit"):
        EnergyUnit.parse("MWh")


def test_counter_preferred_over_power() -> None:
    # Power says 1000 W (60,000 J over 60 s) but the counter says 10 Wh (36,000 J): the counter wins.
    cfg = MeterConfig(unit=EnergyUnit.WATT_HOUR, max_gap=180)
    s = fold([Reading(0, watts=1000, energy=100), Reading(60, watts=1000, energy=110)], cfg)
    assert s.joules == pytest.approx(36_000) and s.power_j == 0


def test_counter_covers_missed_polls_exactly() -> None:
    # Counter read at 0 and 600; the poll at 300 failed. The counter's 10 Wh covers all 600 s,
    # so the 300 s first reported as unmeasured are measured after all.
    cfg = MeterConfig(unit=EnergyUnit.WATT_HOUR, max_gap=180)
    s, _ = step(MeterState(), Reading(0, energy=100), cfg)
    s, st = step(s, Reading(300), cfg)
    assert st.method is Method.NONE and s.unmeasured_s == 300
    s, st = step(s, Reading(600, energy=110), cfg)
    assert st.method is Method.COUNTER and st.unmeasured_s == -300
    assert (s.joules, s.measured_s, s.unmeasured_s) == (pytest.approx(36_000), 600, 0)


def test_counter_after_power_integration_does_not_double_count() -> None:
    # t=0 counter+power; t=60 power only (integrated); t=120 counter only: the counter delta would
    # overlap [0,60], so [60,120] is unmeasured (no power at 120), and the counter resumes after.
    cfg = MeterConfig(unit=EnergyUnit.WATT_HOUR, max_gap=180)
    s = fold([Reading(0, watts=60, energy=0), Reading(60, watts=60), Reading(120, energy=2),
              Reading(180, energy=3)], cfg)
    assert s.power_j == pytest.approx(3_600)        # 60 W x 60 s
    assert s.counter_j == pytest.approx(3_600)      # 1 Wh over [120,180]
    assert s.measured_s == 120 and s.unmeasured_s == 60


def test_out_of_order_readings_are_ignored_and_bad_values_raise() -> None:
    s = fold([Reading(0, watts=10), Reading(60, watts=10)], POWER)
    s2, st = step(s, Reading(30, watts=99), POWER)
    assert st.method is Method.IGNORED and s2 == s
    with pytest.raises(ValueError):
        step(s, Reading(120, watts=-1), POWER)
    with pytest.raises(ValueError):
        step(s, Reading(120, watts=float("nan")), POWER)
    with pytest.raises(ValueError):
        MeterConfig(max_gap=0)


def test_state_survives_a_restart_exactly() -> None:
    cfg = MeterConfig(unit=EnergyUnit.TENTH_KWH, bits=0, max_gap=180)
    readings = [Reading(t, watts=100 + t % 7, energy=1000 + t // 100, uptime=5_000 + t)
                for t in range(0, 1200, 60)] + [Reading(1260, watts=90, energy=3, uptime=10)]
    whole = fold(readings, cfg)
    half = fold(readings[:9], cfg)
    restored = MeterState.from_record(json.loads(json.dumps(half.to_record())))
    assert restored == half
    assert fold(readings[9:], cfg, restored) == whole
