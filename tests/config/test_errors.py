"""Every error names the file, the line and the option path (table-driven)."""

from __future__ import annotations

import pytest

from monitor.config import load_config
from monitor.errors import ConfigErrors

HEAD = """\
sites:
  mairie: {name: Mairie}
credentials:
  v2c:
    snmp: {version: 2c, community: {value: public1}}
  meraki:
    http: {api_key: {value: abcdefgh}}
assets:
"""  # assets start on line 9

CASES = [
    ("unknown option with suggestion",
     "  - {name: a, site: mairie, kind: switch, adress: 127.0.0.1}\n",
     ["vigie.yml:9: assets[0].adress: unknown option 'adress' (did you mean 'address'?)"]),
    ("wrong type in nested list",
     "  - name: svc\n    site: mairie\n    kind: service\n    probes:\n      http:\n"
     "        - url: http://127.0.0.1/\n          expect_status: [200, abc]\n",
     ["vigie.yml:15: assets[0].probes.http[0].expect_status[1]: expected an integer, got 'abc'"]),
    ("missing required",
     "  - {name: a, kind: switch}\n",
     ["vigie.yml:9: assets[0]: missing required option 'site'"]),
    ("bad literal",
     "  - {name: a, site: mairie, kind: swich}\n",
     ["vigie.yml:9: assets[0].kind: expected one of 'switch', 'firewall', 'access_point', 'ups', 'pdu', "
      "'printer', 'server', 'hypervisor', 'workstation', 'service', 'link', got 'swich' (did you mean 'switch'?)"]),
    ("unknown site",
     "  - name: a\n    site: mairei\n    kind: link\n",
     ["vigie.yml:10: assets[0].site: unknown site 'mairei' (did you mean 'mairie'?)"]),
    ("unknown parent and credentials",
     "  - {name: a, site: mairie, kind: switch, address: 127.0.0.1, parent: b, credentials: v2}\n",
     ["vigie.yml:9: assets[0].parent: unknown parent asset 'b'",
      "vigie.yml:9: assets[0].credentials: unknown credentials 'v2' (did you mean 'v2c'?)"]),
    ("duplicate asset",
     "  - {name: a, site: mairie, kind: link}\n  - {name: a, site: mairie, kind: link}\n",
     ["vigie.yml:10: assets[1].name: asset 'a' is already defined at vigie.yml:9"]),
    ("dependency cycle",
     "  - {name: a, site: mairie, kind: link, parent: b}\n  - {name: b, site: mairie, kind: link, parent: a}\n",
     ["vigie.yml:9: assets[0].parent: dependency cycle: a -> b -> a"]),
    ("own parent",
     "  - {name: a, site: mairie, kind: link, parent: a}\n",
     ["vigie.yml:9: assets[0].parent: an asset cannot be its own parent"]),
    ("snmp needs snmp credential",
     "  - name: a\n    site: mairie\n    kind: switch\n    address: 127.0.0.1\n    credentials: meraki\n"
     "    probes: {snmp: {}}\n",
     ["vigie.yml:13: assets[0].credentials: the snmp probe needs credentials with an 'snmp' part"]),
    ("meraki needs api key",
     "  - name: a\n    site: mairie\n    kind: service\n    probes: {meraki: {organization_id: 123}}\n",
     ["vigie.yml:9: assets[0].credentials: the meraki probe needs credentials with 'http.api_key'"]),
    ("bad address",
     "  - name: a\n    site: mairie\n    kind: link\n    address: 10.0.0.300\n",
     ["vigie.yml:12: assets[0].address: invalid address '10.0.0.300': "
      "Octet 300 (> 255) not permitted in '10.0.0.300'"]),
    ("bad port",
     "  - {name: a, site: mairie, kind: link, address: 'host:99999'}\n",
     ["vigie.yml:9: assets[0].address: invalid address 'host:99999': invalid port '99999'"]),
    ("snmp without address",
     "  - {name: a, site: mairie, kind: switch, credentials: v2c}\n",
     ["vigie.yml:9: assets[0].address: an address is needed: SNMP is on because the credentials have an "
      "'snmp' part"]),
    ("bad asset name",
     "  - {name: 'a b', site: mairie, kind: link}\n",
     ["vigie.yml:9: assets[0].name: invalid name 'a b': use 1-63 characters among letters, digits, '.', '_' "
      "and '-', starting with a letter or digit"]),
    ("bad duration",
     "  - {name: a, site: mairie, kind: link, tiers: {fast: 5 minutes}}\n",
     ["vigie.yml:9: assets[0].tiers.fast: expected a duration such as 500ms, 30s, 5m, 1h or 1d, got '5 minutes'"]),
    ("negative duration",
     "  - {name: a, site: mairie, kind: link, tiers: {fast: -1}}\n",
     ["vigie.yml:9: assets[0].tiers.fast: must be > 0, got -1"]),
    ("fast slower than slow",
     "  - {name: a, site: mairie, kind: link, tiers: {fast: 2h}}\n",
     ["vigie.yml:9: assets[0].tiers.fast: fast tier (7200s) must not be slower than the slow tier (3600s)"]),
    ("bool is not a number",
     "  - {name: a, site: mairie, kind: link, address: 127.0.0.1, probes: {icmp: {count: true}}}\n",
     ["vigie.yml:9: assets[0].probes.icmp.count: expected an integer, got 'true'"]),
    ("out of bounds",
     "  - {name: a, site: mairie, kind: link, address: 127.0.0.1, probes: {icmp: {count: 0}}}\n",
     ["vigie.yml:9: assets[0].probes.icmp.count: must be >= 1, got 0"]),
    ("bad url and regex",
     "  - name: a\n    site: mairie\n    kind: service\n    probes:\n      http: {url: 'ftp://x', body_regex: '('}\n",
     ["vigie.yml:13: assets[0].probes.http.url: expected an http:// or https:// URL, got 'ftp://x'",
      "vigie.yml:13: assets[0].probes.http.body_regex: invalid regular expression: "
      "missing ), unterminated subpattern at position 0"]),
    ("duplicate key",
     "  - name: a\n    site: mairie\n    kind: link\n    kind: switch\n",
     ["vigie.yml:12: assets[0].kind: duplicate key 'kind' (first at line 11)"]),
    ("several errors in one pass",
     "  - {name: a, site: mairie, kind: link, criticality: urgent}\n  - {name: b, site: x, kind: link}\n",
     ["vigie.yml:9: assets[0].criticality: expected one of 'high', 'medium', 'low', got 'urgent'",
      "vigie.yml:10: assets[1].site: unknown site 'x'"]),
    ("unquoted yes as a string",
     "  - {name: a, site: mairie, kind: link, model: no}\n",
     ["vigie.yml:9: assets[0].model: expected a string, got 'no' (quote it to make it a string)"]),
    ("assets not a list",
     "  name: a\n",
     ["vigie.yml:9: assets: expected a list of assets, got a mapping"]),
]


@pytest.mark.parametrize("assets, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_error_messages(tree, assets: str, expected: list[str]) -> None:
    (tree({}) / "vigie.yml").write_text(HEAD + assets, encoding="utf-8")
    with pytest.raises(ConfigErrors) as info:
        load_config("vigie.yml")
    assert [str(e) for e in info.value.errors] == expected


TOP_CASES = [
    ("unknown top key", "asets: []\n", ["vigie.yml:1: asets: unknown option 'asets' (did you mean 'assets'?)"]),
    ("top level list", "- a\n- b\n",
     ["vigie.yml:1: the top level must be a mapping of options (include, sites, credentials, assets...), got a list"]),
    ("daemon unknown key", "daemon:\n  listen: 127.0.0.1:9116\n  concurency: 3\n",
     ["vigie.yml:3: daemon.concurency: unknown option 'concurency' (did you mean 'concurrency'?)"]),
    ("listen without port", "daemon: {listen: 127.0.0.1}\n",
     ["vigie.yml:1: daemon.listen: listen address needs a port, e.g. 127.0.0.1:9116"]),
    ("bad time zone", "sites:\n  m: {name: M, timezone: Europe/Pariss}\n",
     ["vigie.yml:2: sites.m.timezone: unknown time zone 'Europe/Pariss'"]),
    ("v2c without community", "credentials:\n  c:\n    snmp: {version: 2c}\n",
     ["vigie.yml:3: credentials.c.snmp: SNMP version 2c needs a 'community'"]),
    ("v3 priv without auth, short key", "credentials:\n  c:\n    snmp:\n      version: 3\n      user: u\n"
     "      priv_protocol: aes\n      priv_key: {value: short}\n",
     ["vigie.yml:7: credentials.c.snmp.priv_key: SNMPv3 keys need at least 8 characters (value not shown)",
      "vigie.yml:6: credentials.c.snmp.priv_protocol: privacy (priv_protocol) needs authentication (auth_protocol)"]),
    ("v3 without user", "credentials:\n  c:\n    snmp: {version: 3}\n",
     ["vigie.yml:3: credentials.c.snmp: SNMP version 3 needs a 'user'"]),
    ("secret as plain string", "credentials:\n  c:\n    snmp: {version: 2c, community: hunter2x}\n",
     ["vigie.yml:3: credentials.c.snmp.community: expected a secret reference: {env: NAME}, {file: PATH}, "
      "{credential: NAME} or {value: TEXT}, got a plain value (not shown)"]),
    ("secret unknown source", "credentials:\n  c:\n    snmp: {version: 2c, community: {vault: x}}\n",
     ["vigie.yml:3: credentials.c.snmp.community: expected a secret reference: {env: NAME}, {file: PATH}, "
      "{credential: NAME} or {value: TEXT}, got 1 key(s), not exactly one of those (not shown)"]),
    ("empty credential", "credentials:\n  c: {}\n",
     ["vigie.yml:2: credentials.c: a credential needs an 'snmp' or an 'http' part"]),
    ("credential name key is not an option", "credentials:\n  c: {name: x, http: {api_key: {value: abcdefgh}}}\n",
     ["vigie.yml:2: credentials.c.name: unknown option 'name'; expected one of: http, snmp"]),
    ("bad site id", "sites:\n  'mairie centrale': {name: M}\n",
     ["vigie.yml:2: sites.mairie centrale: invalid name 'mairie centrale': use 1-63 characters among letters, "
      "digits, '.', '_' and '-', starting with a letter or digit"]),
]


@pytest.mark.parametrize("text, expected", [c[1:] for c in TOP_CASES], ids=[c[0] for c in TOP_CASES])
def test_top_level_errors(tree, text: str, expected: list[str]) -> None:
    (tree({}) / "vigie.yml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigErrors) as info:
        load_config("vigie.yml")
    assert [str(e) for e in info.value.errors] == expected


def test_port_given_twice_must_agree(tree) -> None:
    (tree({}) / "vigie.yml").write_text(HEAD + "  - name: a\n    site: mairie\n    kind: switch\n"
                                        "    address: 127.0.0.1:1161\n    credentials: v2c\n"
                                        "    probes: {snmp: {port: 161}}\n", encoding="utf-8")
    with pytest.raises(ConfigErrors) as info:
        load_config("vigie.yml")
    assert [str(e) for e in info.value.errors] == [
        "vigie.yml:14: assets[0].probes: probes.snmp.port (161) contradicts the address port (1161); "
        "give the port once"]


def test_broken_definitions_do_not_cascade(tree) -> None:
    # the site and the parent are defined but invalid: only their own errors are reported
    (tree({}) / "vigie.yml").write_text(
        "sites:\n  s: {name: S, timezone: Mars/Olympus}\nassets:\n"
        "  - {name: p, site: s, kind: bad}\n  - {name: c, site: s, kind: link, parent: p}\n", encoding="utf-8")
    with pytest.raises(ConfigErrors) as info:
        load_config("vigie.yml")
    assert [str(e) for e in info.value.errors] == [
        "vigie.yml:2: sites.s.timezone: unknown time zone 'Mars/Olympus'",
        "vigie.yml:4: assets[0].kind: expected one of 'switch', 'firewall', 'access_point', 'ups', 'pdu', "
        "'printer', 'server', 'hypervisor', 'workstation', 'service', 'link', got 'bad'"]


def test_warnings_for_assets_without_probes(tree) -> None:
    from monitor.config import check_config
    (tree({}) / "vigie.yml").write_text("sites: {m: {name: M}}\nassets:\n  - {name: a, site: m, kind: link}\n",
                                        encoding="utf-8")
    assert check_config("vigie.yml") == [
        "warning: vigie.yml:3: assets[0]: no probe enabled (add credentials with an 'snmp' part or a "
        "'probes:' section)"]
    assert check_config("nothere.yml")[0].startswith("error: nothere.yml: cannot read file")
