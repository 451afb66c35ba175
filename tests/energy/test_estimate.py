"""Workstation states from reachability and uptime; the linear server model and its refit."""

from __future__ import annotations

import random
import textwrap

import pytest

from monitor.energy.estimate import (
    FitState, LinearModel, Observation, Segment, WorkstationState as S, classify, fit_add,
    linear_power, model_from_profile, modelled_energy, refit, server_power, state_power,
)
from monitor.energy.figure import Provenance
from monitor.energy.profiles import parse_profiles

PROFILES = parse_profiles(textwrap.dedent("""\
    version: 1
    sources:
      f: {title: "Factor", url: "https://example.org/f"}
    kinds:
      desktop:
        workstation: true
        power:
          active: {value: 175, low: 100, high: 450, source: f, year: 2024}
          sleep: {value: 4.5, low: 0.5, high: 4.5, source: f, year: 2008}
          off: {value: 0.5, low: 0, high: 0.5, source: f, year: 2013}
      thin_client:
        power:
          average: {value: 7.42, source: f, year: 2015}
      server:
        power_per_vcpu:
          idle: {value: 0.74, low: 0.71, high: 0.78, source: f, year: 2021}
          active: {value: 3.5, low: 3.5, high: 4.26, source: f, year: 2021}
    """))


def test_classify_on_sleep_off_unknown() -> None:
    obs = [
        Observation(0, True, 1_000), Observation(300, True, 1_300),   # on
        Observation(600, False), Observation(900, False),
        Observation(1_200, True, 1_500),   # booted at -300, before the silence: it slept 300..1200
        Observation(1_500, False),
        Observation(1_800, True, 100),     # booted at 1700: off 1200..1700, on 1700..1800
        Observation(2_100, False),         # silent at the end: unknown
    ]
    assert classify(obs) == (Segment(0, 300, S.ON), Segment(300, 1_200, S.SLEEP),
                             Segment(1_200, 1_700, S.OFF), Segment(1_700, 1_800, S.ON),
                             Segment(1_800, 2_100, S.UNKNOWN))


def test_classify_without_uptime_and_order() -> None:
    obs = [Observation(0, True), Observation(60, False), Observation(120, True), Observation(180, True)]
    assert classify(obs) == (Segment(0, 120, S.UNKNOWN), Segment(120, 180, S.ON))
    assert classify([]) == ()
    with pytest.raises(ValueError):
        classify([Observation(10, True), Observation(10, True)])


def test_modelled_energy_of_a_desktop_day() -> None:
    # on 400 s x 175 W = 70,000 J; sleep 900 s x 4.5 W = 4,050 J; off 500 s x 0.5 W = 250 J;
    # unknown 300 s x (4.5 + 0.5) / 2 W = 750 J. Total 75,050 J.
    # low: 400 x 100 + 900 x 0.5 + 0 + 300 x 0 = 40,450 J; high: 400 x 450 + 900 x 4.5 + 500 x 0.5
    #   + 300 x 4.5 = 185,650 J.
    segs = (Segment(0, 300, S.ON), Segment(300, 1_200, S.SLEEP), Segment(1_200, 1_700, S.OFF),
            Segment(1_700, 1_800, S.ON), Segment(1_800, 2_100, S.UNKNOWN))
    e = modelled_energy(segs, PROFILES.profile("desktop"))
    assert e.energy is not None and e.unmodelled_s == 0
    assert (e.energy.value, e.energy.low, e.energy.high) == (
        pytest.approx(75_050), pytest.approx(40_450), pytest.approx(185_650))
    assert e.energy.unit == "J" and e.energy.provenance is Provenance.MODELLED


def test_profile_without_sleep_figures_leaves_time_unmodelled() -> None:
    thin = PROFILES.profile("thin_client")
    assert state_power(thin, S.ON).value == 7.42          # average used when on
    assert state_power(thin, S.OFF) is None
    e = modelled_energy((Segment(0, 100, S.ON), Segment(100, 160, S.OFF)), thin)
    assert e.energy.value == pytest.approx(742) and e.unmodelled_s == 60


def test_linear_model_from_profile() -> None:
    # 16 vCPU x 0.74 W = 11.84 W idle; 16 x 3.5 = 56 W at full load; u = 0.25 -> 11.84 + 0.25 x 44.16
    m = model_from_profile(PROFILES.profile("server"), 16)
    assert (m.wmin, m.wmax) == (pytest.approx(11.84), pytest.approx(56.0))
    f = linear_power(m, 0.25)
    assert f.value == pytest.approx(22.88) and f.provenance is Provenance.FACTOR
    assert f.low == pytest.approx(11.36 + 0.25 * (56 - 11.36))       # 0.71 x 16 = 11.36
    assert f.high == pytest.approx(12.48 + 0.25 * (68.16 - 12.48))   # 0.78 x 16, 4.26 x 16
    with pytest.raises(ValueError):
        linear_power(m, 1.5)
    measured = server_power(m, 0.25, measured_w=30.0)
    assert measured.provenance is Provenance.MEASURED and measured.value == 30.0


def _feed(pairs: list[tuple[float, float]]) -> FitState:
    s = FitState()
    for u, w in pairs:
        s = fit_add(s, u, w)
    return s


PRIOR = LinearModel.point(50.0, 200.0, Provenance.FACTOR, ("prior",))


def test_refit_exact_on_noise_free_data() -> None:
    pairs = [(u / 10, 120 + (u / 10) * 260) for u in range(11)] * 3
    m = refit(PRIOR, _feed(pairs))
    assert m.wmin == pytest.approx(120, abs=1e-9) and m.wmax == pytest.approx(380, abs=1e-9)
    assert m.wmin_high - m.wmin == pytest.approx(0, abs=1e-4)      # no residual: spread ~ rounding
    assert m.provenance is Provenance.MEASURED
    assert linear_power(m, 0.5).provenance is Provenance.MODELLED


def test_refit_converges_to_the_true_model() -> None:
    rng = random.Random(4)
    true_min, true_max = 120.0, 380.0
    errors = []
    s = FitState()
    for n in range(1, 4_001):
        u = rng.random()
        s = fit_add(s, u, true_min + u * (true_max - true_min) + rng.gauss(0, 8))
        if n in (50, 4_000):
            m = refit(PRIOR, s)
            errors.append(max(abs(m.wmin - true_min), abs(m.wmax - true_max)))
    assert errors[1] < 1.5                 # 4,000 points: within 1.5 W of the truth
    assert errors[1] < errors[0]           # and closer than with 50
    m = refit(PRIOR, s)
    assert m.wmin_low < true_min < m.wmin_high       # +/- 2 sigma covers the truth
    assert (m.wmin_high - m.wmin) / 2 == pytest.approx(8, rel=0.1)   # sigma recovered


def test_refit_matches_two_pass_least_squares() -> None:
    rng = random.Random(7)
    pairs = [(rng.random(), rng.uniform(80, 400)) for _ in range(200)]
    mu = sum(u for u, _ in pairs) / len(pairs)
    mw = sum(w for _, w in pairs) / len(pairs)
    b = sum((u - mu) * (w - mw) for u, w in pairs) / sum((u - mu) ** 2 for u, _ in pairs)
    m = refit(PRIOR, _feed(pairs))
    if b >= 0:
        assert m.wmax - m.wmin == pytest.approx(b) and m.wmin == pytest.approx(mw - b * mu)
    else:
        assert m.wmax == m.wmin == pytest.approx(mw)


def test_refit_bounds_and_fallbacks() -> None:
    assert refit(PRIOR, _feed([(0.5, 100)] * 5)) is PRIOR                 # too few points
    # u stuck at 0.5: slope from the prior (150 W), intercept fitted: 300 - 0.5 x 150 = 225
    m = refit(PRIOR, _feed([(0.5, 300)] * 30))
    assert (m.wmin, m.wmax) == (pytest.approx(225), pytest.approx(375))
    # power falling with load (noise): slope clamped to 0
    m = refit(PRIOR, _feed([(u / 20, 200 - u) for u in range(21)]))
    assert m.wmin == m.wmax == pytest.approx(190)
    # Wmax bounded by the PSU rating
    m = refit(PRIOR, _feed([(u / 20, 100 + 10 * u) for u in range(21)]), max_w=250)
    assert m.wmax == pytest.approx(250) and m.wmin == pytest.approx(100)
    with pytest.raises(ValueError):
        fit_add(FitState(), 0.5, -3)
