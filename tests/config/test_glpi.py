"""GLPI CSV export to inventory YAML: English and French headers, bad rows, round trip through load_config."""

from __future__ import annotations

import pytest

from monitor.config import load_config
from monitor.config.glpi import glpi_csv_to_inventory, parse_glpi_csv, slugify
from monitor.errors import ConfigError, ConfigErrors

FRENCH = ("\ufeffNom;Lieu;Adresse IP;Type;Numéro de série;Modèle\r\n"
          "SW-Cœur Mairie;Hôtel de ville > Baie 1;192.0.2.10;Commutateur;FOC1234;Catalyst 9300\r\n"
          "Pare-feu principal;Hôtel de ville > Baie 1;192.0.2.1;Pare-feu;FGT60F01;FortiGate 60F\r\n"
          "Borne CDI;École Jules Ferry;192.0.2.40;Borne WiFi;CNX1;IAP-225\r\n"
          "Onduleur baie;Hôtel de ville > Baie 1;192.0.2.20;Onduleur;AS1;Smart-UPS 1500\r\n"
          "\"Imprimante; accueil\";Médiathèque;192.0.2.50;Imprimante;E1;MP C3002\r\n"
          "PC accueil;Médiathèque;;Ordinateur;;\r\n"
          "PC accueil;Médiathèque;;Ordinateur;PF2A;\r\n")

ENGLISH = ("name,location,IP,type,serial,model\n"
           "core-sw,Town hall,2001:db8::10,Switch,S1,C9300\n"
           "srv1,Town hall,\"192.0.2.5, 10.0.0.5\",Server,S2,R640\n"
           "ups1,Town hall,192.0.2.6,UPS,S3,\n"
           "pdu1,Town hall,192.0.2.7,PDU,S4,PX3\n")


def test_french_export() -> None:
    rows = parse_glpi_csv(FRENCH)
    assert [(r.line, r.name, r.site, r.kind, r.address) for r in rows] == [
        (2, "sw-coeur-mairie", "hotel-de-ville-baie-1", "switch", "192.0.2.10"),
        (3, "pare-feu-principal", "hotel-de-ville-baie-1", "firewall", "192.0.2.1"),
        (4, "borne-cdi", "ecole-jules-ferry", "access_point", "192.0.2.40"),
        (5, "onduleur-baie", "hotel-de-ville-baie-1", "ups", "192.0.2.20"),
        (6, "imprimante-accueil", "mediatheque", "printer", "192.0.2.50"),
        (7, "pc-accueil-l7", "mediatheque", "workstation", ""),
        (8, "pc-accueil-pf2a", "mediatheque", "workstation", ""),
    ]
    assert rows[0].original == "SW-Cœur Mairie" and rows[0].site_name == "Hôtel de ville > Baie 1"


def test_english_export_comma_separated() -> None:
    rows = parse_glpi_csv(ENGLISH)
    assert [(r.name, r.kind, r.address, r.model) for r in rows] == [
        ("core-sw", "switch", "2001:db8::10", "C9300"), ("srv1", "server", "192.0.2.5", "R640"),
        ("ups1", "ups", "192.0.2.6", ""), ("pdu1", "pdu", "192.0.2.7", "PX3")]


def test_bad_rows_are_reported_with_csv_lines() -> None:
    text = ("nom;lieu;adresse ip;type\n"
            "ok;Mairie;192.0.2.1;Switch\n"
            "toaster;Mairie;192.0.2.2;Grille-pain\n"
            ";Mairie;192.0.2.3;Switch\n"
            "\"multi\nline\";Mairie;192.0.2.4;Switch\n"
            "nolieu;;192.0.2.5;UPS\n"
            "badip;Mairie;not-an-ip;Onduleur\n")
    with pytest.raises(ConfigErrors) as info:
        parse_glpi_csv(text, source="export.csv")
    assert [str(e) for e in info.value.errors] == [
        "export.csv:3: unknown type 'Grille-pain' for 'toaster' (known: access_point, firewall, hypervisor, pdu, "
        "printer, server, switch, ups, workstation); fix it in GLPI or edit the row",
        "export.csv:4: name '' gives an empty asset name",
        "export.csv:7: asset 'nolieu' has no location",
        "export.csv:8: no valid IP address in 'not-an-ip'",
    ]


def test_missing_columns() -> None:
    with pytest.raises(ConfigError, match="glpi.csv:1: missing column\\(s\\) type, location"):
        parse_glpi_csv("Nom;Adresse IP\nx;192.0.2.1\n")
    with pytest.raises(ConfigError, match="empty CSV export"):
        parse_glpi_csv("")


@pytest.mark.parametrize("text, slug", [("Salle  du Conseil (RDC)", "salle-du-conseil-rdc"),
                                        ("ŒUVRE—Été", "oeuvre-ete"), ("x" * 80, "x" * 63), ("***", "")])
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


@pytest.mark.parametrize("csv_text", [FRENCH, ENGLISH], ids=["french", "english"])
def test_round_trip_through_load_config(tree, csv_text: str) -> None:
    root = tree({
        "vigie.yml": "include: [credentials.yml, glpi.yml]\n",
        "credentials.yml": "credentials:\n  snmp-ville:\n    snmp: {version: 2c, community: {env: COMMUNITY}}\n",
    })
    (root / "glpi.yml").write_text(glpi_csv_to_inventory(csv_text, credentials="snmp-ville"), encoding="utf-8")
    config = load_config("vigie.yml", environ={"COMMUNITY": "public"})
    expected = parse_glpi_csv(csv_text)
    assert [a.name for a in config.assets] == [r.name for r in expected]
    for asset, row in zip(config.assets, expected):
        assert (asset.site, asset.kind, asset.address, asset.serial, asset.model) == (
            row.site, row.kind, row.address, row.serial, row.model)
        assert config.sites[asset.site].name == row.site_name
        # SNMP is on exactly for the assets with an address (workstations without IP: nothing to poll)
        assert (asset.probes.snmp is not None) == bool(row.address)


def test_comments_cannot_inject_yaml(tree) -> None:
    text = "name;location;type\n\"evil\nassets: []\";Mairie;Server\n"
    root = tree({})
    (root / "x.yml").write_text(glpi_csv_to_inventory(text), encoding="utf-8")
    config = load_config("x.yml")
    assert [a.name for a in config.assets] == ["evil-assets"]
