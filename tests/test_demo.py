"""The demo's rewriting of the example town (ports, tiers, baseline date) and of the printer recording."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from monitor import demo
from monitor.config import check_config, load_config


def test_write_config_fills_the_peers_and_dates(tmp_path: Path) -> None:
    cfg = demo.write_config(tmp_path, snmp_port=20161, https_port=20443, ca_file=tmp_path / "ca.pem",
                            listen="127.0.0.1:0", redfish_url="http://127.0.0.1:20800",
                            prism_url="http://127.0.0.1:20940", today=date(2026, 3, 15))
    assert check_config(cfg, environ={}) == []
    config = load_config(cfg, environ={})
    assert config.asset("bmc-ntnx-node-1").probes.redfish.base_url == "http://127.0.0.1:20800"
    assert config.asset("prism-ct").probes.nutanix.base_url == "http://127.0.0.1:20940"
    assert config.asset("ondul-mairie").snmp_port() == 20161
    assert config.tiers.fast == 15.0 and config.asset("ondul-mairie").tiers is None
    assert config.asset("sw-poe-ecole").tiers.fast == 30.0          # its own tier is kept
    pages = [b for b in config.energy.sobriety.baselines if b.name == "pages"]
    assert [b.date for b in pages] == ["2025-03-01"]                  # same month, a year before
    assert {h.name for h in config.energy.vms.hosts} == {"ntnx-node-1", "ntnx-node-2", "ntnx-node-3",
                                                         "esxi-ct"}


def test_animate_only_touches_the_listed_counters(tmp_path: Path) -> None:
    rec = tmp_path / "ricoh_mpc3002.snmprec"
    rec.write_text("1.3.6.1.2.1.1.1.0|4|Ricoh\n1.3.6.1.2.1.43.10.2.1.4.1.1|65|271871\n"
                   "1.3.6.1.2.1.43.10.2.1.5.1.1|2|3\n")
    pdu = tmp_path / "raritan-pdu_px3.snmprec"
    pdu.write_text("1.3.6.1.4.1.13742.6.5.2.3.1.4.1.1.5|66|1665\n"
                   "1.3.6.1.4.1.13742.6.5.2.3.1.4.1.1.8|66|74057676\n"
                   "1.3.6.1.4.1.13742.6.5.4.3.1.4.1.13.8|66|12711248\n")
    assert demo.animate(tmp_path) == 3
    assert rec.read_text().splitlines() == [
        "1.3.6.1.2.1.1.1.0|4|Ricoh",
        "1.3.6.1.2.1.43.10.2.1.4.1.1|65:numeric|initial=271871,rate=0.5",
        "1.3.6.1.2.1.43.10.2.1.5.1.1|2|3"]
    # energy (Wh) advances at the recorded power: 1665 W -> 0.4625 Wh/s
    assert pdu.read_text().splitlines() == [
        "1.3.6.1.4.1.13742.6.5.2.3.1.4.1.1.5|66|1665",
        "1.3.6.1.4.1.13742.6.5.2.3.1.4.1.1.8|66:numeric|initial=74057676,rate=0.4625",
        "1.3.6.1.4.1.13742.6.5.4.3.1.4.1.13.8|66:numeric|initial=12711248,rate=0.108333"]
    assert demo.animate(tmp_path / "elsewhere") == 0
