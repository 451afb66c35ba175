"""Loader strictness, detection specificity, scaling/transforms and the probe's label cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.errors import ConfigError
from monitor.probes.base import Reason
from monitor.probes.snmp import SnmpProbe
from monitor.profiles import load_profile_text, load_profiles, select_profiles
from monitor.snmp.types import COUNTER64, GAUGE32, INTEGER, OCTET_STRING, TIMETICKS
from tests.profiles.snmprec_session import SnmprecSession

PROBES = Path(__file__).resolve().parents[2] / "probes"

BASE = """\
name: t
match: {generic: true}
groups:
  - name: g
    tables:
      - name: if
        index: [{label: ifindex}]
        labels:
          - {label: ifname, oid: 1.3.6.1.2.1.31.1.1.1.1}
        metrics:
          - {name: if_received_bytes_total, oid: 1.3.6.1.2.1.31.1.1.1.6, type: counter, help: h}
          - {name: poe_watts, oid: 1.3.6.1.4.1.9.9.402.1.2.1.9, scale: 0.001, help: h}
"""


def test_all_shipped_profiles_load() -> None:
    names = {p.name for p in load_profiles(PROBES)}
    assert {"system", "if_mib", "host_resources", "ups_mib", "apc_ups", "apc_pdu", "cisco",
            "printer_mib", "vmware_esxi"} <= names


def test_unknown_key_names_file_line_and_path() -> None:
    text = BASE.replace("type: counter, help: h}", "type: counter, help: h, colour: red}")
    with pytest.raises(ConfigError) as exc:
        load_profile_text(text, "x.yml")
    err = exc.value
    assert err.file == "x.yml" and err.line == 11
    assert err.path == "groups[0].tables[0].metrics[0].colour"
    assert "unknown key" in str(err) and "x.yml:11" in str(err)


@pytest.mark.parametrize("bad, path", [
    ("type: counter, help: h}", None),
])
def test_counter_name_must_end_in_total(bad: str, path: None) -> None:
    text = BASE.replace("if_received_bytes_total", "if_received_bytes")
    with pytest.raises(ConfigError, match="_total"):
        load_profile_text(text, "x.yml")


def test_bad_oid_and_tier_rejected() -> None:
    with pytest.raises(ConfigError, match="numeric OID") as exc:
        load_profile_text(BASE.replace("1.3.6.1.2.1.31.1.1.1.6", "ifHCInOctets"), "x.yml")
    assert exc.value.line == 11
    with pytest.raises(ConfigError, match="fast, slow"):
        load_profile_text(BASE.replace("  - name: g\n", "  - name: g\n    tier: often\n"), "x.yml")


def _p(name: str, match: str, overrides: str = "") -> object:
    return load_profile_text(f"name: {name}\nmatch: {match}\n{overrides}groups: []\n", f"{name}.yml")


def test_detection_specificity_and_overrides() -> None:
    generic = _p("generic", "{generic: true}")
    vendor = _p("vendor", "{sys_object_id: [1.3.6.1.4.1.318]}")
    model = _p("model", "{sys_object_id: [1.3.6.1.4.1.318.1.3.4]}", "overrides: [vendor]\n")
    descr = _p("descr", "{sys_descr: '(?i)ups'}")
    other = _p("other", "{sys_object_id: [1.3.6.1.4.1.3]}")  # 1.3.6.1.4.1.318 must not match
    got = select_profiles("1.3.6.1.4.1.318.1.3.4.6", "APC UPS", [generic, vendor, model, descr, other])
    assert [p.name for p in got] == ["model", "descr", "generic"]
    got = select_profiles("1.3.6.1.4.1.318.1.3.27", "x", [generic, vendor, model, descr, other])
    assert [p.name for p in got] == ["vendor", "generic"]


def _session() -> SnmprecSession:
    return SnmprecSession({
        "1.3.6.1.2.1.1.3.0": (TIMETICKS, 10_000),
        "1.3.6.1.2.1.2.1.0": (INTEGER, 2),
        "1.3.6.1.2.1.31.1.1.1.1.1": (OCTET_STRING, b"Gi0/1"),
        "1.3.6.1.2.1.31.1.1.1.1.2": (OCTET_STRING, b"Gi0/2"),
        "1.3.6.1.2.1.31.1.1.1.6.1": (COUNTER64, 2**40),
        "1.3.6.1.2.1.31.1.1.1.6.2": (COUNTER64, 5),
        "1.3.6.1.4.1.9.9.402.1.2.1.9.1": (GAUGE32, 15400),
    })


async def test_scaling_counters_and_labels() -> None:
    probe = SnmpProbe(asset="a", session=_session(), profiles=[load_profile_text(BASE)], available=[])
    r = await probe.run()
    assert r.reason is Reason.OK and r.uptime == 100.0
    by = {(s.name, s.labels): s for s in r.samples}
    c = by[("vigie_if_received_bytes_total", (("ifindex", "1"), ("ifname", "Gi0/1")))]
    assert (c.value, c.type, c.bits) == (2**40, "counter", 64)
    w = by[("vigie_poe_watts", (("ifindex", "1"), ("ifname", "Gi0/1")))]
    assert w.value == pytest.approx(15.4)


def test_entity_sensor_transform() -> None:
    from monitor.profiles.evaluate import table_samples
    profile = next(p for p in load_profiles(PROBES) if p.name == "entity_sensor")
    table = profile.groups[0].tables[0]
    base = "1.3.6.1.2.1.99.1.1.1."
    data = {base + "4": {"7": (INTEGER, 12345)}, base + "2": {"7": (INTEGER, 8)},  # milli
            base + "3": {"7": (INTEGER, 1)}, base + "1": {"7": (INTEGER, 6)},
            "1.3.6.1.2.1.47.1.1.1.1.7": {"7": (OCTET_STRING, b"PSU1")}}
    [s] = table_samples(table, data)
    assert s.value == pytest.approx(1.2345)  # 12345 * 10^-3 / 10^1 W
    assert dict(s.labels) == {"entity": "7", "sensor": "PSU1", "type": "watts"}


