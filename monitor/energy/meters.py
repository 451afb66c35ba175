"""Which probe samples are power or energy meters, and the readings a poll result gives each meter.

A meter is identified by the polled asset and an id ``role[:label=value,...]`` built from the
rule's ``key`` labels (those present on the sample), e.g. ``pdu_outlet:outlet=7`` or
``poe_port:group=1,port=5``. A power rule and an energy rule with the same role and key feed the
same meter, so the counter is used when there is one and power integrated otherwise
(:mod:`monitor.energy.accumulate`). Energy samples are already in joules (the probe profiles scale
device units), so meters use the joule unit and the sample's counter width.

Pure code: no clock, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from monitor.energy.meters_config import Feed, SourceRule
from monitor.probes.base import Result, Sample


def _r(metric: str, role: str, quantity: str, key: tuple[str, ...] = (),
       where: dict[str, str] | None = None, own: bool = False) -> SourceRule:
    return SourceRule(metric=metric, role=role, quantity=quantity,  # type: ignore[arg-type]
                      key=key, where=where or {}, own=own)


#: The built-in table (names from probes/*.yml and the probe modules).
DEFAULT_RULES: tuple[SourceRule, ...] = (
    # UPS: output = the IT load of the room; input for PUE (UPS-MIB per line, APC one total).
    _r("vigie_ups_output_power_watts", "ups_output", "power", ("line",)),
    _r("vigie_ups_output_energy_joules_total", "ups_output", "energy", ("line",)),
    _r("vigie_ups_input_power_watts", "ups_input", "power", ("line",)),
    # Rack PDUs: whole PDU (inlet) and per outlet (APC rPDU2, Eaton, Raritan).
    _r("vigie_pdu_power_watts", "pdu_input", "power", ("pdu", "inlet")),
    _r("vigie_pdu_energy_joules_total", "pdu_input", "energy", ("pdu", "inlet")),
    _r("vigie_pdu_outlet_power_watts", "pdu_outlet", "power", ("pdu", "strapping", "outlet")),
    _r("vigie_pdu_outlet_energy_joules_total", "pdu_outlet", "energy",
       ("pdu", "strapping", "outlet")),
    # PoE: per port (Cisco, mW scaled to W), per PSE group (RFC 3621), Meraki port means.
    _r("vigie_poe_port_power_watts", "poe_port", "power", ("group", "port")),
    _r("vigie_poe_power_watts", "poe_pse", "power", ("group",)),
    _r("vigie_meraki_switch_port_poe_power_watts", "poe_port", "power", ("serial", "port")),
    # ENTITY-SENSOR watts sensors (scale/precision applied by the profile).
    _r("vigie_sensor_value", "sensor", "power", ("entity",), {"type": "watts"}),
    # Servers: wall power of the polled server itself.
    _r("vigie_redfish_power_watts", "server", "power", ("chassis",), own=True),
    _r("vigie_redfish_energy_joules_total", "server", "energy", ("chassis",), own=True),
    _r("vigie_redfish_psu_input_power_watts", "psu", "power", ("chassis", "psu")),
    _r("vigie_redfish_psu_energy_joules_total", "psu", "energy", ("chassis", "psu")),
    _r("vigie_server_power_watts", "server", "power", ("chassis", "probe"), own=True),
    _r("vigie_server_psu_power_watts", "psu", "power", ("chassis", "bay")),
)


@dataclass(frozen=True, slots=True)
class MeterKey:
    asset: str       # the polled asset
    meter: str       # role[:label=value,...]


@dataclass(slots=True)
class MeterReading:
    """What one poll says about one meter."""

    role: str
    own: bool
    labels: tuple[tuple[str, str], ...]
    watts: float | None = None
    energy_j: float | None = None
    bits: int = 0
    sources: set[str] = field(default_factory=set)


def meter_id(rule: SourceRule, labels: Mapping[str, str]) -> str:
    parts = [f"{k}={labels[k]}" for k in rule.key if k in labels]
    return rule.role + (":" + ",".join(parts) if parts else "")


class RuleTable:
    """Rules by metric name: user rules first, then the built-in ones."""

    def __init__(self, extra: Sequence[SourceRule] = (), *, defaults: bool = True) -> None:
        self._by_metric: dict[str, list[SourceRule]] = {}
        for rule in (*extra, *(DEFAULT_RULES if defaults else ())):
            self._by_metric.setdefault(rule.metric, []).append(rule)

    def match(self, sample: Sample) -> SourceRule | None:
        rules = self._by_metric.get(sample.name)
        if not rules:
            return None
        labels = dict(sample.labels)
        for rule in rules:
            if all(labels.get(k) == v for k, v in rule.where.items()):
                return rule
        return None


def readings(result: Result, rules: RuleTable) -> dict[str, MeterReading]:
    """Meter id -> reading for the power/energy samples of one poll result.

    Several power samples of one meter are added (e.g. a rule whose key is coarser than the
    table); energy must be one counter per meter (a second one is ignored).
    """
    out: dict[str, MeterReading] = {}
    for s in result.samples:
        rule = rules.match(s)
        if rule is None or not (s.value >= 0):
            continue
        labels = dict(s.labels)
        mid = meter_id(rule, labels)
        m = out.get(mid)
        if m is None:
            kept = tuple((k, v) for k, v in s.labels if k not in rule.where)
            m = out[mid] = MeterReading(rule.role, rule.own, kept)
        m.sources.add(result.probe)
        if rule.quantity == "power":
            m.watts = s.value + (m.watts or 0.0)
        elif m.energy_j is None:
            m.energy_j, m.bits = s.value, s.bits
    return out


_M = TypeVar("_M")


def counted_meters(asset: str, meters: Iterable[_M], polled_on: Callable[[_M], str]) -> list[_M]:
    """The meters that make up ``asset``'s power and energy, out of all those attributed to it.

    An asset with a meter of its own (polled on the asset itself: Redfish or iDRAC wall power, a
    watts sensor fed to itself) is measured by that meter alone; its PDU outlets or PoE ports, if
    also declared as feeds, would count it twice. Without one, its feeds add up (two PSUs on two
    outlets). Used both live (:mod:`.runtime`) and over a month (:mod:`.sobriety_scope`).
    """
    found = list(meters)
    own = [m for m in found if polled_on(m) == asset]
    return own or found


def fed_asset(key: MeterKey, role: str, labels: Mapping[str, str], own: bool,
              feeds: Iterable[Feed]) -> str | None:
    """The asset a meter powers: a configured feed, else the polled asset for its own meters."""
    for f in feeds:
        if f.meter == key.asset and (f.role is None or f.role == role) and all(
                labels.get(k) == v for k, v in f.match.items()):
            return f.asset
    return key.asset if own else None
