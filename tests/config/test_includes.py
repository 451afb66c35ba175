"""``include:``: globs, several levels, cycles, duplicates across files, main-only options."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import load_config
from monitor.errors import ConfigErrors

SITES = "sites:\n  mairie: {name: Mairie}\n"


def messages(path: str = "vigie.yml") -> list[str]:
    with pytest.raises(ConfigErrors) as info:
        load_config(path)
    return [str(e) for e in info.value.errors]


def test_globs_and_nested_levels(tree) -> None:
    root = tree({
        "vigie.yml": "include: [sites.yml, 'inventory/*.yml']\n",
        "sites.yml": SITES,
        "inventory/a.yml": "include: [deeper/c.yml]\nassets:\n  - {name: a, site: mairie, kind: link}\n",
        "inventory/b.yml": "assets:\n  - {name: b, site: mairie, kind: link, parent: c}\n",
        "inventory/deeper/c.yml": "assets:\n  - {name: c, site: mairie, kind: link}\n",
    })
    config = load_config("vigie.yml")
    assert sorted(a.name for a in config.assets) == ["a", "b", "c"]
    assert config.asset("b").parent == "c"
    assert set(config.files) == {str(root / p) for p in (
        "vigie.yml", "sites.yml", "inventory/a.yml", "inventory/b.yml", "inventory/deeper/c.yml")}


def test_error_in_included_file_names_that_file(tree) -> None:
    tree({
        "vigie.yml": SITES + "include: [inventory/schools.yml]\n",
        "inventory/schools.yml": "assets:\n  - name: svc\n    site: mairie\n    kind: service\n    probes:\n"
                                 "      http:\n        - url: http://127.0.0.1/\n          expect_status: [200, abc]\n",
    })
    assert messages() == [
        "inventory/schools.yml:8: assets[0].probes.http[0].expect_status[1]: expected an integer, got 'abc'"]


def test_display_keeps_the_given_folder(tree) -> None:
    tree({"conf/vigie.yml": "include: [inv/x.yml]\n", "conf/inv/x.yml": "assets: 3\n"})
    assert messages("conf/vigie.yml") == ["conf/inv/x.yml:1: assets: expected a list of assets, got '3'"]


def test_cycle_is_detected(tree) -> None:
    tree({"vigie.yml": "include: [a.yml]\n", "a.yml": "include: [b.yml]\n", "b.yml": "include: [a.yml]\n"})
    assert messages() == ["b.yml:1: include[0]: include cycle: a.yml -> b.yml -> a.yml"]


def test_self_include_is_a_cycle(tree) -> None:
    tree({"vigie.yml": "include: vigie.yml\n"})
    assert messages() == ["vigie.yml:1: include: include cycle: vigie.yml -> vigie.yml"]


def test_glob_skips_the_including_file(tree) -> None:
    tree({"conf.d/all.yml": "include: ['*.yml']\n", "conf.d/s.yml": SITES,
          "conf.d/a.yml": "assets: [{name: a, site: mairie, kind: link}]\n"})
    assert [a.name for a in load_config("conf.d/all.yml").assets] == ["a"]


def test_missing_include_and_empty_glob(tree) -> None:
    tree({"vigie.yml": "include:\n  - nothere.yml\n  - 'none/*.yml'\n"})
    assert messages() == ["vigie.yml:2: include[0]: included file not found: nothere.yml"]
    tree({"vigie.yml": "include:\n  - 'none/*.yml'\n"})
    assert load_config("vigie.yml").warnings == ("vigie.yml:2: include[0]: no new file matches 'none/*.yml'",)


def test_duplicates_across_files_name_both_locations(tree) -> None:
    tree({
        "vigie.yml": SITES + "include: [more.yml]\nassets:\n  - {name: a, site: mairie, kind: link}\n",
        "more.yml": "sites:\n  mairie: {name: Encore}\nassets:\n  - {name: a, site: mairie, kind: link}\n",
    })
    assert messages() == [
        "vigie.yml:2: sites.mairie: site 'mairie' is already defined at more.yml:2",
        "vigie.yml:5: assets[0].name: asset 'a' is already defined at more.yml:4",
    ]


def test_main_only_options_refused_in_includes(tree) -> None:
    tree({"vigie.yml": "include: [x.yml]\n", "x.yml": "daemon: {listen: '127.0.0.1:1'}\n"})
    assert messages() == ["x.yml:1: daemon: 'daemon' is only allowed in the main configuration file"]


def test_invalid_yaml_in_include(tree) -> None:
    tree({"vigie.yml": "include: [x.yml]\n", "x.yml": "assets:\n  - {name: a\n"})
    (msg,) = messages()
    assert msg.startswith("x.yml:3: invalid YAML: while parsing a flow mapping")


def test_profile_dirs_resolved_against_main_file(tree) -> None:
    root = tree({"etc/vigie.yml": "profile_dirs: [myprobes, probes]\n", "etc/myprobes/x.yml": "{}\n"})
    config = load_config("etc/vigie.yml")
    repo_root = Path(__file__).resolve().parents[2]
    assert config.profile_dirs == (str(root / "etc" / "myprobes"), str(repo_root / "probes"))
