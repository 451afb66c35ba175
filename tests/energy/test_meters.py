"""Samples -> meter readings (the rule table) and feeds -> powered assets."""

from __future__ import annotations

from monitor.energy.meters import MeterKey, RuleTable, fed_asset, readings
from monitor.energy.meters_config import Feed, SourceRule
from monitor.probes.base import Reason, Result, Sample


def result(*samples: Sample, probe: str = "snmp") -> Result:
    return Result(probe, "dev", Reason.OK, 0.1, list(samples))


def test_power_and_energy_of_one_outlet_share_a_meter() -> None:
    r = result(Sample("vigie_pdu_outlet_power_watts", 120.0, (("outlet", "7"), ("outlet_name", "esxi"))),
               Sample("vigie_pdu_outlet_energy_joules_total", 3.6e6, (("outlet", "7"),), "counter"),
               Sample("vigie_pdu_outlet_power_watts", 10.0, (("outlet", "8"),)),
               Sample("vigie_if_in_octets_total", 5.0, (("ifname", "lo"),), "counter", bits=64))
    got = readings(r, RuleTable())
    assert set(got) == {"pdu_outlet:outlet=7", "pdu_outlet:outlet=8"}
    m = got["pdu_outlet:outlet=7"]
    assert (m.watts, m.energy_j, m.role, m.own) == (120.0, 3.6e6, "pdu_outlet", False)
    assert got["pdu_outlet:outlet=8"].energy_j is None


def test_entity_sensor_only_watts_and_negative_or_nan_dropped() -> None:
    r = result(Sample("vigie_sensor_value", 42.5, (("entity", "1001"), ("type", "watts"))),
               Sample("vigie_sensor_value", 35.0, (("entity", "1002"), ("type", "celsius"))),
               Sample("vigie_poe_port_power_watts", float("nan"), (("group", "1"), ("port", "2"))),
               Sample("vigie_poe_port_power_watts", -1.0, (("group", "1"), ("port", "3"))))
    got = readings(r, RuleTable())
    assert list(got) == ["sensor:entity=1001"]
    assert got["sensor:entity=1001"].labels == (("entity", "1001"),)


def test_user_rules_come_first_and_defaults_can_be_off() -> None:
    rule = SourceRule(metric="vigie_ups_output_power_watts", role="room_it", quantity="power")
    r = result(Sample("vigie_ups_output_power_watts", 100.0, (("line", "1"),)),
               Sample("vigie_ups_output_power_watts", 50.0, (("line", "2"),)))
    got = readings(r, RuleTable((rule,)))
    assert got["room_it"].watts == 150.0      # no key: the lines add up
    assert readings(r, RuleTable(defaults=False)) == {}


def test_feeds() -> None:
    feeds = (Feed(meter="pdu", match={"outlet": "7"}, asset="esxi-ct"),
             Feed(meter="sw", role="poe_port", match={"port_name": "Gi1/0/5"}, asset="ap-1"))
    assert fed_asset(MeterKey("pdu", "pdu_outlet:outlet=7"), "pdu_outlet",
                     {"outlet": "7"}, False, feeds) == "esxi-ct"
    assert fed_asset(MeterKey("pdu", "pdu_outlet:outlet=8"), "pdu_outlet",
                     {"outlet": "8"}, False, feeds) is None
    assert fed_asset(MeterKey("sw", "poe_port:group=1,port=5"), "poe_port",
                     {"port_name": "Gi1/0/5"}, False, feeds) == "ap-1"
    assert fed_asset(MeterKey("sw", "poe_pse:group=1"), "poe_pse",
                     {"port_name": "Gi1/0/5"}, False, feeds) is None
    # A server's own wall-power meter feeds the server itself.
    assert fed_asset(MeterKey("srv", "server:chassis=1U"), "server", {}, True, feeds) == "srv"
