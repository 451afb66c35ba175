"""Indicators: kWh/page across a counter reset, ratios, PUE, CO2e, cost, means and provenance."""

from __future__ import annotations

import pytest

from monitor.energy.accumulate import EnergyUnit, MeterConfig, Reading, fold
from monitor.energy.figure import Figure, Provenance
from monitor.energy.indicators import (
    Tariff, co2e, cost, counter_delta, group_means, kwh_per_ap_year, kwh_per_page, kwh_per_year,
    mean_watts, measured_share, meter_energy, meter_mean_watts, page_ratio, pue,
)
from monitor.energy.profiles import load_profiles


def kwh(v: float, prov: Provenance = Provenance.MEASURED, low: float | None = None,
        high: float | None = None) -> Figure:
    return Figure(v, "kWh", prov, v if low is None else low, v if high is None else high)


def test_kwh_per_page_across_a_printer_counter_reset() -> None:
    # prtMarkerLifeCount readings (raw, uptime): 10,000 -> 10,200 (+200), then the printer's
    # controller restarts (uptime 100 s): 50 pages since the restart (+50), then 150 (+100).
    # Δpages = 350 (a naive last - first would give 150 - 10,000 < 0).
    pages = counter_delta([(10_000, 1_000), (10_200, 4_600), (50, 100), (150, 3_700)])
    assert (pages.delta, pages.resets, pages.wraps) == (350, 1, 0)
    # Printer energy: 0.1 kWh units 100 -> 115 = 1.5 kWh. 1.5 / 350 = 0.0042857 kWh/page.
    meter = fold([Reading(0, energy=100), Reading(3_600, energy=115)],
                 MeterConfig(unit=EnergyUnit.TENTH_KWH, max_gap=900))
    energy = meter_energy(meter)
    assert energy.value == pytest.approx(1.5)
    f = kwh_per_page(energy, pages.delta)
    assert f.value == pytest.approx(1.5 / 350) and f.unit == "kWh/page"
    assert f.provenance is Provenance.MEASURED
    assert kwh_per_page(energy, 0) is None


def test_counter_delta_resumes_from_a_stored_state_and_counts_no_reset_as_wrap() -> None:
    first = counter_delta([(100, None), (180, None)])
    assert first.delta == 80
    nxt = counter_delta([(190, None), (5, None)], state=first.state)   # +10, then reset: +5
    assert (nxt.delta, nxt.resets, nxt.wraps) == (15, 1, 0)
    assert counter_delta([]).delta == 0


def test_duplex_and_black_and_white_ratios() -> None:
    # 280 of 350 pages duplex = 0.8; 343 of 350 mono = 0.98 (target >= 0.95)
    assert page_ratio(280, 350).value == pytest.approx(0.8)
    assert page_ratio(343, 350).value == pytest.approx(0.98)
    assert page_ratio(0, 0) is None
    with pytest.raises(ValueError):
        page_ratio(400, 350)


def test_pue_per_technical_room() -> None:
    # UPS input 1,100 kWh, output (IT) 1,000 kWh -> PUE 1.1
    f = pue(kwh(1_100), kwh(1_000))
    assert f.value == pytest.approx(1.1) and f.unit == "ratio" and f.provenance is Provenance.MEASURED
    # With ranges: low = 1,050 / 1,020, high = 1,150 / 980 (conservative)
    g = pue(kwh(1_100, low=1_050, high=1_150), kwh(1_000, Provenance.MODELLED, 980, 1_020))
    assert (g.low, g.high) == (pytest.approx(1_050 / 1_020), pytest.approx(1_150 / 980))
    assert g.provenance is Provenance.MODELLED
    assert pue(kwh(10), kwh(0)) is None


def test_co2e_with_the_versioned_ademe_factor() -> None:
    p = load_profiles()
    # 1,000 kWh x 0.0461 kgCO2e/kWh = 46.1 kgCO2e (2025); x 0.0519 = 51.9 (2024)
    f = co2e(kwh(1_000), p.emission_factor(2025))
    assert f.value == pytest.approx(46.1) and f.unit == "kgCO2e"
    assert f.provenance is Provenance.MEASURED and "ademe-base-empreinte (2025)" in f.sources
    assert co2e(kwh(1_000), p.emission_factor(2024)).value == pytest.approx(51.9)
    modelled = co2e(kwh(200, Provenance.MODELLED, 100, 300), p.emission_factor(2025))
    assert (modelled.low, modelled.high) == (pytest.approx(4.61), pytest.approx(13.83))
    assert modelled.provenance is Provenance.MODELLED


def test_cost_with_a_configured_tariff() -> None:
    # 1,000 kWh x 0.2516 EUR/kWh = 251.60 EUR
    t = Tariff(eur_per_kwh=0.2516, source="town contract", year=2025)
    f = cost(kwh(1_000), t)
    assert f.value == pytest.approx(251.6) and f.unit == "EUR" and f.sources == ("town contract (2025)",)
    with pytest.raises(ValueError):
        Tariff(eur_per_kwh=-1, source="x", year=2025)
    with pytest.raises(ValueError):
        cost(Figure.exact(1.0, "J", Provenance.MEASURED), t)


def test_mean_watts_and_kwh_per_year() -> None:
    # 2.4 kWh over one day = 100 W on average = 876 kWh/year
    day = 86_400.0
    assert mean_watts(kwh(2.4), day).value == pytest.approx(100)
    assert kwh_per_year(kwh(2.4), day).value == pytest.approx(876)
    assert mean_watts(kwh(1), 0) is None
    # A meter's mean is over its measured time only: 100 W over [0,60], a long gap, 100 W [600,660]
    meter = fold([Reading(0, watts=100), Reading(60, watts=100), Reading(600, watts=100),
                  Reading(660, watts=100)], MeterConfig(max_gap=180))
    assert meter_mean_watts(meter).value == pytest.approx(100)


def test_per_site_and_fleet_means_and_measured_share() -> None:
    w = {"pc1": Figure.exact(40, "W", Provenance.MEASURED),
         "pc2": Figure.exact(60, "W", Provenance.MEASURED),
         "pc3": Figure(30, "W", Provenance.MODELLED, 20, 50)}
    per_site, fleet = group_means(w, {"pc1": "mairie", "pc2": "mairie", "pc3": "ecole"}, "W")
    assert per_site["mairie"].value == 50 and per_site["mairie"].provenance is Provenance.MEASURED
    assert per_site["ecole"].provenance is Provenance.MODELLED
    assert fleet.value == pytest.approx(130 / 3) and fleet.provenance is Provenance.MODELLED
    assert (fleet.low, fleet.high) == (pytest.approx(120 / 3), pytest.approx(150 / 3))
    assert measured_share(w.values()) == pytest.approx(100 / 130)


def test_kwh_per_access_point() -> None:
    # Two APs over 7 days: 0.1 and 0.3 kWh of PoE -> mean 0.2 kWh -> 0.2 x 365 / 7 = 10.43 kWh/year
    f = kwh_per_ap_year([kwh(0.1), kwh(0.3)], 7 * 86_400)
    assert f.value == pytest.approx(0.2 * 365 / 7) and f.unit == "kWh/year"
    assert kwh_per_ap_year([], 86_400) is None
