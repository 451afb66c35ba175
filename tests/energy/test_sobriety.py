"""Sobriety KPIs, hand-worked: windows outside opening hours (across DST), shares vs targets, gains."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from monitor.config.model import Asset, Config, DaemonOptions
from monitor.energy import baselines as bl
from monitor.energy.config import EnergySection
from monitor.energy.figure import Figure, Provenance
from monitor.energy.indicators import Tariff
from monitor.energy.profiles import EmissionFactor
from monitor.energy.sobriety_config import BaselineConf, Eligible, SobrietySection, TariffConf
from monitor.energy.sobriety_db import Recorder, connect
from monitor.energy.sobriety_kpi import Status, change_kpi, compliant, share_kpi, window_of
from monitor.energy.sobriety_month import month_sobriety_data
from monitor.sla.calendar import PARIS
from monitor.sla.config import CalendarConf

HOURS = CalendarConf(kind="weekly", ranges={"mon-fri": ("08:00-19:00",)})


def ts(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS).timestamp()


@pytest.mark.parametrize("good,counted,target,status", [
    (9, 10, 0.90, Status.MET),          # 9 of 10 workstations asleep outside hours -> 90 % -> atteint
    (8, 10, 0.90, Status.NOT_MET),
    (4, 5, 0.80, Status.MET),
    (0, 0, 0.80, Status.UNMEASURED),
])
def test_share_kpi(good: int, counted: int, target: float, status: Status) -> None:
    k = share_kpi("workstations_off", "fleet", good, counted, target)
    assert k.status is status
    if counted:
        assert k.ratio is not None and k.ratio.value == pytest.approx(good / counted)


def test_change_kpi_pages_and_density() -> None:
    # 7,000 pages this October vs 10,000 last October: -30 % -> atteint at 30 %.
    k = change_kpi("pages_reduction", "fleet", 7000, 10000, 0.30, reduction=True)
    assert k.ratio.value == pytest.approx(0.30) and k.status is Status.MET
    k = change_kpi("pages_reduction", "fleet", 8000, 10000, 0.30, reduction=True)
    assert k.status is Status.NOT_MET
    # 8.4 running VMs per node vs 7.0 baseline: +20 %.
    k = change_kpi("vm_density_gain", "fleet", 8.4, 7.0, 0.10, reduction=False)
    assert k.ratio.value == pytest.approx(0.20) and k.status is Status.MET
    assert change_kpi("vm_density_gain", "fleet", None, 7.0, 0.1, reduction=False).status is Status.UNMEASURED


def test_compliance_needs_half_the_window_observed() -> None:
    assert compliant(0, 3600, 10000, 900) is None
    assert compliant(900, 6000, 10000, 900) is True
    assert compliant(901, 6000, 10000, 900) is False


def test_windows_across_dst() -> None:
    cal = HOURS.build("s")
    # Weekend of the autumn change (Sun 25 Oct 2026, 03:00 -> 02:00): Fri 19:00 to Mon 08:00 local
    # is 61 h of wall clock plus the repeated hour = 62 h.
    a, b = window_of(cal, ts("2026-10-24T12:00"))
    assert (a, b) == (ts("2026-10-23T19:00"), ts("2026-10-26T08:00"))
    assert b - a == 62 * 3600
    # Spring (Sun 29 Mar 2026, 02:00 -> 03:00): 60 h.
    a, b = window_of(cal, ts("2026-03-28T12:00"))
    assert b - a == 60 * 3600
    assert window_of(cal, ts("2026-10-22T10:00")) is None
    # A weeknight: 19:00 -> 08:00 = 13 h.
    a, b = window_of(cal, ts("2026-10-21T23:00"))
    assert b - a == 13 * 3600


def test_gains_in_kwh_eur_co2e() -> None:
    # 10 workstations at 30 W instead of a 40 W baseline for 30 days: 10 W x 10 x 720 h = 72 kWh.
    cur = Figure.exact(30.0, "W", Provenance.MODELLED)
    saved = bl.power_saving_kwh(40.0, cur, 30 * 86400, 10, "audit 2025")
    assert saved.value == pytest.approx(72.0)
    g = bl.gains(saved, Tariff(eur_per_kwh=0.25, source="contrat", year=2026),
                 EmissionFactor(2025, 0.0461, ("ademe-base-empreinte",)))
    assert g.eur.value == pytest.approx(18.0)             # 72 x 0.25
    assert g.kgco2e.value == pytest.approx(3.3192)        # 72 x 0.0461
    assert g.kwh.provenance is Provenance.MODELLED
    # A drift (more than the baseline) stays negative through the conversions.
    worse = bl.gains(bl.power_saving_kwh(40.0, Figure.exact(50.0, "W", Provenance.MODELLED), 3600, 1, "x"),
                     Tariff(eur_per_kwh=0.2, source="c", year=2026), None)
    assert worse.kwh.value == pytest.approx(-0.01) and worse.eur.value == pytest.approx(-0.002)


def _config(tmp: Path, n: int = 10, **kw: object) -> Config:
    assets = tuple(Asset(name=f"pc{i}", site="mairie", kind="workstation") for i in range(n))
    assets += (Asset(name="copieur", site="mairie", kind="printer"),)
    sob = SobrietySection(hours={"default": HOURS}, **kw)  # type: ignore[arg-type]
    return Config(daemon=DaemonOptions(state_dir=str(tmp)), assets=assets, energy=EnergySection(sobriety=sob))


def test_month_from_recorded_polls(tmp_path: Path) -> None:
    """10 workstations polled every 5 min through the night of 21-22 Oct 2026: pc0 stays on."""
    cfg = _config(tmp_path, baselines=(BaselineConf(name="workstation_power", value=100.0, unit="W",
                                                     date="2025-10-01", source="audit 2025"),),
                  tariff=TariffConf(eur_per_kwh=0.25, source="contrat", year=2026))
    db = connect(tmp_path / "vigie.db")
    rec = Recorder(db, max_gap=600)
    cal = cfg.energy.sobriety.calendar("mairie")
    t = ts("2026-10-21T18:00")
    while t <= ts("2026-10-22T09:00"):
        for i in range(10):
            on = i == 0 or cal.in_service(t)
            rec.observe("workstations_off", f"pc{i}", "mairie", cal, t, on)
        t += 300
    rec.pages("copieur", "total", "m=1", ts("2026-10-21T10:00"), 1000, None)
    rec.pages("copieur", "total", "m=1", ts("2026-10-21T11:00"), 1100, None)
    rec.pages("copieur", "duplex", "m=1", ts("2026-10-21T10:00"), 500, None)
    rec.pages("copieur", "duplex", "m=1", ts("2026-10-21T11:00"), 596, None)
    rec.energy("copieur", ts("2026-10-01T00:10"), 1.0e6)      # meters runtime: J since metering began
    rec.energy("copieur", ts("2026-10-31T23:50"), 1.0e6 + 7.2e6)   # +2 kWh in October
    db.close()
    m = month_sobriety_data(cfg, tmp_path / "vigie.db", 2026, 10, ts("2026-11-05T00:00"))
    assert m.assets_kwh["copieur"].value == pytest.approx(2.0)
    assert m.assets_kwh["copieur"].provenance is Provenance.MEASURED
    assert m.consumption["printer"].value == pytest.approx(2.0)
    assert 0 < m.measured_share < 1
    ws = {k.site: k for k in m.kpis if k.kpi == "workstations_off"}
    assert (ws["fleet"].numerator, ws["fleet"].denominator) == (9, 10)
    assert ws["fleet"].status is Status.MET
    duplex = next(k for k in m.kpis if k.kpi == "duplex")
    assert duplex.ratio.value == pytest.approx(0.96) and duplex.status is Status.MET
    assert m.pages["copieur"] == {"total": 100.0, "duplex": 96.0}
    assert next(k for k in m.kpis if k.kpi == "pages_reduction").status is Status.UNMEASURED
    assert m.workstation_power["fleet"].provenance is Provenance.MODELLED
    assert "workstation_power:fleet" in m.gains and m.gains["workstation_power:fleet"].eur is not None
    assert m.consumption["total"].value == pytest.approx(m.consumption["workstation"].value
                                                         + m.consumption["printer"].value)
    # Deterministic for a past month.
    assert month_sobriety_data(cfg, tmp_path / "vigie.db", 2026, 10, ts("2026-12-01T00:00")) == m


def test_restart_gap_is_not_observed(tmp_path: Path) -> None:
    cal = HOURS.build("s")
    db = connect(tmp_path / "v.db")
    rec = Recorder(db, max_gap=600)
    rec.observe("vms_off", "test-1", "s", cal, ts("2026-10-21T20:00"), True)
    rec.observe("vms_off", "test-1", "s", cal, ts("2026-10-21T20:05"), True)
    rec.observe("vms_off", "test-1", "s", cal, ts("2026-10-21T23:00"), False)   # gap: not observed
    on_s, obs = db.execute("SELECT on_s, observed_s FROM sobriety_windows").fetchone()
    assert (on_s, obs) == (300.0, 300.0)


def test_page_counter_reset_counts_from_zero(tmp_path: Path) -> None:
    db = connect(tmp_path / "v.db")
    rec = Recorder(db, max_gap=600)
    for raw in (5000, 5100, 20, 70):       # controller replaced after 5100
        rec.pages("p", "total", "", ts("2026-10-02T10:00"), raw, None)
    assert db.execute("SELECT pages FROM sobriety_pages").fetchone()[0] == 100 + 20 + 50


def test_eligible_patterns() -> None:
    e = Eligible(vms=("test-*", "*-rec"))
    assert e.match("test-web", e.vms) and e.match("gf-rec", e.vms) and not e.match("prod-db", e.vms)


def test_window_cache_matches_direct_split() -> None:
    from monitor.energy.sobriety_kpi import WindowCache, split_by_window
    cal, cache = HOURS.build("s"), WindowCache()
    t = ts("2026-10-20T00:00")
    while t < ts("2026-11-20T00:00"):
        assert cache.split(cal, t, t + 5400) == split_by_window(cal, t, t + 5400)
        t += 5400 * 7 + 123
