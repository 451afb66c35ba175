"""snmp_exporter v0.21 module if_mib converts and evaluates to snmp_exporter's metric names."""

from __future__ import annotations

from monitor.simulator import shared_dir
from monitor.probes.snmp import SnmpProbe
from monitor.profiles import select_profiles
from monitor.profiles.snmp_exporter import load_snmp_exporter
from tests.profiles.snmprec_session import SnmprecSession, parse_snmprec
from pathlib import Path

SNMP_YML = str(shared_dir() / "anchors" / "snmp_exporter" / "snmp.yml")
REC = shared_dir() / "corpus" / "merakims_c9300.snmprec"


async def test_if_mib_module_matches_snmp_exporter_names() -> None:
    modules = {p.name: p for p in load_snmp_exporter(SNMP_YML)}
    if_mib = modules["snmp_exporter_if_mib"]
    assert not if_mib.vigie_prefixed
    assert select_profiles("1.3.6.1.4.1.29671.2.388", "C9300", list(modules.values())) == []
    session = SnmprecSession.from_file(REC)
    r = await SnmpProbe(asset="m", session=session, profiles=[if_mib], available=[]).run()
    names = {s.name for s in r.samples}
    assert {"ifHCInOctets", "ifHCOutOctets", "ifOperStatus", "ifHighSpeed", "sysUpTime"} <= names
    rec = parse_snmprec(REC.read_text())
    s = next(s for s in r.samples if s.name == "ifHCInOctets" and ("ifIndex", "9") in s.labels)
    assert s.value == rec["1.3.6.1.2.1.31.1.1.1.6.9"][1] and s.bits == 64 and s.type == "counter"
    assert dict(s.labels)["ifName"] == rec["1.3.6.1.2.1.31.1.1.1.1.9"][1].decode()
    t = next(s for s in r.samples if s.name == "ifType" and ("ifIndex", "9") in s.labels)
    assert t.type == "info" and dict(t.labels)["ifType"] == "ethernetCsmacd"


def test_module_auth_and_unsupported_are_reported(caplog) -> None:
    from monitor.profiles.snmp_exporter import module_auth
    auth = module_auth(SNMP_YML)
    assert auth["if_mib"].version is None or auth["if_mib"].version in (1, 2, 3)
    assert auth["raritan"].community == "raritan_public"
    assert "raritan_public" not in repr(auth["raritan"])
    with caplog.at_level("WARNING"):
        modules = {p.name: p for p in load_snmp_exporter(SNMP_YML)}
    assert len(modules) == 22
    assert any("wiener_mpod" in r.getMessage() and "Float" in r.getMessage() for r in caplog.records)
