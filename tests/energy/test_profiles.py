"""Strict loading of the energy profiles file, and the arithmetic of its derived values."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from monitor.energy.figure import Provenance
from monitor.energy.profiles import DEFAULT_PATH, PowerState, load_profiles, parse_profiles
from monitor.errors import ConfigError

MINIMAL = textwrap.dedent("""\
    version: 3
    sources:
      s1: {title: "Some survey", url: "https://example.org/"}
    kinds:
      desktop:
        workstation: true
        power:
          active: {value: 100, low: 50, high: 150, source: s1, year: 2020}
    """)


def _error(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_profiles(text, "profiles.yml")
    return info.value


def test_shipped_file_loads_and_is_sourced() -> None:
    p = load_profiles()
    assert p.version >= 1
    assert {"laptop", "desktop", "thin_client", "monitor", "printer", "copier", "ip_phone",
            "wifi_ap", "server"} <= set(p.kinds)
    for kind in p.kinds.values():
        values = [*kind.power.values(), *kind.power_per_vcpu.values()]
        values += [v for v in (kind.annual_kwh, kind.use_time_ratio) if v is not None]
        assert values, kind.name
        for v in values:
            assert v.sources and all(s in p.sources for s in v.sources)
            assert v.low <= v.value <= v.high and 1990 <= v.year <= 2100
    assert p.emission_factor(2025).kg_per_kwh == 0.0461
    assert p.emission_factor(2024).kg_per_kwh == 0.0519


def test_shipped_figures_match_the_domain_references() -> None:
    p = load_profiles()
    annual = {k: p.kinds[k].annual_kwh.value for k in ("laptop", "thin_client", "desktop", "printer",
                                                        "copier", "ip_phone")}
    assert annual == {"laptop": 48, "thin_client": 65, "desktop": 151, "printer": 71, "copier": 447,
                      "ip_phone": 40}
    ap = p.kinds["wifi_ap"].annual_kwh
    assert (ap.low, ap.high) == (20, 120)
    boavizta = {k: (v.value, v.low, v.high) for k in ("laptop", "desktop", "monitor")
                for v in [p.kinds[k].power[PowerState.ACTIVE]]}
    assert boavizta == {"laptop": (75, 50, 100), "desktop": (175, 100, 450), "monitor": (55, 20, 100)}


def test_derived_average_power_matches_annual_energy() -> None:
    # average W = annual kWh x 1000 / 8760 h, rounded to 0.01 W in the file (range likewise).
    p = load_profiles()
    checked = 0
    for kind in p.kinds.values():
        avg = kind.power.get(PowerState.AVERAGE)
        if avg is None or kind.annual_kwh is None:
            continue
        assert avg.derived, kind.name
        a = kind.annual_kwh
        assert avg.value == pytest.approx(a.value * 1000 / 8760, abs=0.006), kind.name
        assert avg.low == pytest.approx(a.low * 1000 / 8760, abs=0.006), kind.name
        assert avg.high == pytest.approx(a.high * 1000 / 8760, abs=0.006), kind.name
        checked += 1
    assert checked >= 5


def test_minimal_file_and_figure() -> None:
    p = parse_profiles(MINIMAL)
    assert p.version == 3
    v = p.profile("desktop").power[PowerState.ACTIVE]
    f = v.figure()
    assert (f.value, f.low, f.high, f.unit, f.provenance) == (100, 50, 150, "W", Provenance.FACTOR)
    assert f.sources == ("s1 (2020)",)


def test_unknown_key_names_its_line() -> None:
    text = MINIMAL.replace("      active:", "      actve:")
    err = _error(text)
    assert err.line == 8 and err.file == "profiles.yml"
    assert err.path == "kinds.desktop.power.actve" and "unknown key" in err.message
    assert str(err).startswith("profiles.yml:8: kinds.desktop.power.actve")


def test_unknown_top_level_key() -> None:
    err = _error(MINIMAL + "colours: {}\n")
    assert err.line == 9 and "unknown key 'colours'" in err.message


def test_duplicate_key() -> None:
    err = _error(MINIMAL + "    annual_kwh: {value: 1, source: s1, year: 2020}\n"
                 "    annual_kwh: {value: 2, source: s1, year: 2020}\n")
    assert err.line == 10 and err.message == "duplicate key"


def test_unknown_source_and_missing_year() -> None:
    err = _error(MINIMAL.replace("source: s1", "source: s2"))
    assert err.line == 8 and "unknown source 's2'" in err.message
    err = _error(MINIMAL.replace(", year: 2020", ""))
    assert err.line == 8 and err.path == "kinds.desktop.power.active.year"


def test_range_must_contain_value_and_numbers_are_checked() -> None:
    err = _error(MINIMAL.replace("low: 50", "low: 120"))
    assert err.line == 8 and "does not contain" in err.message
    err = _error(MINIMAL.replace("value: 100", "value: lots"))
    assert "expected a number" in err.message
    err = _error(MINIMAL.replace("workstation: true", "workstation: 1"))
    assert err.line == 6


def test_models_override_their_kind() -> None:
    text = MINIMAL + textwrap.dedent("""\
        models:
          "Acme Tower 9":
            kind: desktop
            power:
              active: {value: 60, source: s1, year: 2022}
        """)
    p = parse_profiles(text)
    assert p.profile("desktop", "Acme Tower 9").power[PowerState.ACTIVE].value == 60
    assert p.profile("desktop", "Unknown").power[PowerState.ACTIVE].value == 100
    assert p.profile("desktop", "Acme Tower 9").workstation is True      # inherited
    err = _error(text.replace("kind: desktop", "kind: toaster"))
    assert err.line == 11 and "unknown kind" in err.message


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_profiles(tmp_path / "missing.yml")
    bad = tmp_path / "bad.yml"
    bad.write_text("version: 1\nsources: [\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_profiles(bad)
    assert info.value.file == str(bad) and "invalid YAML" in info.value.message
    assert DEFAULT_PATH.is_file()
