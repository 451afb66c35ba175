"""`vigie exclusion ...`, `vigie incident ...`, `vigie sla status` through monitor.cli.main."""

import sqlite3
from datetime import datetime

from monitor.cli import main
from monitor.sla.calendar import PARIS
from monitor.sla.ledger import Ledger
from monitor.store import Store, Transition
from tests.sla.town import write_town


def t(*a):
    return datetime(*a, tzinfo=PARIS).timestamp()


def test_exclusion_add_list_verify_supersede_and_tamper(tmp_path, capsys):
    cfg = str(write_town(tmp_path))
    assert main(["exclusion", "add", "-c", cfg, "--type", "planned_maintenance", "--asset", "core",
                 "--start", "2026-10-07T20:00", "--end", "2026-10-07T22:00", "--author", "alice",
                 "--reason", "firmware", "--reference", "GLPI-1234"]) == 0
    out = capsys.readouterr().out
    assert "#2 planned_maintenance recorded" in out   # #1 is the config's recurring maintenance
    assert main(["exclusion", "list", "-c", cfg, "--month", "2026-10"]) == 0
    out = capsys.readouterr().out
    assert "#2 planned_maintenance [declared]" in out and "(GLPI-1234)" in out
    assert "late" in out.split("#2")[1]   # declared now (after 2026-10-07): flagged late
    assert main(["exclusion", "list", "-c", cfg, "--month", "2026-11"]) == 0
    assert "#2" not in capsys.readouterr().out
    # A correction is a new entry superseding the old one.
    assert main(["exclusion", "supersede", "2", "-c", cfg, "--start", "2026-10-07T21:00",
                 "--end", "2026-10-07T22:00", "--reason", "firmware (shorter)"]) == 0
    assert "#3" in capsys.readouterr().out
    entries = Ledger(tmp_path / "state" / "vigie.db").entries()
    assert entries[2].supersedes == 2 and entries[2].assets == ("core",) and entries[2].author == "dsi"
    assert main(["exclusion", "verify", "-c", cfg]) == 0
    assert "OK: 3 entries" in capsys.readouterr().out
    # Tamper: drop the triggers and edit row 2 directly: verify names row 2, exits non-zero.
    db = sqlite3.connect(tmp_path / "state" / "vigie.db")
    db.execute("DROP TRIGGER sla_ledger_no_update")
    db.execute("UPDATE sla_ledger SET entry = replace(entry, 'firmware', 'firmwarX') WHERE seq = 2")
    db.commit()
    db.close()
    assert main(["exclusion", "verify", "-c", cfg]) != 0
    assert "row 2" in capsys.readouterr().err


def test_config_exclusions_are_appended_once(tmp_path, capsys):
    cfg = str(write_town(tmp_path))
    for _ in range(3):
        assert main(["exclusion", "list", "-c", cfg]) == 0
    out = capsys.readouterr().out
    assert out.count("#1 planned_maintenance") == 3 and "#2" not in out


def test_confirm_and_reject_only_proposals(tmp_path, capsys):
    cfg = str(write_town(tmp_path))
    main(["exclusion", "list", "-c", cfg])
    led = Ledger(tmp_path / "state" / "vigie.db")
    from monitor.sla.ledger import Entry
    p = led.append(Entry(type="third_party", status="proposed", author="vigie", reason="fibre down",
                         declared_at=t(2026, 10, 5, 12), intervals=((t(2026, 10, 5, 10), t(2026, 10, 5, 11)),),
                         assets=("fw",)))
    assert main(["exclusion", "confirm", str(p.id), "-c", cfg, "--author", "bob", "--reason", "opérateur"]) == 0
    assert led.entries()[-1].status == "confirmed"
    assert main(["exclusion", "reject", "1", "-c", cfg, "--author", "bob", "--reason", "x"]) == 1
    assert "not a proposal" in capsys.readouterr().err


def test_incident_list_ack_and_glpi_import(tmp_path, capsys):
    cfg = str(write_town(tmp_path))
    st = Store(tmp_path / "state" / "vigie.db")
    st.record_transitions([Transition(a, t(2026, 10, 1), "up") for a in ("fw", "core", "ap1", "ap2", "portail")]
                          + [Transition("portail", t(2026, 10, 9, 17), "down"),
                             Transition("portail", t(2026, 10, 9, 22), "up")])
    st.close()
    assert main(["incident", "list", "-c", cfg, "--month", "2026-10"]) == 0
    out = capsys.readouterr().out
    # portail: criticality medium (urgency), contract saas criticality high (impact) -> P2
    assert "1 saas P2 asset:portail 2026-10-09 17:00:00 -> 2026-10-09 22:00:00" in out
    assert "GTI BREACHED GTR ok" in out     # never acknowledged; restored in 5 h < 1 day (24x7)
    csv_file = tmp_path / "tickets.csv"
    csv_file.write_text("ID;Titre;Date d'ouverture;Date de prise en compte;Date de résolution;Priorité;"
                        "Élément associé\n"
                        "4242;Portail famille KO;09-10-2026 17:10;09-10-2026 17:25;09-10-2026 22:05;Haute;portail\n"
                        "4243;Autre;01-10-2026 08:00;;;Basse;imprimante\n", encoding="utf-8")
    assert main(["incident", "import-glpi", "-c", cfg, str(csv_file)]) == 0
    captured = capsys.readouterr()
    assert "ticket 4242 -> incident 1" in captured.out and "4243: no matching incident" in captured.err
    assert main(["incident", "list", "-c", cfg, "--month", "2026-10"]) == 0
    out = capsys.readouterr().out
    # GTI counted from the ticket (17:10) to prise en compte (17:25) = 15 min < 30 min for P2
    assert "ack 2026-10-09 17:25:00 GTI ok GTR ok ticket 4242" in out
    assert main(["incident", "ack", "1", "-c", cfg, "--at", "2026-10-09T17:50"]) == 0
    capsys.readouterr()
    assert main(["incident", "list", "-c", cfg, "--month", "2026-10"]) == 0
    assert "ack 2026-10-09 17:50:00 GTI BREACHED" in capsys.readouterr().out
    assert main(["sla", "status", "-c", cfg, "--month", "2026-10"]) == 0
    out = capsys.readouterr().out
    # 24x7 October: 745 h, 5 h down -> 99.329 %
    assert "saas asset:portail NHT 745.00 h NHI 5.00 h rate 99.329 %" in out
