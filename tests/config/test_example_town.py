"""The example inventory of Vigie-sur-Loire (used by the demo) loads cleanly and says what the demo expects."""

from __future__ import annotations

from pathlib import Path

from monitor.simulator import shared_dir
from monitor.config import check_config, load_config

TOWN = Path(__file__).resolve().parents[2] / "examples" / "town" / "vigie.yml"
CORPUS_NAMES = {"fortigate_60f", "nxos_n9k-c93180yc-fx3", "ios_2960x", "apc_smart1500", "raritan-pdu_px3",
                "aruba-instant", "ricoh_mpc3002", "vmware-esxi"}


def test_town_loads_without_findings() -> None:
    assert check_config(TOWN, environ={}) == []


def test_town_content() -> None:
    config = load_config(TOWN, environ={})
    assert set(config.sites) == {"hotel-de-ville", "ecole-jules-ferry", "mediatheque", "centre-technique"}
    assert config.sites["ecole-jules-ferry"].name == "École Jules Ferry"
    kinds = {a.kind for a in config.assets}
    assert {"switch", "firewall", "ups", "pdu", "access_point", "printer", "service"} <= kinds
    assert len(config.files) == 7  # main, sites, credentials and four asset files
    # every SNMP asset talks to snmpsim on 127.0.0.1:1161, the community naming a corpus recording
    communities = set()
    for asset in config.assets:
        if asset.probes.snmp:
            assert (asset.host, asset.snmp_port()) == ("127.0.0.1", 1161)
            communities.add(config.credential_for(asset).snmp.community.reveal())
    # ...except the switched-off workstation, whose community no recording answers (silence)
    assert communities == CORPUS_NAMES | {"poste-compta"}
    # dependencies: switches behind the firewall, PDU behind the UPS
    assert config.asset("sw-coeur-mairie").parent == "fw-mairie"
    assert config.asset("sw-poe-ecole").parent == "sw-coeur-mairie"
    assert config.asset("pdu-baie-mairie").parent == "ondul-mairie"
    saas = config.asset("portail-famille")
    assert saas.probes.enabled() == ("http",) and saas.probes.http[0].timeout == 5.0
    assert config.asset("sw-poe-ecole").tiers.fast == 30.0
    assert config.daemon.poll_deadline == 20.0


def test_corpus_recordings_exist() -> None:
    corpus = shared_dir() / "corpus"
    if corpus.is_dir():
        assert {p.stem for p in corpus.glob("*.snmprec")} >= CORPUS_NAMES
