"""The monthly SLA report for October 2026 (DST month: 745 h in 24x7), from a real state file.

Hand-worked (H = 3600 s, Paris time):

Contract "Hébergement" (24x7, 99.9 %, asset srv-1): up since September; planned maintenance
6 Oct 06:00-08:00 (declared ahead; the server is down during it); outage 10 Oct 10:00-11:00.
  NHT = 745 H - 2 H = 743 H = 2,674,800 s; NHI = 3,600 s
  rate = 2,671,200 / 2,674,800 = 99.865410 % -> "99,86 %" (truncated), non conforme
  budget = 0.1 % x 2,674,800 = 2,674.8 s; remaining = -925.2 s -> "−15 min 25 s"

Contract "PSG Mairie" (Mon-Fri 09-12 + 14-18 = 7 h/day, 22 weekdays: 154 H = 554,400 s; 98 %;
asset app-1): down Mon 12 Oct 11:00-15:00 (service part 11-12 + 14-15 = 7,200 s), not
measured Tue 13 Oct 09:00-10:00 (3,600 s), tiers exclusion Wed 14 Oct 09:00-10:00 declared
after the fact (app-1 down then too).
  NHT = 554,400 - 3,600 = 550,800 s; unmeasured 3,600 (policy exclude) -> D = 547,200 s
  NHI = 7,200 s; rate = 540,000 / 547,200 = 98.684210 % -> "98,68 %", conforme
  coverage = 547,200 / 550,800 = 99.346 % -> "99,3 %"
"""

import json
import shutil
import subprocess
from datetime import datetime

import pytest

from monitor.report.files import write_report
from monitor.report.sla_data import collect
from monitor.report.sla_model import Incident
from monitor.report.sla_render import render_sla
from monitor.sla.calendar import PARIS, Calendar
from monitor.sla.contract import Contract
from monitor.sla.ledger import Entry, Ledger
from monitor.store import Store, Transition

H = 3600.0
S = "\u202f"
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=PARIS).timestamp()  # the month is over


def L(d, h=0, mi=0, m=10):
    return datetime(2026, m, d, h, mi, tzinfo=PARIS).timestamp()


CONTRACTS = (
    Contract("Hébergement", 99.9, Calendar.always(), assets=("srv-1",)),
    Contract("PSG Mairie", 98.0, Calendar.weekly_ranges(
        "PSG", {"mon-fri": [("09:00", "12:00"), ("14:00", "18:00")]}), assets=("app-1",)),
)
INCIDENTS = {"Hébergement": (Incident(
    name="srv-1", priority="P2", start=L(10, 10), ticket_opened=L(10, 10, 5), restored=L(10, 11),
    calendar_seconds=H, gti_seconds=1800, gti_met=True, gtr_seconds=4 * H, gtr_met=True,
    reference="GLPI-4400"),)}


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "vigie.db"
    store = Store(path)
    store.record_transitions([
        Transition("srv-1", L(1, m=9), "up"),
        Transition("srv-1", L(6, 6), "down"), Transition("srv-1", L(6, 8), "up"),
        Transition("srv-1", L(10, 10), "down"), Transition("srv-1", L(10, 11), "up"),
        Transition("app-1", L(1, m=9), "up"),
        Transition("app-1", L(12, 11), "down"), Transition("app-1", L(12, 15), "up"),
        Transition("app-1", L(13, 9), "unmeasured", "daemon stopped"), Transition("app-1", L(13, 10), "up"),
        Transition("app-1", L(14, 9), "down"), Transition("app-1", L(14, 10), "up"),
    ])
    store.close()
    ledger = Ledger(path)
    ledger.append(Entry("planned_maintenance", "j.martin", "mise à jour du micrologiciel",
                        L(1, 9), intervals=((L(6, 6), L(6, 8)),), assets=("srv-1",),
                        reference="GLPI-4321"))
    ledger.append(Entry("third_party", "a.durand", "coupure opérateur", L(15, 9),
                        intervals=((L(14, 9), L(14, 10)),), assets=("app-1",),
                        reference="GLPI-4512"))
    ledger.close()
    return path


def report(db):
    return collect(db, CONTRACTS, {}, 2026, 10, NOW, incidents=INCIDENTS)


def test_figures_match_the_hand_worked_values(db):
    r = report(db)
    heb, psg = r.contracts
    assert r.complete and r.ledger_rows == 2
    assert heb.total.nht == 743 * H == 2_674_800 and heb.total.nhi == 3600
    assert heb.total.rate == pytest.approx(2_671_200 / 2_674_800 * 100) and heb.total.met is False
    assert heb.total.budget_remaining == pytest.approx(-925.2)
    assert psg.total.nht == 550_800 and psg.total.denominator == 547_200 and psg.total.nhi == 7200
    assert psg.total.rate == pytest.approx(540_000 / 547_200 * 100) and psg.total.met is True
    oct25 = next(d for d in heb.days if d.date == "2026-10-25")
    assert oct25.service == 25 * H and oct25.rate == 100.0
    oct10 = next(d for d in heb.days if d.date == "2026-10-10")
    assert oct10.rate == pytest.approx(23 / 24 * 100)
    assert [e.late for e in psg.exclusions] == [True] and [e.late for e in heb.exclusions] == [False]


def test_html_shows_the_figures_in_french(db):
    html = render_sla(report(db), pdf=False).html.decode("utf-8")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="fr">' in html
    assert "Rapport mensuel de disponibilité – octobre 2026" in html
    for text in (f"99,86{S}%", f"98,68{S}%", f"99,9{S}%", f"98{S}%", f"743,00{S}h",
                 f"153,00{S}h", f"1,00{S}h", f"2,00{S}h", f"99,3{S}%", f"\u221215{S}min 25{S}s",
                 "GLPI-4321", "GLPI-4512", "coupure opérateur", "a.durand", "Maintenance programmée",
                 "Tiers", "10/10/2026 10:00", "10/10/2026 10:05", "P2", f"4{S}h : ",
                 "dimanche 25 octobre 2026</th><td class=\"num\">25,00\u202fh"):
        assert text in html, text
    # statuses in words, contract A below target, B conforme
    # synthesis, definition list, member row, total row
    assert html.count('<span class="ko">non conforme</span>') == 4
    assert '<span class="ok">conforme</span>' in html
    # RGAA basics: captions, header scopes, chart with a text alternative, nothing external
    assert html.count("<caption>") == html.count("<table>") >= 7
    assert '<th scope="col"' in html and '<th scope="row"' in html
    assert 'role="img"' in html and "<desc id=" in html and "1 jour(s) sous l’objectif" in html
    for bad in ("<script", "http://", "https://", "@import", "url("):
        assert bad not in html.replace('xmlns="http://www.w3.org/2000/svg"', ""), bad


def test_csv_one_row_per_contract_member(db):
    raw = render_sla(report(db), pdf=False).csv
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").split("\r\n")
    header = lines[0].split(";")
    rows = [dict(zip(header, ln.split(";"))) for ln in lines[1:] if ln]
    assert [(r["contrat"], r["element"], r["type"]) for r in rows] == [
        ("Hébergement", "srv-1", "asset"), ("Hébergement", "Hébergement", "contract"),
        ("PSG Mairie", "app-1", "asset"), ("PSG Mairie", "PSG Mairie", "contract")]
    srv = rows[0]
    assert srv["nht_s"] == "2674800" and srv["nhi_s"] == "3600" and srv["taux_pct"] == "99,86541"
    assert srv["conforme"] == "non" and srv["budget_restant_s"] == "-925,2"
    assert rows[2]["taux_pct"] == "98,684211" and rows[2]["non_mesure_s"] == "3600"


def test_json_is_full_and_machine_readable(db):
    data = json.loads(render_sla(report(db), pdf=False).json)
    assert data["period"] == {"month": "2026-10", "start": "2026-10-01T00:00:00+02:00",
                              "end": "2026-11-01T00:00:00+01:00", "until": "2026-11-01T00:00:00+01:00",
                              "complete": True, "timezone": "Europe/Paris"}
    heb = data["contracts"][0]
    assert heb["total"]["nht_seconds"] == 2_674_800 and heb["total"]["met"] is False
    assert heb["exclusions"][0]["start"] == "2026-10-06T06:00:00+02:00"
    assert heb["exclusions"][0]["duration_seconds"] == 7200
    assert heb["incidents"][0]["gtr_met"] is True and heb["incidents"][0]["gtr_seconds"] == 14400
    assert len(heb["days"]) == 31 and heb["days"][24]["service_seconds"] == 90000
    assert data["ledger"]["rows"] == 2 and len(data["ledger"]["head"]) == 64


def test_regeneration_is_byte_identical_even_after_later_ledger_entries(db, tmp_path):
    first = render_sla(report(db))
    ledger = Ledger(db)  # a November maintenance, declared later: not part of October
    ledger.append(Entry("planned_maintenance", "j.martin", "novembre", NOW,
                        intervals=((L(3, 6, m=11), L(3, 8, m=11)),), assets=("srv-1",)))
    ledger.close()
    second = render_sla(report(db))
    assert (first.html, first.csv, first.json) == (second.html, second.csv, second.json)
    assert first.pdf == second.pdf
    a = write_report(first, tmp_path / "a")
    assert [p.name for p in a] == ["vigie-sla-2026-10.html", "vigie-sla-2026-10.csv",
                                   "vigie-sla-2026-10.json", "vigie-sla-2026-10.pdf"]
    assert a[0].read_bytes() == first.html


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdf_contains_the_key_figures(db, tmp_path):
    files = render_sla(report(db))
    assert files.pdf is not None and files.pdf.startswith(b"%PDF")
    path = tmp_path / "r.pdf"
    path.write_bytes(files.pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          check=True).stdout.decode("utf-8")
    for t in ("octobre 2026", "99,86", "98,68", "743,00", "non conforme", "GLPI-4512"):
        assert t in text, t
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True).stdout.decode()
    assert "Oct 31 23:00:00 2026 UTC" in info  # created = end of the month (Paris midnight)
