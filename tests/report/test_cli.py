"""``vigie report sla`` end to end: configuration file + state file -> the four files.

Same October as test_sla_report (hand-worked there), this time through the configuration's
``sla:`` section and :func:`monitor.sla.service.month_report_data` (incidents with GTI/GTR).
"""

import argparse
import json
import textwrap

import pytest

from monitor import cli
from monitor.errors import ConfigError
from monitor.report.cli import parse_month, run
from monitor.sla.ledger import Entry, Ledger
from monitor.store import Store, Transition

from .test_sla_report import NOW, L

S = "\u202f"


def write_config(tmp):
    cfg = tmp / "vigie.yml"
    cfg.write_text(textwrap.dedent(f"""\
        daemon: {{listen: "127.0.0.1:0", state_dir: {tmp / 'state'}}}
        sites:
          hdv: {{name: Hôtel de ville}}
        assets:
          - {{name: srv-1, site: hdv, kind: service, criticality: high}}
          - {{name: app-1, site: hdv, kind: service, criticality: medium}}
        sla:
          author: dsi
          calendars:
            24x7: {{kind: 24x7}}
            psg: {{kind: weekly, ranges: {{mon-fri: ["09:00-12:00", "14:00-18:00"]}}}}
          contracts:
            Hébergement:
              target: 99.9
              calendar: 24x7
              assets: [srv-1]
              criticality: high
              guarantees: {{P1: {{gti: 15m, gtr: 4h}}, P2: {{gti: 30m, gtr: 4h}}}}
            PSG Mairie:
              target: 98
              calendar: psg
              assets: [app-1]
          exclusions:
            - id: fw-octobre
              assets: [srv-1]
              start: "2026-10-06T06:00"
              end: "2026-10-06T08:00"
              reason: mise à jour du micrologiciel
              reference: GLPI-4321
        """), encoding="utf-8")
    db = tmp / "state" / "vigie.db"
    store = Store(db)
    store.record_transitions([
        Transition("srv-1", L(1, m=9), "up"),
        Transition("srv-1", L(6, 6), "down"), Transition("srv-1", L(6, 8), "up"),
        Transition("srv-1", L(10, 10), "down"), Transition("srv-1", L(10, 11), "up"),
        Transition("app-1", L(1, m=9), "up"),
        Transition("app-1", L(12, 11), "down"), Transition("app-1", L(12, 15), "up"),
        Transition("app-1", L(13, 9), "unmeasured"), Transition("app-1", L(13, 10), "up"),
        Transition("app-1", L(14, 9), "down"), Transition("app-1", L(14, 10), "up"),
    ])
    store.close()
    ledger = Ledger(db)
    ledger.append(Entry("third_party", "a.durand", "coupure opérateur", L(15, 9),
                        intervals=((L(14, 9), L(14, 10)),), assets=("app-1",), reference="GLPI-4512"))
    ledger.close()
    return cfg


def parse(argv):
    parser = cli._parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    handlers = {}
    for module in cli.COMMAND_MODULES:
        handlers.update(__import__(module, fromlist=["register"]).register(sub))
    args = parser.parse_args(argv)
    assert handlers[args.command] is run
    return args


def test_vigie_report_sla_writes_four_identical_files(tmp_path, capsys):
    cfg = write_config(tmp_path)
    outs = []
    for name in ("a", "b"):
        args = parse(["report", "sla", "--month", "2026-10", "-c", str(cfg),
                      "--out", str(tmp_path / name)])
        assert run(args, now=NOW) == 0
        outs.append(sorted((tmp_path / name).iterdir()))
    names = [p.name for p in outs[0]]
    assert names == ["vigie-sla-2026-10.csv", "vigie-sla-2026-10.html", "vigie-sla-2026-10.json",
                     "vigie-sla-2026-10.pdf"]
    for a, b in zip(*outs):
        assert a.read_bytes() == b.read_bytes(), a.name
    html = outs[0][1].read_text(encoding="utf-8")
    for text in (f"99,86{S}%", f"98,68{S}%", f"743,00{S}h", "GLPI-4321", "GLPI-4512",
                 "mise à jour du micrologiciel", "dsi", "P1", "respectée"):
        assert text in html, text
    data = json.loads(outs[0][2].read_text(encoding="utf-8"))
    heb = data["contracts"][0]
    assert heb["name"] == "Hébergement" and heb["total"]["nht_seconds"] == 2_674_800
    # every down period is an incident (the one during the maintenance too), P1 for srv-1
    assert [(i["start"], i["priority"]) for i in heb["incidents"]] == [
        ("2026-10-06T06:00:00+02:00", "P1"), ("2026-10-10T10:00:00+02:00", "P1")]
    assert heb["incidents"][1]["gtr_seconds"] == 14400 and heb["incidents"][1]["gtr_met"] is True
    assert heb["incidents"][1]["calendar_seconds"] == 3600
    assert outs[0][3].read_bytes().startswith(b"%PDF")


def test_month_argument():
    assert parse_month("2026-10") == (2026, 10)
    for bad in ("2026-13", "10/2026", "2026-1"):
        with pytest.raises(ConfigError):
            parse_month(bad)
    args = parse(["report", "sla", "--month", "2027-01", "-c", "/nonexistent"])
    with pytest.raises(ConfigError, match="not started"):
        run(args, now=NOW)
