"""Convert snmp_exporter generator output (v0.21 ``snmp.yml``) into Profiles.

Metric names keep snmp_exporter's (``ifHCInOctets``...), so dashboards survive a migration;
the profiles are marked ``vigie_prefixed=False``. Unsupported features (regex_extracts,
Float/Double/DateAndTime/Bits/InetAddress values) are skipped with a warning.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from monitor.errors import ConfigError
from monitor.profiles.model import Group, IndexPart, LabelColumn, Match, Metric, Profile, Table

log = logging.getLogger(__name__)

_INDEX_KINDS = {"gauge": "int", "counter": "int", "Integer32": "int", "PhysAddress48": "mac",
                "InetAddressIPv4": "ipv4", "IpAddr": "ipv4", "DisplayString": "string",
                "OctetString": "bytes"}
_STRING_TYPES = {"DisplayString", "OctetString", "PhysAddress48"}
_SKIPPED_TYPES = {"Float", "Double", "DateAndTime", "Bits", "InetAddress", "InetAddressIPv6",
                  "InetAddressMissingSize", "ParseDateAndTime", "NTPTimeStamp"}


@dataclass(frozen=True)
class ModuleAuth:
    """SNMP settings a v0.21 module carried (version, community); the community prints hidden."""

    version: int | None = None
    community: str | None = field(default=None, repr=False)


def module_auth(path: str | Path) -> dict[str, ModuleAuth]:
    """Per module, its ``version`` and ``auth.community`` (for migrating asset settings)."""
    doc = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return {name: ModuleAuth(version=(body or {}).get("version"),
                             community=((body or {}).get("auth") or {}).get("community"))
            for name, body in doc.items()}


def load_snmp_exporter(path: str | Path) -> list[Profile]:
    """Every module of a generator output file, as profiles used only when named explicitly."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ConfigError(f"invalid YAML: {err}", file=str(path)) from err
    if not isinstance(doc, dict):
        raise ConfigError("expected a mapping of modules", file=str(path))
    return [convert_module(name, body or {}, source=str(path)) for name, body in doc.items()]


def convert_module(name: str, module: dict[str, Any], *, source: str = "") -> Profile:
    unknown = set(module) - {"walk", "get", "metrics", "version", "auth", "max_repetitions",
                             "retries", "timeout", "walk_params"}
    if unknown:
        raise ConfigError(f"unknown keys {sorted(unknown)}", file=source, path=name)
    skipped: Counter[str] = Counter()
    scalars: list[Metric] = []
    tables: dict[tuple[Any, ...], list[tuple[Metric, dict[str, Any]]]] = {}
    for spec in module.get("metrics") or []:
        mtype = spec.get("type", "gauge")
        if spec.get("regex_extracts"):
            skipped["regex_extracts"] += 1
            continue
        if mtype in _SKIPPED_TYPES:
            skipped[mtype] += 1
            continue
        metric = _metric(spec, mtype)
        indexes = spec.get("indexes") or []
        if not indexes:
            scalars.append(Metric(**{**metric.__dict__, "oid": metric.oid + ".0"}))
            continue
        key = tuple((i["labelname"], i.get("type"), i.get("fixed_size"), i.get("implied", False))
                    for i in indexes)
        tables.setdefault(key + _lookup_key(spec), []).append((metric, spec))
    if skipped:
        log.warning("snmp_exporter module %s: skipped unsupported metrics: %s", name,
                    ", ".join(f"{k} x{v}" for k, v in sorted(skipped.items())))
    table_objs = [_table(f"t{n}", group) for n, group in enumerate(tables.values())]
    # Named snmp_exporter_<module> (if_mib and printer_mib exist as Vigie profiles too); an
    # empty Match is never auto-selected: assets name these profiles explicitly.
    return Profile(name="snmp_exporter_" + _snake(name), description=f"snmp_exporter module {name}",
                   match=Match(), vigie_prefixed=False, source=source,
                   groups=(Group(name="metrics", tier="fast", scalars=tuple(scalars),
                                 tables=tuple(t for t in table_objs if t is not None)),))


def _metric(spec: dict[str, Any], mtype: str) -> Metric:
    enum = tuple((str(k), str(v)) for k, v in (spec.get("enum_values") or {}).items())
    common = {"name": spec["name"], "oid": str(spec["oid"]), "help": spec.get("help", ""),
              "enum": enum}
    if mtype == "counter":
        return Metric(type="counter", **common)
    if mtype in _STRING_TYPES or mtype == "EnumAsInfo":
        return Metric(type="info", info_label=spec["name"], **common)
    if mtype == "EnumAsStateSet":
        return Metric(type="gauge", state_set=True, **common)
    return Metric(type="gauge", **common)


def _lookup_key(spec: dict[str, Any]) -> tuple[Any, ...]:
    return tuple((lk["labelname"], str(lk.get("oid")), tuple(lk.get("labels") or ()))
                 for lk in spec.get("lookups") or [])


def _table(name: str, group: list[tuple[Metric, dict[str, Any]]]) -> Table | None:
    spec = group[0][1]
    parts = []
    for i in spec["indexes"]:
        kind = _INDEX_KINDS.get(i.get("type", "gauge"))
        if kind is None:
            log.warning("snmp_exporter %s: index type %s not supported", spec["name"], i.get("type"))
            return None
        parts.append(IndexPart(label=i["labelname"], kind=kind, size=i.get("fixed_size"),
                               implied=bool(i.get("implied", False))))
    index_labels = [p.label for p in parts]
    labels = []
    for lk in spec.get("lookups") or []:
        keys = tuple(lk.get("labels") or ())
        if "oid" not in lk:     # a lookup without oid only drops an index label: not supported
            continue
        if not set(keys) <= set(index_labels) or lk.get("type") not in (*_STRING_TYPES, "gauge", None):
            log.warning("snmp_exporter %s: lookup %s not supported", spec["name"], lk["labelname"])
            continue
        labels.append(LabelColumn(label=lk["labelname"], oid=str(lk["oid"]),
                                  key=() if list(keys) == index_labels else keys))
    return Table(name=name, index=tuple(parts), labels=tuple(labels),
                 metrics=tuple(m for m, _ in group))


def _snake(name: str) -> str:
    return re.sub(r"[^a-z0-9_]", "_", name.lower())


load_snmp_exporter_file = load_snmp_exporter   # name used by monitor.profiles.catalog
