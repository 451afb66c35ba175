"""The monthly sobriety report for October 2026, from a state file filled by the real sobriety extension.

Hand-worked (Paris time; opening hours Mon-Fri 08:00-19:00; polls every 5 min from Wed 21 Oct 07:00
to Thu 22 Oct 09:00, i.e. 26 h = 93,600 s and 313 polls):

* pc1 (mairie) answers in opening hours only, pc2 (ecole) always. The night window Wed 19:00 -> Thu
  08:00 is fully observed: pc1 complies, pc2 does not -> workstations_off fleet 1/2 = 50 % (non
  atteint, target 90 %), mairie 100 % (atteint), ecole 0 %. The window before (Tue 19:00 -> Wed
  08:00) is observed 1 h of 13: not counted.
* Workstation energy (profile desktop: on 175 W, sleep 4.5 W; an interval is "on" when both ends
  answered): pc2 on 93,600 s -> 4.55 kWh; pc1 on Wed 08:00-18:55 + Thu 08:00-09:00 = 42,900 s, the
  other 50,700 s asleep -> (175 x 42,900 + 4.5 x 50,700) / 3.6e6 = 2.148792 kWh. Mean W: pc1
  7,735,650 / 93,600 = 82.6458 W, pc2 175 W, fleet 128.8229 W -> 1,128.49 kWh/an.
* Copier: 400 pages (5,000 -> 5,400), 380 duplex (95 %, atteint), 370 B&W (92.5 %, non atteint);
  vs a 1,000-page baseline for October 2025: -60 % (atteint, target -30 %). Its energy is metered:
  +7.2 MJ = 2 kWh in October (measured) -> 0.005 kWh/page.
* Wi-Fi AP ap1 (ecole) on PoE port 1.6 of sw-ecole at 4 W, metered 93,600 s through the real meters
  runtime: 0.104 kWh (measured, 26 h of October's 745 h: a partial scope), 4 x 8.76 = 35.04 kWh/year
  (modelled: a projection).
* ups1 (mairie) input 600 W, output 500 W over 26 h: 15.6 kWh / 13 kWh -> PUE 1.2 (measured).
* hv1 200 W measured, idle 100 W, 4 threads; test-a and prod-b have 2 vCPUs each, no per-VM CPU. By day
  both on: 100 W each (200 W / 2 VMs); at night prod-b alone: 100 x 2/4 + 100 = 150 W. Each tick
  credits the report of its time for the 300 s before it: 145 day and 167 night intervals ->
  W/VM = (145 x 200 + 167 x 150) / (145 x 2 + 167) = 54,050 / 457 = 118.27 W (modelled).
* Total = 4.55 + 2.148792 + 2 + 0.104 = 8.802792 kWh; measured share 2.104 / 8.802792 = 23.90 %;
  CO2e x 0.0461 (ADEME 2025); cost x 0.25 EUR.
* September: nothing recorded: the copier and ap1 from the ADEME yearly averages (8.11 W and 7.99 W
  x 720 h = 5.8392 + 5.7528 kWh, factor); October is lower, so no "hausse" alert.
* Gain vs the 40 W workstation baseline: (40 - 128.8229) W x 2 x 745 h (October has 745 h) =
  -132.35 kWh: a drift, listed in the alerts.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from types import MappingProxyType

import pytest

from monitor.config.model import Asset, Config, DaemonOptions
from monitor.energy.config import EnergySection
from monitor.energy.figure import Figure, Provenance
from monitor.energy.meters_config import Feed, MetersSection
from monitor.energy.runtime import SERVICE as METERS, EnergyRuntime, MeterTable
from monitor.energy.sobriety import Sobriety
from monitor.energy.sobriety_config import (ActionConf, BaselineConf, Eligible, SobrietySection,
                                            TariffConf)
from monitor.energy.sobriety_db import Recorder, connect
from monitor.energy.vms import SERVICE as VMS, VmsExtension
from monitor.energy.vms_config import PowerSource, VmHost, VmsSection
from monitor.exporter import AssetView, ProbeView
from monitor.probes.base import Reason, Result, Sample
from monitor.report.files import write_report
from monitor.report.sobriety import build, collect
from monitor.sla.calendar import PARIS
from monitor.sla.config import CalendarConf

NNBSP = "\u202f"
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=PARIS).timestamp()   # October is over

PC1_ON = 42_900.0
PC1_KWH = (175 * PC1_ON + 4.5 * (93_600 - PC1_ON)) / 3.6e6
PC2_KWH = 175 * 26 / 1000
FLEET_W = (PC1_KWH * 3.6e6 / 93_600 + 175.0) / 2
AP_KWH = 4.0 * 93_600 / 3.6e6
TOTAL = PC1_KWH + PC2_KWH + 2.0 + AP_KWH
W_VM = (145 * 200 + 167 * 150) / (145 * 2 + 167)


def ts(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS).timestamp()


class Ctx:
    """The parts of DaemonContext the extension reads (the real meters runtime and VMs extension)."""

    def __init__(self, config: Config, services: dict[str, object]) -> None:
        self.config = config
        self.wall = lambda: ts("2026-10-01T00:00")
        self.services = services


def make_config(tmp: Path) -> Config:
    assets = (Asset(name="pc1", site="mairie", kind="workstation"),
              Asset(name="pc2", site="ecole", kind="workstation"),
              Asset(name="copieur", site="mairie", kind="printer"),
              Asset(name="hv1", site="mairie", kind="hypervisor"),
              Asset(name="sw-ecole", site="ecole", kind="switch"),
              Asset(name="ap1", site="ecole", kind="access_point"),
              Asset(name="ups1", site="mairie", kind="ups"))
    sob = SobrietySection(
        hours={"default": CalendarConf(kind="weekly", ranges={"mon-fri": ("08:00-19:00",)})},
        eligible=Eligible(vms=("test-*",), wifi_sites=("ecole",)),
        tariff=TariffConf(eur_per_kwh=0.25, source="Contrat EDF collectivités", year=2026),
        baselines=(BaselineConf(name="workstation_power", value=40.0, unit="W", date="2025-10-01",
                                source="Audit DSI 2025"),
                   BaselineConf(name="vm_density", value=2.0, unit="VM/node", date="2025-10-01",
                                source="Inventaire 2025"),
                   BaselineConf(name="pages", value=1000.0, unit="pages", date="2025-10-01", source="myQ 2025")),
        actions=(ActionConf(title="Extinction des PoE des écoles la nuit", owner="DSI", status="in_progress",
                            due="2026-12-31"),))
    return Config(daemon=DaemonOptions(state_dir=str(tmp)), assets=assets, energy=EnergySection(
        sobriety=sob, meters=MetersSection(max_gap=600.0, feeds=(Feed(meter="sw-ecole", match={"port": "6"},
                                                                      asset="ap1"),)),
        vms=VmsSection(hosts=(VmHost(name="hv1", source="hv1", power=(PowerSource(asset="hv1-bmc"),),
                                     idle_w=100.0),))))


def hv_view(test_on: bool) -> AssetView:
    """What the VMs extension reads of hv1 in the snapshot: threads, vCPUs, power states."""
    samples = [Sample("vigie_hypervisor_host_cpu_threads", 4.0)]
    for name, on in (("test-a", test_on), ("prod-b", True)):
        samples += [Sample("vigie_vm_vcpus", 2.0, (("vm", name),)), *vm(name, on)]
    return AssetView("hv1", "mairie", "hypervisor", "up",
                     MappingProxyType({"nutanix": ProbeView(True, "ok", 0.1, 0.0, tuple(samples))}))


def vm(name: str, on: bool) -> list[Sample]:
    return [Sample("vigie_vm_power_state", 1.0 if (s == "on") == on else 0.0, (("vm", name), ("state", s)))
            for s in ("on", "off")]


def printer(total: float, duplex: float, mono: float) -> list[Sample]:
    lab = (("marker", "1"),)
    return [Sample("vigie_printer_pages_total", total, lab, "counter"),
            Sample("vigie_printer_duplex_pages_total", duplex, lab, "counter"),
            Sample("vigie_printer_mono_pages_total", mono, lab, "counter")]


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Path, dict[str, int]]:
    """Drive the sobriety extension with hand-made poll results; return config, db and poll counts."""
    import asyncio
    tmp = tmp_path_factory.mktemp("sobriety")
    cfg = make_config(tmp)
    cal = cfg.energy.sobriety.calendar("mairie")
    assets = {a.name: a for a in cfg.assets}
    counts = {"day": 0, "night": 0}
    clock = [ts("2026-10-21T07:00")]
    rt = EnergyRuntime(cfg, MeterTable(tmp / "vigie.db"), lambda: clock[0])
    day_now = [False]
    vms = VmsExtension(cfg.energy.vms, lambda: MappingProxyType({"hv1": hv_view(day_now[0])}),
                       power=lambda snap, h: Figure.exact(200.0, "W", Provenance.MEASURED, ("hv1-bmc",)))

    async def drive() -> None:
        ext = Sobriety(Ctx(cfg, {METERS: rt, VMS: vms}), refresh=1e9)  # type: ignore[arg-type]
        t = ts("2026-10-21T07:00")
        while t <= ts("2026-10-22T09:00"):
            day = cal.in_service(t)
            counts["day" if day else "night"] += 1
            clock[0], day_now[0] = t, day
            for r in (Result("snmp", "sw-ecole", Reason.OK, 0.1, [Sample(
                          "vigie_poe_port_power_watts", 4.0, (("group", "1"), ("port", "6")))]),
                      Result("snmp", "ups1", Reason.OK, 0.1, [
                          Sample("vigie_ups_input_power_watts", 600.0, (("line", "1"),)),
                          Sample("vigie_ups_output_power_watts", 500.0, (("line", "1"),))])):
                rt.on_result(r)
                ext.observe(assets[r.asset], r, t)
            await vms.tick(t)
            ext.observe(assets["pc1"], Result("icmp", "pc1", Reason.OK if day else Reason.TIMEOUT, 0.01), t)
            ext.observe(assets["pc2"], Result("icmp", "pc2", Reason.OK, 0.01), t)
            ext.observe(assets["hv1"], Result("nutanix", "hv1", Reason.OK, 0.1,
                                              vm("test-a", day) + vm("prod-b", True)), t)
            state = "delivering_power" if day else "searching"
            ext.observe(assets["sw-ecole"], Result("snmp", "sw-ecole", Reason.OK, 0.1, [Sample(
                "vigie_poe_port_detection_status", 1.0, (("group", "1"), ("port", "5"), ("state", state)))]), t)
            await ext.tick(t)
            t += 300
        ext.observe(assets["copieur"], Result("snmp", "copieur", Reason.OK, 0.1, printer(5000, 3000, 4000)),
                    ts("2026-10-21T10:00"))
        ext.observe(assets["copieur"], Result("snmp", "copieur", Reason.OK, 0.1, printer(5400, 3380, 4370)),
                    ts("2026-10-22T09:00"))
        await ext.close()
        await rt.close()

    asyncio.run(drive())
    db = connect(tmp / "vigie.db")   # the meters runtime's reading of the copier's energy (J since start)
    rec = Recorder(db, max_gap=600)
    rec.energy("copieur", ts("2026-10-01T00:10"), 1.0e6)
    rec.energy("copieur", ts("2026-10-31T23:50"), 1.0e6 + 7.2e6)
    db.close()
    return cfg, tmp / "vigie.db", counts


def test_figures_match_the_hand_worked_values(state) -> None:
    cfg, db, counts = state
    assert counts == {"day": 145, "night": 168}
    r = collect(cfg, db, 2026, 10, NOW)
    t = r.scope("total", "total")
    assert t.kwh.value == pytest.approx(TOTAL)
    assert r.scope("kind", "workstation").kwh.value == pytest.approx(PC1_KWH + PC2_KWH)
    assert r.scope("site", "mairie").kwh.value == pytest.approx(PC1_KWH + 2.0)
    assert r.scope("site", "ecole").kwh.value == pytest.approx(PC2_KWH + AP_KWH)
    assert r.scope("kind", "access_point").kwh.value == pytest.approx(0.104)
    assert t.shares["measured"] == pytest.approx((2.0 + AP_KWH) / TOTAL)
    assert t.kgco2e.value == pytest.approx(TOTAL * 0.0461)
    assert t.eur.value == pytest.approx(TOTAL * 0.25)
    assert t.previous_kwh.value == pytest.approx((8.11 + 7.99) * 720 / 1000)
    ind = {(i.key, i.scope): i for i in r.indicators}
    assert ind["workstations_off", "fleet"].value.value == 0.5
    assert ind["workstations_off", "fleet"].status == "non atteint"
    assert ind["workstations_off", "mairie"].status == "atteint"
    assert ind["vms_off", "fleet"].status == "atteint"
    assert ind["aps_off", "ecole"].value.value == 1.0
    assert ind["duplex", "fleet"].value.value == pytest.approx(0.95) and ind["duplex", "fleet"].status == "atteint"
    assert ind["mono", "fleet"].value.value == pytest.approx(0.925)
    assert ind["mono", "fleet"].status == "non atteint"
    assert ind["pages_reduction", "fleet"].value.value == pytest.approx(0.6)
    density = (2 * counts["day"] + counts["night"]) / (counts["day"] + counts["night"])
    assert ind["vm_density_gain", "fleet"].value.value == pytest.approx(density / 2.0 - 1)
    assert ind["workstation_power", "fleet"].value.value == pytest.approx(FLEET_W)
    assert str(ind["workstation_power", "fleet"].value.provenance) == "modelled"
    assert ind["workstation_kwh_year", "fleet"].value.value == pytest.approx(FLEET_W * 8.76)
    assert ind["kwh_per_page", "fleet"].value.value == pytest.approx(2.0 / 400)
    assert ind["pue", "mairie"].value.value == pytest.approx(1.2) and ind["pue", "mairie"].status == "suivi"
    assert str(ind["pue", "fleet"].value.provenance) == "measured"
    assert "15,60" in ind["pue", "mairie"].detail and "13,00" in ind["pue", "mairie"].detail
    assert ind["vm_power", "fleet"].value.value == pytest.approx(W_VM)
    assert ind["vm_power", "hv1"].value.value == pytest.approx(W_VM)
    assert str(ind["vm_power", "fleet"].value.provenance) == "modelled"
    assert ind["ap_kwh", "ecole"].value.value == pytest.approx(35.04)
    assert str(ind["ap_kwh", "fleet"].value.provenance) == "modelled"
    assert ind["pue", "mairie"].label == "PUE partiel (pertes onduleur) par local technique"
    assert dict(r.coverage) == {"ap1": pytest.approx(26 / 745)}
    assert r.scope("kind", "access_point").partial == (("ap1", pytest.approx(26 / 745)),)
    assert r.scope("kind", "workstation").partial == ()
    (room_m,) = [x for x in r.rooms if x.site == "mairie"]
    assert (room_m.input_kwh.value, room_m.output_kwh.value) == pytest.approx((15.6, 13.0))
    (ap,) = r.access_points
    assert (ap.kwh.value, ap.kwh_year.value, ap.metered_hours) == pytest.approx((0.104, 35.04, 26.0))
    (gain,) = r.gains
    assert gain.kwh.value == pytest.approx((40 - FLEET_W) * 2 * 745 / 1000)
    assert gain.eur.value == pytest.approx(gain.kwh.value * 0.25)
    assert any("Dérive" in a for a in r.alerts) and not any("hausse" in a for a in r.alerts)
    assert [c.name for c in r.top] == ["pc2", "pc1", "copieur", "ap1"]


def test_html_in_french_with_statuses_in_words(state) -> None:
    cfg, db, _ = state
    html = build(cfg, db, 2026, 10, NOW, pdf=False).html.decode()
    assert '<html lang="fr">' in html and html.count("<h1>") == 1
    assert "Rapport mensuel de sobriété numérique – octobre 2026" in html
    assert f"{TOTAL:.2f}".replace(".", ",") + f"{NNBSP}kWh" in html            # 8,80 kWh
    assert "Locaux techniques et bornes Wi-Fi" in html and "<td>1,20</td>" in html.replace(' class="num"', "")
    assert f"35,0{NNBSP}kWh/an" in html and f"118,3{NNBSP}W" in html
    assert f"50,0{NNBSP}%" in html and f"92,5{NNBSP}%" in html
    assert '<span class="ko"><span aria-hidden="true">✗ </span>non atteint</span>' in html
    assert '<span class="ok"><span aria-hidden="true">✓ </span>atteint</span>' in html
    assert "modélisé" in html and "mesuré" in html
    assert f"0,0050{NNBSP}kWh/page" in html
    assert f"{FLEET_W:.1f}".replace(".", ",") + f"{NNBSP}W" in html           # 128,8 W
    assert "Extinction des PoE des écoles la nuit" in html and "en cours" in html
    assert "0,0461" in html and "ademe-base-empreinte" in html
    assert "W = Wmin + u × (Wmax − Wmin)" in html and "ISO/IEC 30134-2" in html
    assert html.count('role="img"') == 2 and "<desc" in html
    assert "<script" not in html and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_csv_and_json(state) -> None:
    cfg, db, _ = state
    files = build(cfg, db, 2026, 10, NOW, pdf=False)
    text = files.csv.decode("utf-8")
    assert text.startswith("\ufeffmois;section;indicateur;perimetre;valeur;unite;min;max;provenance;"
                           "objectif;statut;detail\r\n")
    rows = [line.split(";") for line in text.removeprefix("\ufeff").split("\r\n")[1:] if line]
    by = {(r[1], r[2], r[3]): r for r in rows}
    total = by["consommation", "energie_kwh", "total"]
    assert float(total[4].replace(",", ".")) == pytest.approx(TOTAL, abs=1e-6) and total[5] == "kWh"
    ws = by["indicateur", "workstations_off", "fleet"]
    assert ws[4:6] == ["50", "%"] and ws[9:11] == ["90", "non atteint"]
    assert by["impression", "pages", "copieur"][4] == "400"
    assert by["indicateur", "pue", "mairie"][4:6] == ["1,2", "PUE"]
    assert by["indicateur", "pue", "mairie"][8:11] == ["measured", "", "suivi"]
    assert by["local_technique", "entree_onduleurs_kwh", "mairie"][4] == "15,6"
    assert by["borne_wifi", "kwh_par_an", "ap1"][4:6] == ["35,04", "kWh/an"]
    assert by["borne_wifi", "energie_kwh", "ap1"][11] == "26 h mesurées"
    data = json.loads(files.json)
    assert data["period"] == {"month": "2026-10", "start": "2026-10-01T00:00:00+02:00",
                              "end": "2026-11-01T00:00:00+01:00", "until": "2026-11-01T00:00:00+01:00",
                              "complete": True, "timezone": "Europe/Paris"}
    assert data["measured_share"] == pytest.approx((2.0 + AP_KWH) / TOTAL)
    (room,) = [x for x in data["rooms"] if x["site"] == "mairie"]
    assert room["pue"]["value"] == pytest.approx(1.2) and room["ups"] == 1
    assert data["access_points"][0]["kwh_per_year"]["value"] == pytest.approx(35.04)
    vmw = next(i for i in data["indicators"] if i["key"] == "vm_power" and i["scope"] == "fleet")
    assert vmw["value"]["value"] == pytest.approx(W_VM) and vmw["value"]["provenance"] == "modelled"
    copier = next(p for p in data["printers"] if p["name"] == "copieur")
    assert copier["kwh"]["provenance"] == "measured" and copier["duplex_pages"] == 380
    pc2 = next(a for a in data["assets"] if a["name"] == "pc2")["kwh"]
    assert (pc2["low"], pc2["value"], pc2["high"]) == pytest.approx((100 * 26 / 1000, PC2_KWH, 450 * 26 / 1000))
    assert data["factors"][0]["value"] == 0.0461 and data["factors"][0]["year"] == 2025


def test_regeneration_is_byte_identical(state, tmp_path: Path) -> None:
    cfg, db, _ = state
    pdf = shutil.which("pdftotext") is not None
    a = build(cfg, db, 2026, 10, NOW, pdf=pdf)
    b = build(cfg, db, 2026, 10, NOW + 40 * 86400, pdf=pdf)
    assert a == b
    paths = write_report(a, tmp_path)
    assert sorted(p.name for p in paths) == sorted(
        f"vigie-sobriety-2026-10.{x}" for x in (("html", "csv", "json", "pdf") if pdf else ("html", "csv", "json")))


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdf_contains_the_key_figures(state, tmp_path: Path) -> None:
    cfg, db, _ = state
    files = build(cfg, db, 2026, 10, NOW, pdf=True)
    path = tmp_path / "r.pdf"
    path.write_bytes(files.pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = " ".join(text.split())
    assert "Rapport mensuel de sobriété numérique" in flat
    assert f"{TOTAL:.2f}".replace(".", ",") in flat and "non atteint" in flat and "Dérive" in flat
    assert "Extinction des PoE" in flat and "0,0461" in flat


def test_month_in_progress_is_provisional(state) -> None:
    cfg, db, _ = state
    r = collect(cfg, db, 2026, 10, ts("2026-10-25T12:00"))
    assert not r.complete and r.until == ts("2026-10-25T12:00")
    assert "provisoire" in build(cfg, db, 2026, 10, ts("2026-10-25T12:00"), pdf=False).html.decode()


def test_demo_config_with_an_empty_database(tmp_path: Path) -> None:
    """The shipped demo town: all four files, every KPI "non mesuré", no crash."""
    from monitor.config.loader import load_config
    root = Path(__file__).resolve().parents[2]
    cfg = load_config(str(root / "examples" / "town" / "vigie.yml"))
    pdf = shutil.which("pdftotext") is not None
    files = build(cfg, tmp_path / "empty.db", 2026, 10, NOW, pdf=pdf)
    data = json.loads(files.json)
    kpis = [i for i in data["indicators"] if i["target"] is not None]
    assert kpis and all(i["status"] == "non mesuré" for i in kpis)
    assert "non mesuré" in files.html.decode()
    assert len(write_report(files, tmp_path / "out")) == (4 if pdf else 3)


# --- every metered asset: a Redfish server, a hypervisor on a PDU outlet, a UPS ---------------------
# October 2026, the meters runtime's readings on the 1st 00:00 and the 31st 00:00 (720 h), as
# monitor/energy/sobriety_infra.record_meters stores them (the runtime path: tests/energy/
# test_sobriety_scope.py):
# * srv1 (mairie, server), Redfish 150 W: 108 kWh (measured);
# * hv1 (ct, hypervisor) on outlet 1 of pdu1 at 300 W: 216 kWh; pdu1's inlet 500 W: 360 kWh, of which
#   216 go to hv1 -> "pdu1 (non attribué)" 144 kWh (mairie);
# * ups1 (mairie) input 900 W / output 800 W: 648 / 576 kWh, PUE 1.125, not in the consumption;
# * fw1 (firewall) has no meter and no profile: listed, not counted.
# Total 468 kWh (mairie 252, ct 216), 100 % measured; top: hv1 216 kWh = 9.9576 kgCO2e = 54 EUR.
INFRA_NOW = ts("2026-11-22T09:00")


@pytest.fixture(scope="module")
def infra(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Path]:
    tmp = tmp_path_factory.mktemp("infra")
    assets = (Asset(name="srv1", site="mairie", kind="server"), Asset(name="pdu1", site="mairie", kind="pdu"),
              Asset(name="hv1", site="ct", kind="hypervisor"), Asset(name="ups1", site="mairie", kind="ups"),
              Asset(name="fw1", site="mairie", kind="firewall"))
    sob = SobrietySection(hours={"default": CalendarConf(kind="weekly", ranges={"mon-fri": ("08:00-19:00",)})},
                          tariff=TariffConf(eur_per_kwh=0.25, source="Contrat EDF collectivités", year=2026))
    cfg = Config(daemon=DaemonOptions(state_dir=str(tmp)), assets=assets, energy=EnergySection(
        sobriety=sob, meters=MetersSection(feeds=(Feed(meter="pdu1", match={"outlet": "1"}, asset="hv1"),))))
    db = connect(tmp / "vigie.db")
    rec = Recorder(db, max_gap=600)
    h = 720 * 3600.0
    for t, k in ((ts("2026-10-01T00:00"), 0.0), (ts("2026-10-31T00:00"), 1.0)):
        rec.meter("srv1", "srv1/server:chassis=1", "asset", t, 150 * h * k, h * k)
        rec.meter("hv1", "pdu1/pdu_outlet:outlet=1,pdu=1", "asset", t, 300 * h * k, h * k)
        rec.meter("pdu1", "pdu_input:inlet=1,pdu=1", "pdu_input", t, 500 * h * k, h * k)
        rec.meter("ups1", "ups_input:line=1", "ups_input", t, 900 * h * k, h * k)
        rec.meter("ups1", "ups_output:line=1", "ups_output", t, 800 * h * k, h * k)
    db.close()
    return cfg, tmp / "vigie.db"


def test_scopes_by_kind_and_site_cover_every_metered_asset(infra) -> None:
    cfg, db = infra
    r = collect(cfg, db, 2026, 10, INFRA_NOW)
    kinds = {s.name: s for s in r.scopes if s.axis == "kind"}
    assert {k: s.kwh.value for k, s in kinds.items()} == pytest.approx(
        {"server": 108.0, "hypervisor": 216.0, "pdu (non attribué)": 144.0})
    assert {s.name: s.kwh.value for s in r.scopes if s.axis == "site"} == pytest.approx({"mairie": 252.0,
                                                                                         "ct": 216.0})
    assert r.scope("total", "total").kwh.value == pytest.approx(468.0)
    assert r.scope("total", "total").shares == {"measured": 1.0, "modelled": 0.0, "factor": 0.0}
    assert kinds["hypervisor"].eur.value == pytest.approx(54.0)
    assert [(c.name, c.kind, c.site) for c in r.top] == [("hv1", "hypervisor", "ct"),
                                                         ("pdu1 (non attribué)", "pdu (non attribué)", "mairie"),
                                                         ("srv1", "server", "mairie")]
    assert r.top[0].kgco2e.value == pytest.approx(216 * 0.0461) and r.top[0].eur.value == pytest.approx(54.0)
    assert r.unmetered == ("fw1",)
    # the fixture's meters cover 1st 00:00 -> 31st 00:00: 720 h of October's 745 h
    assert dict(r.coverage) == pytest.approx({"hv1": 720 / 745, "pdu1 (non attribué)": 720 / 745,
                                              "srv1": 720 / 745})
    (room,) = [x for x in r.rooms if x.site == "mairie"]
    assert room.pue.value == pytest.approx(1.125) and room.output_kwh.value == pytest.approx(576.0)
    html = build(cfg, db, 2026, 10, INFRA_NOW, pdf=False).html.decode()
    assert "PDU, prises non attribuées" in html and "Hyperviseurs" in html and "Serveurs" in html
    assert f"54,00{NNBSP}EUR" in html and "non comptés : fw1." in html
    data = json.loads(build(cfg, db, 2026, 10, INFRA_NOW, pdf=False).json)
    assert data["top"][0]["eur"]["value"] == pytest.approx(54.0) and data["unmetered"] == ["fw1"]


def test_infra_regeneration_is_byte_identical(infra) -> None:
    cfg, db = infra
    assert build(cfg, db, 2026, 10, INFRA_NOW, pdf=False) == build(cfg, db, 2026, 10, INFRA_NOW + 86400 * 60,
                                                                   pdf=False)


# --- review fixes: own meter counted once, partial coverage stated, partial PUE named ----------------
# November 2026 (720 h), rows as record_meters stores them:
# * srv2 (ct, server): Redfish 300 W x 30 d = 216 kWh; its PDU outlet, also declared as a feed, reads
#   the same 216 kWh: srv2 = 216 kWh (it was 432), and pdu1's remainder = 500 W x 720 h - 216 = 144 kWh;
# * sw1 (ecole, switch): its own watts sensor at 50 W, metered from the 16th only (360 h): 18 kWh
#   measured, 50 % of the month: the "switch" and "ecole" scopes (and the total) are partial;
# * ups1 (ct): input 550 W, output 500 W -> partial PUE 1.1 (UPS losses only).
# Total 216 + 144 + 18 = 378 kWh.
DEC = ts("2026-12-10T09:00")


@pytest.fixture(scope="module")
def review(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Path]:
    tmp = tmp_path_factory.mktemp("review")
    assets = (Asset(name="srv2", site="ct", kind="server"), Asset(name="pdu1", site="ct", kind="pdu"),
              Asset(name="sw1", site="ecole", kind="switch"), Asset(name="ups1", site="ct", kind="ups"))
    sob = SobrietySection(hours={"default": CalendarConf(kind="weekly", ranges={"mon-fri": ("08:00-19:00",)})})
    cfg = Config(daemon=DaemonOptions(state_dir=str(tmp)), assets=assets, energy=EnergySection(
        sobriety=sob, meters=MetersSection(feeds=(Feed(meter="pdu1", match={"outlet": "2"}, asset="srv2"),))))
    db = connect(tmp / "vigie.db")
    rec = Recorder(db, max_gap=600)
    h = 720 * 3600.0
    for t, k in ((ts("2026-11-01T00:00"), 0.0), (ts("2026-11-30T23:59"), 1.0)):
        rec.meter("srv2", "srv2/server:chassis=1", "asset", t, 300 * h * k, h * k)
        rec.meter("srv2", "pdu1/pdu_outlet:outlet=2,pdu=1", "asset", t, 300 * h * k, h * k)
        rec.meter("pdu1", "pdu_input:inlet=1,pdu=1", "pdu_input", t, 500 * h * k, h * k)
        rec.meter("sw1", "sw1/sensor:entity=1", "asset", t, 50 * h / 2 * k, h / 2 * k)
        rec.meter("ups1", "ups_input:line=1", "ups_input", t, 550 * h * k, h * k)
        rec.meter("ups1", "ups_output:line=1", "ups_output", t, 500 * h * k, h * k)
    db.close()
    return cfg, tmp / "vigie.db"


def test_own_meter_counted_once_and_partial_scopes_stated(review) -> None:
    cfg, db = review
    r = collect(cfg, db, 2026, 11, DEC)
    assert {s.name: s.kwh.value for s in r.scopes if s.axis == "kind"} == pytest.approx(
        {"server": 216.0, "pdu (non attribué)": 144.0, "switch": 18.0})
    assert r.scope("total", "total").kwh.value == pytest.approx(378.0)
    assert dict(r.coverage) == {"pdu1 (non attribué)": 1.0, "srv2": 1.0, "sw1": 0.5}
    assert [(s.axis, s.name) for s in r.scopes if s.partial] == [("total", "total"), ("kind", "switch"),
                                                                 ("site", "ecole")]
    assert r.scope("kind", "switch").partial == (("sw1", 0.5),)
    (room,) = [x for x in r.rooms if x.site == "ct"]
    assert room.pue.value == pytest.approx(1.1)
    files = build(cfg, db, 2026, 11, DEC, pdf=False)
    html = files.html.decode()
    assert f"Commutateurs (sw1 : 50,0{NNBSP}%); ecole (sw1 : 50,0{NNBSP}%)" in html
    assert "PUE partiel (pertes onduleur) par local technique" in html
    assert "hors refroidissement (pas le PUE ISO/IEC 30134-2)" in html
    data = json.loads(files.json)
    assert {a["name"]: a["coverage"] for a in data["assets"]} == {"pdu1 (non attribué)": 1.0, "srv2": 1.0,
                                                                 "sw1": 0.5}
    assert [c["partial"] for c in data["consumption"] if c["name"] == "switch"] == [
        [{"asset": "sw1", "coverage": 0.5}]]
