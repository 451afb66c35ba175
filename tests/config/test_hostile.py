"""Hostile or broken input always ends in ``ConfigError``, never a traceback or a hang."""

from __future__ import annotations

import pytest

from monitor.config import load_config
from monitor.yamlfile import MAX_FILE_BYTES
from monitor.errors import ConfigError



def bomb(width: int) -> str:
    """``width`` aliased assets each with ``width`` aliased HTTP checks: width**2 checks from a small file."""
    checks = ", ".join(["*h"] * width)
    assets = "\n".join(["  - *a"] * width)
    return ("sites: {m: {name: M}}\nassets:\n"
            "  - &a {name: s, site: m, kind: service, probes: {http: [&h {url: 'http://127.0.0.1/'}, "
            + checks + "]}}\n" + assets + "\n")


CASES = [
    ("alias bomb", bomb(2000), "vigie.yml: document too large once YAML aliases are expanded (alias bomb?)"),
    ("nested lists of aliases", "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"l{i}: &l{i} [{', '.join(['*' + ('a' if i == 0 else f'l{i - 1}')] * 10)}]\n" for i in range(8))
     + "profile_dirs: *l7\n", "vigie.yml:8: profile_dirs[0]: expected a string, got a list"),
    ("many errors", "sites: {m: {name: M}}\nassets:\n" + "  - {name: a, site: m, kind: bad}\n" * 1000,
     "vigie.yml: too many errors (200), stopping"),
    ("deep nesting", "assets: " + "[" * 5000 + "]" * 5000 + "\n", "vigie.yml: invalid YAML: nesting too deep"),
    ("python tag", "assets: !!python/object/apply:os.system ['echo owned']\n",
     "vigie.yml:1: assets: unsupported YAML tag 'tag:yaml.org,2002:python/object/apply:os.system'"),
    ("python tag on a mapping", "sites: {m: !!python/object:os.Foo {name: x}}\n",
     "vigie.yml:1: sites.m: unsupported YAML tag 'tag:yaml.org,2002:python/object:os.Foo'"),
    ("python tag on a scalar", "daemon: {listen: !!python/name:os.system ''}\n",
     "vigie.yml:1: daemon.listen: unsupported YAML tag 'tag:yaml.org,2002:python/name:os.system'"),
    ("custom tag at top", "!vigie {}\n", "vigie.yml:1: unsupported YAML tag '!vigie'"),
    ("top-level scalar", "just a string\n", "vigie.yml:1: the top level must be a mapping of options"),
    ("several documents", "a: 1\n---\nb: 2\n", "vigie.yml:2: invalid YAML: expected a single document"),
    ("duplicate top key", "assets: []\nassets: []\n", "vigie.yml:2: assets: duplicate key 'assets' (first at line 1)"),
    ("recursive merge", "sites: &s {<<: *s}\n", "vigie.yml:1: sites: recursive YAML merge"),
    ("recursive list", "profile_dirs: &p [a, *p]\n", "vigie.yml:1: profile_dirs[1]: expected a string, got a list"),
    ("mapping as key", "sites: {[a]: {name: x}}\n", "vigie.yml:1: sites: keys must be strings, got a list"),
    ("huge integer", "snmp: {retries: " + "9" * 5000 + "}\n", "vigie.yml:1: snmp.retries: expected an integer, got"),
    ("infinite float", "snmp: {timeout: .inf}\n", "vigie.yml:1: snmp.timeout: expected a finite number, got '.inf'"),
    ("nan", "snmp: {timeout: .nan}\n", "vigie.yml:1: snmp.timeout: expected a finite number, got '.nan'"),
    ("control characters", "a: \x00\x01\n", "invalid YAML: unacceptable character"),
]


@pytest.mark.parametrize("text, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_text(tree, text: str, expected: str) -> None:
    (tree({}) / "vigie.yml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config("vigie.yml")
    assert expected in str(info.value)
    assert len(str(info.value)) < 50_000


def test_binary_junk(tree) -> None:
    tree({"vigie.yml": bytes(range(256)) * 8})
    with pytest.raises(ConfigError, match=r"vigie.yml:2: not UTF-8 text \(binary file\?\)"):
        load_config("vigie.yml")


def test_huge_file(tree) -> None:
    tree({"vigie.yml": b"# " + b"x" * MAX_FILE_BYTES + b"\n"})
    with pytest.raises(ConfigError, match="vigie.yml: file is larger than 4 MiB"):
        load_config("vigie.yml")


def test_missing_main_file(tree) -> None:
    tree({})
    with pytest.raises(ConfigError, match="nothere.yml: cannot read file: No such file or directory"):
        load_config("nothere.yml")


def test_directory_as_main_file(tree) -> None:
    tree({"d/x": "a"})
    with pytest.raises(ConfigError, match="d: cannot read file: Is a directory"):
        load_config("d")


def test_empty_file_and_bom_are_fine(tree) -> None:
    tree({"vigie.yml": "", "bom.yml": "\ufeffsites: {m: {name: M}}\n"})
    assert load_config("vigie.yml").assets == ()
    assert list(load_config("bom.yml").sites) == ["m"]


def test_merge_keys_share_defaults(tree) -> None:
    tree({"vigie.yml": """
        sites: {m: {name: M}}
        x-defaults: &d {site: m, kind: link, criticality: high}
        assets:
          - {<<: *d, name: a}
          - {<<: *d, name: b, criticality: low}
        """})
    with pytest.raises(ConfigError, match="x-defaults: unknown option"):
        load_config("vigie.yml")
    tree({"vigie.yml": """
        sites: {m: {name: M}}
        assets:
          - &d {name: a, site: m, kind: link, criticality: high}
          - {<<: *d, name: b, criticality: low}
        """})
    config = load_config("vigie.yml")
    assert [(a.name, a.criticality) for a in config.assets] == [("a", "high"), ("b", "low")]
