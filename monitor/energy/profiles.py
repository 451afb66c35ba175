"""Strict loader of the energy profiles data file (``data/energy_profiles.yml``).

Unknown or duplicate keys, missing sources, ranges that do not contain their value: all fail with a
:class:`~monitor.errors.ConfigError` naming the file, the line and the option path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import yaml
from yaml.constructor import SafeConstructor

from monitor.energy.figure import Figure, Provenance
from monitor.errors import ConfigError
from monitor.yamlfile import compose_text

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "data" / "energy_profiles.yml"
_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
_CONSTRUCTOR = SafeConstructor()


class PowerState(StrEnum):
    ACTIVE = "active"
    IDLE = "idle"
    SLEEP = "sleep"
    OFF = "off"
    AVERAGE = "average"   # mean over the year, when only annual energy is published


@dataclass(frozen=True, slots=True)
class Source:
    id: str
    title: str
    url: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Value:
    """A published (or derived) figure with its range, unit, sources and edition year."""

    value: float
    low: float
    high: float
    unit: str
    sources: tuple[str, ...]
    year: int
    derived: str | None = None
    note: str | None = None

    def figure(self, provenance: Provenance = Provenance.FACTOR) -> Figure:
        return Figure(self.value, self.unit, provenance, self.low, self.high, self.citations)

    @property
    def citations(self) -> tuple[str, ...]:
        return tuple(f"{s} ({self.year})" for s in self.sources)


@dataclass(frozen=True, slots=True)
class EmissionFactor:
    year: int
    kg_per_kwh: float
    sources: tuple[str, ...]

    @property
    def citations(self) -> tuple[str, ...]:
        return tuple(f"{s} ({self.year})" for s in self.sources)


@dataclass(frozen=True, slots=True)
class KindProfile:
    name: str
    label: str
    workstation: bool
    power: Mapping[PowerState, Value]            # W
    power_per_vcpu: Mapping[PowerState, Value]   # W per vCPU (servers)
    annual_kwh: Value | None
    use_time_ratio: Value | None


@dataclass(frozen=True, slots=True)
class EnergyProfiles:
    version: int
    sources: Mapping[str, Source]
    emission_factors: Mapping[int, EmissionFactor]
    kinds: Mapping[str, KindProfile]
    models: Mapping[str, KindProfile]

    def profile(self, kind: str, model: str | None = None) -> KindProfile:
        """The model's profile when known (its kind must match), else the kind's. KeyError if neither."""
        if model is not None and model in self.models and self.models[model].name == kind:
            return self.models[model]
        return self.kinds[kind]

    def emission_factor(self, year: int) -> EmissionFactor:
        return self.emission_factors[year]


_VALUE_KEYS = ("value", "low", "high", "source", "year", "derived", "note")


class _Reader:
    def __init__(self, file: str) -> None:
        self.file = file
        self.source_ids: set[str] = set()

    def err(self, node: yaml.Node, path: str, message: str) -> ConfigError:
        return ConfigError(message, file=self.file, line=node.start_mark.line + 1, path=path)

    def mapping(self, node: yaml.Node, path: str, required: tuple[str, ...] = (),
                optional: tuple[str, ...] | None = None) -> dict[str, tuple[yaml.Node, yaml.Node, str]]:
        """Keys to (key node, value node, path). ``optional=None`` accepts any key (a name table)."""
        if not isinstance(node, yaml.MappingNode):
            raise self.err(node, path, "expected a mapping")
        out: dict[str, tuple[yaml.Node, yaml.Node, str]] = {}
        for knode, vnode in node.value:
            key = str(knode.value)
            sub = f"{path}.{key}" if path else key
            if optional is not None and key not in required and key not in optional:
                allowed = ", ".join(sorted(required + optional))
                raise self.err(knode, sub, f"unknown key {key!r} (allowed: {allowed})")
            if key in out:
                raise self.err(knode, sub, "duplicate key")
            out[key] = (knode, vnode, sub)
        for key in required:
            if key not in out:
                raise self.err(node, f"{path}.{key}" if path else key, "missing required key")
        return out

    def scalar(self, node: yaml.Node, path: str) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise self.err(node, path, "expected a single value")
        return _CONSTRUCTOR.construct_object(node)

    def number(self, node: yaml.Node, path: str) -> float:
        v = self.scalar(node, path)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v or v < 0:
            raise self.err(node, path, f"expected a number >= 0, got {v!r}")
        return float(v)

    def integer(self, node: yaml.Node, path: str, lo: int, hi: int) -> int:
        v = self.scalar(node, path)
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise self.err(node, path, f"expected an integer in {lo}..{hi}, got {v!r}")
        return v

    def text(self, node: yaml.Node, path: str) -> str:
        v = self.scalar(node, path)
        if not isinstance(v, str) or not v.strip():
            raise self.err(node, path, "expected a non-empty string")
        return v

    def source_refs(self, node: yaml.Node, path: str) -> tuple[str, ...]:
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        refs = []
        for i, n in enumerate(items):
            sub = f"{path}[{i}]" if isinstance(node, yaml.SequenceNode) else path
            ref = self.text(n, sub)
            if ref not in self.source_ids:
                raise self.err(n, sub, f"unknown source {ref!r} (declare it under 'sources:')")
            refs.append(ref)
        if not refs:
            raise self.err(node, path, "at least one source is required")
        return tuple(refs)

    def value(self, node: yaml.Node, path: str, unit: str) -> Value:
        m = self.mapping(node, path, ("value", "source", "year"), _VALUE_KEYS)
        v = self.number(m["value"][1], m["value"][2])
        low = self.number(m["low"][1], m["low"][2]) if "low" in m else v
        high = self.number(m["high"][1], m["high"][2]) if "high" in m else v
        if not low <= v <= high:
            raise self.err(node, path, f"range low={low} .. high={high} does not contain value={v}")
        return Value(v, low, high, unit, self.source_refs(m["source"][1], m["source"][2]),
                     self.integer(m["year"][1], m["year"][2], 1990, 2100),
                     self.text(m["derived"][1], m["derived"][2]) if "derived" in m else None,
                     self.text(m["note"][1], m["note"][2]) if "note" in m else None)

    def states(self, node: yaml.Node, path: str, unit: str) -> Mapping[PowerState, Value]:
        names = tuple(s.value for s in PowerState)
        m = self.mapping(node, path, (), names)
        return MappingProxyType({PowerState(k): self.value(v, sub, unit) for k, (_, v, sub) in m.items()})

    def kind(self, name: str, node: yaml.Node, path: str, extra: tuple[str, ...] = ()) -> tuple[
            dict[str, tuple[yaml.Node, yaml.Node, str]], dict[str, Any]]:
        m = self.mapping(node, path, extra, ("label", "workstation", "power", "power_per_vcpu",
                                             "annual_kwh", "use_time_ratio"))
        fields: dict[str, Any] = {}
        if "label" in m:
            fields["label"] = self.text(m["label"][1], m["label"][2])
        if "workstation" in m:
            flag = self.scalar(m["workstation"][1], m["workstation"][2])
            if not isinstance(flag, bool):
                raise self.err(m["workstation"][1], m["workstation"][2], "expected true or false")
            fields["workstation"] = flag
        if "power" in m:
            fields["power"] = self.states(m["power"][1], m["power"][2], "W")
        if "power_per_vcpu" in m:
            fields["power_per_vcpu"] = self.states(m["power_per_vcpu"][1], m["power_per_vcpu"][2], "W/vCPU")
        if "annual_kwh" in m:
            fields["annual_kwh"] = self.value(m["annual_kwh"][1], m["annual_kwh"][2], "kWh/year")
        if "use_time_ratio" in m:
            utr = self.value(m["use_time_ratio"][1], m["use_time_ratio"][2], "ratio")
            if utr.high > 1:
                raise self.err(m["use_time_ratio"][1], m["use_time_ratio"][2], "a ratio must be <= 1")
            fields["use_time_ratio"] = utr
        return m, fields


def _kind_profile(name: str, fields: Mapping[str, Any], base: KindProfile | None = None) -> KindProfile:
    def pick(key: str, default: Any) -> Any:
        return fields.get(key, getattr(base, key) if base else default)
    return KindProfile(name=base.name if base else name, label=pick("label", name),
                       workstation=pick("workstation", False),
                       power=pick("power", MappingProxyType({})),
                       power_per_vcpu=pick("power_per_vcpu", MappingProxyType({})),
                       annual_kwh=pick("annual_kwh", None), use_time_ratio=pick("use_time_ratio", None))


def parse_profiles(text: str, file: str = "<string>") -> EnergyProfiles:
    """Parse and validate the YAML text of an energy profiles file."""
    # Imported here: monitor.config imports the energy config, which imports this module (a cycle
    # when this module is imported first).

    r = _Reader(file)
    root = compose_text(text.encode("utf-8"), file)   # UTF-8 check, safe loader, line numbers
    if root is None:
        raise ConfigError("empty file", file=file)
    top = r.mapping(root, "", ("version", "sources", "kinds"), ("emission_factors", "models"))
    version = r.integer(top["version"][1], "version", 1, 10_000)

    sources: dict[str, Source] = {}
    for sid, (knode, vnode, sub) in r.mapping(top["sources"][1], "sources").items():
        if not _NAME.match(sid):
            raise r.err(knode, sub, f"invalid source id {sid!r}")
        m = r.mapping(vnode, sub, ("title", "url"), ("note",))
        sources[sid] = Source(sid, r.text(m["title"][1], m["title"][2]), r.text(m["url"][1], m["url"][2]),
                              r.text(m["note"][1], m["note"][2]) if "note" in m else None)
    r.source_ids = set(sources)

    factors: dict[int, EmissionFactor] = {}
    if "emission_factors" in top:
        node = top["emission_factors"][1]
        if not isinstance(node, yaml.SequenceNode):
            raise r.err(node, "emission_factors", "expected a list")
        for i, item in enumerate(node.value):
            sub = f"emission_factors[{i}]"
            m = r.mapping(item, sub, ("year", "value", "source"), ())
            year = r.integer(m["year"][1], m["year"][2], 1990, 2100)
            if year in factors:
                raise r.err(m["year"][1], m["year"][2], f"duplicate emission factor for {year}")
            factors[year] = EmissionFactor(year, r.number(m["value"][1], m["value"][2]),
                                           r.source_refs(m["source"][1], m["source"][2]))

    kinds: dict[str, KindProfile] = {}
    for name, (knode, vnode, sub) in r.mapping(top["kinds"][1], "kinds").items():
        if not _NAME.match(name):
            raise r.err(knode, sub, f"invalid kind name {name!r}")
        _, fields = r.kind(name, vnode, sub)
        kinds[name] = _kind_profile(name, fields)

    models: dict[str, KindProfile] = {}
    if "models" in top:
        for name, (_, vnode, sub) in r.mapping(top["models"][1], "models").items():
            m, fields = r.kind(name, vnode, sub, extra=("kind",))
            kind = r.text(m["kind"][1], m["kind"][2])
            if kind not in kinds:
                raise r.err(m["kind"][1], m["kind"][2], f"unknown kind {kind!r}")
            models[name] = _kind_profile(name, fields, kinds[kind])

    return EnergyProfiles(version, MappingProxyType(sources), MappingProxyType(factors),
                          MappingProxyType(kinds), MappingProxyType(models))


def load_profiles(path: str | Path = DEFAULT_PATH) -> EnergyProfiles:
    """Read and validate an energy profiles file (the only I/O of the energy engine)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read energy profiles: {err}", file=str(p)) from err
    return parse_profiles(text, str(p))
