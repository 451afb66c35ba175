"""Secrets from a file, the environment or systemd credentials; never printed."""

from __future__ import annotations

import pickle

import pytest

from monitor.config import Secret, check_config, load_config
from monitor.errors import ConfigErrors

SECRET = "s3cr3t-Community"


def config_text(community: str) -> str:
    return ("sites:\n  m: {name: M}\ncredentials:\n  c:\n    snmp:\n      version: 2c\n"
            f"      community: {community}\n"
            "assets:\n  - {name: sw, site: m, kind: switch, address: '127.0.0.1:1161', credentials: c}\n")


@pytest.mark.parametrize("ref, files, environ, cred_dir, source", [
    ("{file: secrets/community}", {"secrets/community": SECRET + "\n"}, {}, None, "file:secrets/community"),
    ("{env: VIGIE_COMMUNITY}", {}, {"VIGIE_COMMUNITY": SECRET}, None, "env:VIGIE_COMMUNITY"),
    ("{credential: community}", {"creds/community": SECRET}, {}, "creds", "credential:community"),
    ("{credential: community}", {"creds/community": SECRET + "\r\n"}, {"CREDENTIALS_DIRECTORY": "creds"}, None,
     "credential:community"),
])
def test_sources(tree, ref, files, environ, cred_dir, source) -> None:
    tree({"vigie.yml": config_text(ref), **files})
    config = load_config("vigie.yml", environ=environ, credentials_dir=cred_dir)
    community = config.credentials["c"].snmp.community
    assert community.reveal() == SECRET
    assert community.source == source
    assert SECRET not in repr(config) and SECRET not in str(config)
    assert "<secret>" in repr(config)
    assert check_config("vigie.yml", environ=environ, credentials_dir=cred_dir) == []


def test_snmp_shorthand_enables_snmp(tree) -> None:
    tree({"vigie.yml": config_text("{env: C}")})
    asset = load_config("vigie.yml", environ={"C": "x"}).asset("sw")
    assert asset.probes.enabled() == ("snmp",)
    assert (asset.host, asset.snmp_port()) == ("127.0.0.1", 1161)


@pytest.mark.parametrize("ref, files, environ, expected", [
    ("{file: nothere}", {}, {}, "vigie.yml:7: credentials.c.snmp.community.file: cannot read secret file "),
    ("{env: NOPE}", {}, {}, "vigie.yml:7: credentials.c.snmp.community.env: environment variable NOPE is not set"),
    ("{credential: c1}", {}, {}, "vigie.yml:7: credentials.c.snmp.community.credential: credential 'c1' needs "
                                 "$CREDENTIALS_DIRECTORY (systemd LoadCredential=), which is not set"),
    ("{credential: ../x}", {}, {"CREDENTIALS_DIRECTORY": "/"}, "vigie.yml:7: credentials.c.snmp.community."
                                                              "credential: invalid credential name '../x'"),
    ("{env: EMPTY}", {}, {"EMPTY": ""}, "vigie.yml:7: credentials.c.snmp.community.env: secret from env:EMPTY "
                                        "is empty"),
])
def test_missing_sources_are_errors(tree, ref, files, environ, expected) -> None:
    tree({"vigie.yml": config_text(ref), **files})
    with pytest.raises(ConfigErrors) as info:
        load_config("vigie.yml", environ=environ)
    (err,) = info.value.errors
    assert str(err).startswith(expected)


def test_inline_value_warns_without_showing_it(tree) -> None:
    tree({"vigie.yml": config_text("{value: " + SECRET + "}")})
    messages = check_config("vigie.yml", environ={})
    assert messages == ["warning: vigie.yml:7: credentials.c.snmp.community: secret written inline in the "
                        "configuration; prefer {env: ...}, {file: ...} or {credential: ...}"]


def test_errors_never_show_secret_values(tree) -> None:
    # a secret given where a plain string is expected and as a plain string where a secret is expected,
    # a short v3 key, and a v3 credential mixing a community: none of the values may appear
    text = ("credentials:\n  c:\n    snmp: {version: 2c, community: " + SECRET + "}\n"
            "  d:\n    snmp: {version: 3, user: u, auth_protocol: sha, auth_key: {value: Sh0rt},"
            " community: {value: " + SECRET + "}}\n"
            "  e:\n    snmp: {version: 2c, community: [" + SECRET + "]}\n"
            "  f:\n    snmp: {version: 2c, community: {env: [" + SECRET + "]}}\n"
            "  g:\n    snmp: {version: 2c, community: {" + SECRET + ": x}}\n")
    tree({"vigie.yml": text})
    messages = check_config("vigie.yml", environ={})
    assert len([m for m in messages if m.startswith("error: ")]) == 6
    joined = "\n".join(messages)
    assert SECRET not in joined and "Sh0rt" not in joined


def test_secret_object() -> None:
    s = Secret("topsecret", source="env:X")
    assert (str(s), repr(s), f"{s}", f"{s!r}") == ("<secret>",) * 4
    assert s == Secret("topsecret") and s != Secret("other")
    assert "topsecret" not in repr([s, {"k": s}])
    copy = pickle.loads(pickle.dumps(s))
    assert copy.reveal() == "topsecret" and copy.source == "env:X"
