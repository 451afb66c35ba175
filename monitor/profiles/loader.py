"""Strict YAML loading of profiles: unknown keys fail, errors name file, line and option path."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

import yaml

from monitor.yamlfile import compose_file, compose_text
from monitor.errors import ConfigError, ConfigErrors
from monitor.profiles.model import (
    INDEX_KINDS, METRIC_TYPES, TIERS, TRANSFORM_KINDS, Group, IndexPart, LabelColumn, Match, Metric,
    Profile, Table, Transform,
)

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_OID = re.compile(r"^[0-9]+(\.[0-9]+)+$")
_TRANSFORM_ROLES = {"entity_sensor": ("scale", "precision"), "multiply": ("column",),
                    "pow10_divide": ("column",), "ratio_of": ("column",)}
PREFIX = "vigie_"
_CONSTRUCTOR = yaml.constructor.SafeConstructor()


class _Ctx:
    def __init__(self, file: str) -> None:
        self.file = file

    def err(self, node: yaml.Node, path: str, message: str) -> ConfigError:
        return ConfigError(message, file=self.file, line=node.start_mark.line + 1, path=path)

    def mapping(self, node: yaml.Node, path: str, required: tuple[str, ...],
                optional: tuple[str, ...]) -> dict[str, tuple[yaml.Node, str]]:
        if not isinstance(node, yaml.MappingNode):
            raise self.err(node, path, "expected a mapping")
        out: dict[str, tuple[yaml.Node, str]] = {}
        for knode, vnode in node.value:
            key = knode.value
            sub = f"{path}.{key}" if path else str(key)
            if key not in required and key not in optional:
                allowed = ", ".join(sorted(required + optional))
                raise self.err(knode, sub, f"unknown key {key!r} (allowed: {allowed})")
            if key in out:
                raise self.err(knode, sub, "duplicate key")
            out[key] = (vnode, sub)
        for key in required:
            if key not in out:
                raise self.err(node, f"{path}.{key}" if path else key, "missing required key")
        return out

    def seq(self, node: yaml.Node, path: str) -> list[tuple[yaml.Node, str]]:
        if not isinstance(node, yaml.SequenceNode):
            raise self.err(node, path, "expected a list")
        return [(n, f"{path}[{i}]") for i, n in enumerate(node.value)]

    def scalar(self, node: yaml.Node, path: str) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise self.err(node, path, "expected a single value")
        return _CONSTRUCTOR.construct_object(node)

    def text(self, node: yaml.Node, path: str, pattern: re.Pattern[str] | None = None) -> str:
        value = self.scalar(node, path)
        if not isinstance(value, str) or not value:
            value = str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
            if value is None:
                raise self.err(node, path, "expected a non-empty string")
        if pattern and not pattern.match(value):
            raise self.err(node, path, f"invalid value {value!r}")
        return value

    def oid(self, node: yaml.Node, path: str) -> str:
        if not isinstance(node, yaml.ScalarNode):
            raise self.err(node, path, "expected an OID")
        value = str(node.value).lstrip(".")
        if not _OID.match(value):
            raise self.err(node, path, f"not a numeric OID: {value!r}")
        return value

    def choice(self, node: yaml.Node, path: str, choices: tuple[str, ...]) -> str:
        value = self.text(node, path)
        if value not in choices:
            raise self.err(node, path, f"{value!r} is not one of {', '.join(choices)}")
        return value

    def number(self, node: yaml.Node, path: str, kind: Callable[[Any], Any] = float) -> Any:
        value = self.scalar(node, path)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.err(node, path, "expected a number")
        return kind(value)

    def boolean(self, node: yaml.Node, path: str) -> bool:
        value = self.scalar(node, path)
        if not isinstance(value, bool):
            raise self.err(node, path, "expected true or false")
        return value

    def enum(self, node: yaml.Node, path: str) -> tuple[tuple[str, str], ...]:
        if not isinstance(node, yaml.MappingNode):
            raise self.err(node, path, "expected a mapping of raw value -> state name")
        return tuple((str(self.scalar(k, path)), self.text(v, f"{path}.{k.value}", _LABEL))
                     for k, v in node.value)


def _metric(c: _Ctx, node: yaml.Node, path: str, prefixed: bool) -> Metric:
    m = c.mapping(node, path, ("name", "oid", "help"),
                  ("type", "scale", "bits", "enum", "state_label", "info_label", "transform"))
    name = c.text(*m["name"], pattern=_NAME)
    mtype = c.choice(*m["type"], METRIC_TYPES) if "type" in m else "gauge"
    if mtype == "counter" and not name.endswith("_total"):
        raise c.err(m["name"][0], m["name"][1], "counter names must end in _total")
    bits = c.number(*m["bits"], kind=int) if "bits" in m else 0
    if bits not in (0, 32, 64):
        raise c.err(m["bits"][0], m["bits"][1], "bits must be 32 or 64")
    if mtype == "info" and "info_label" not in m:
        raise c.err(node, path + ".info_label", "info metrics need info_label")
    transform = None
    if "transform" in m:
        tnode, tpath = m["transform"]
        kind_node = next((v for k, v in getattr(tnode, "value", []) if k.value == "kind"), None)
        kind = c.choice(kind_node, tpath + ".kind", TRANSFORM_KINDS) if kind_node else None
        if kind is None:
            raise c.err(tnode, tpath + ".kind", "missing required key")
        t = c.mapping(tnode, tpath, ("kind",) + _TRANSFORM_ROLES[kind], ())
        transform = Transform(kind=kind, columns=tuple(
            (role, c.oid(*t[role])) for role in _TRANSFORM_ROLES[kind]))
    return Metric(
        name=(PREFIX if prefixed else "") + name, oid=c.oid(*m["oid"]), type=mtype,
        help=c.text(*m["help"]), bits=bits,
        scale=c.number(*m["scale"]) if "scale" in m else 1.0,
        enum=c.enum(*m["enum"]) if "enum" in m else (),
        state_label=c.text(*m["state_label"], pattern=_LABEL) if "state_label" in m else None,
        info_label=c.text(*m["info_label"], pattern=_LABEL) if "info_label" in m else None,
        transform=transform)


def _table(c: _Ctx, node: yaml.Node, path: str, prefixed: bool) -> Table:
    m = c.mapping(node, path, ("name", "metrics"), ("index", "labels", "walk", "entry", "where"))
    index = tuple(_index_part(c, n, p) for n, p in c.seq(*m["index"])) if "index" in m else None
    parts = {p.label for p in index} if index else {"index"}
    labels = []
    for n, p in c.seq(*m["labels"]) if "labels" in m else []:
        lm = c.mapping(n, p, ("label", "oid"), ("key", "via", "enum"))
        key = tuple(c.text(kn, kp) for kn, kp in c.seq(*lm["key"])) if "key" in lm else ()
        for k in key:
            if k not in parts:
                raise c.err(lm["key"][0], lm["key"][1], f"{k!r} is not an index part of this table")
        labels.append(LabelColumn(
            label=c.text(*lm["label"], pattern=_LABEL), oid=c.oid(*lm["oid"]), key=key,
            via=c.oid(*lm["via"]) if "via" in lm else None,
            enum=c.enum(*lm["enum"]) if "enum" in lm else ()))
    walk = c.choice(*m["walk"], ("columns", "entry")) if "walk" in m else "columns"
    entry = c.oid(*m["entry"]) if "entry" in m else None
    if walk == "entry" and entry is None:
        raise c.err(node, path + ".entry", "walk: entry needs the entry OID")
    metrics = tuple(_metric(c, n, p, prefixed) for n, p in c.seq(*m["metrics"]))
    if entry:
        for metric in metrics:
            if not metric.oid.startswith(entry + "."):
                raise c.err(node, path + ".entry", f"column {metric.oid} is not under entry {entry}")
    kw: dict[str, Any] = {"index": index} if index else {}
    if "where" in m:
        w = c.mapping(*m["where"], ("column", "values"), ())
        kw["where"] = (c.oid(*w["column"]),
                       tuple(str(c.scalar(n, p)) for n, p in c.seq(*w["values"])))
    return Table(name=c.text(*m["name"]), labels=tuple(labels), metrics=metrics, walk=walk,
                 entry=entry, **kw)


def _index_part(c: _Ctx, node: yaml.Node, path: str) -> IndexPart:
    m = c.mapping(node, path, ("label",), ("kind", "size", "implied", "only"))
    return IndexPart(label=c.text(*m["label"], pattern=_LABEL),
                     only=tuple(str(c.scalar(n, p)) for n, p in c.seq(*m["only"])) if "only" in m else (),
                     kind=c.choice(*m["kind"], INDEX_KINDS) if "kind" in m else "int",
                     size=c.number(*m["size"], kind=int) if "size" in m else None,
                     implied=c.boolean(*m["implied"]) if "implied" in m else False)


def _match(c: _Ctx, node: yaml.Node, path: str) -> Match:
    m = c.mapping(node, path, (), ("generic", "sys_object_id", "sys_descr", "priority"))
    regex = None
    if "sys_descr" in m:
        try:
            regex = re.compile(c.text(*m["sys_descr"]))
        except re.error as err:
            raise c.err(m["sys_descr"][0], m["sys_descr"][1], f"bad regex: {err}") from err
    prefixes = tuple(c.oid(n, p) for n, p in c.seq(*m["sys_object_id"])) if "sys_object_id" in m else ()
    generic = c.boolean(*m["generic"]) if "generic" in m else False
    if not (generic or prefixes or regex):
        raise c.err(node, path, "match needs generic, sys_object_id or sys_descr")
    return Match(generic=generic, sys_object_id=prefixes, sys_descr=regex,
                 priority=c.number(*m["priority"], kind=int) if "priority" in m else 0)


def load_profile_text(text: str, file: str = "<string>", *, prefixed: bool = True) -> Profile:
    """Parse one profile document. Raises ConfigError with file, line and option path."""
    return _profile_from(compose_text(text.encode("utf-8"), file), file, prefixed=prefixed)


def _profile_from(root: yaml.Node | None, file: str, *, prefixed: bool) -> Profile:
    c = _Ctx(file)
    if root is None:
        raise ConfigError("empty profile", file=file)
    m = c.mapping(root, "", ("name", "match", "groups"), ("description", "overrides"))
    groups = []
    names: set[str] = set()
    for n, p in c.seq(*m["groups"]):
        g = c.mapping(n, p, ("name",), ("tier", "scalars", "tables"))
        group = Group(
            name=c.text(*g["name"]), tier=c.choice(*g["tier"], TIERS) if "tier" in g else "fast",
            scalars=tuple(_metric(c, sn, sp, prefixed) for sn, sp in c.seq(*g["scalars"]))
            if "scalars" in g else (),
            tables=tuple(_table(c, tn, tp, prefixed) for tn, tp in c.seq(*g["tables"]))
            if "tables" in g else ())
        if group.name in names:
            raise c.err(g["name"][0], g["name"][1], f"duplicate group name {group.name!r}")
        names.add(group.name)
        groups.append(group)
    return Profile(
        name=c.text(*m["name"], pattern=_NAME),
        description=c.text(*m["description"]) if "description" in m else "",
        match=_match(c, *m["match"]),
        overrides=tuple(c.text(n, p) for n, p in c.seq(*m["overrides"])) if "overrides" in m else (),
        groups=tuple(groups), vigie_prefixed=prefixed, source=file)


def load_profile_file(path: str | Path) -> Profile:
    root = compose_file(Path(path), str(path))  # size cap, UTF-8 check, line numbers
    return _profile_from(root, str(path), prefixed=True)


def load_profiles(directory: str | Path) -> list[Profile]:
    """Every ``*.yml`` of a directory, sorted by file name. All errors are reported at once."""
    profiles: list[Profile] = []
    errors: list[ConfigError] = []
    for path in sorted(Path(directory).glob("*.yml")):
        try:
            profiles.append(load_profile_file(path))
        except ConfigError as err:
            errors.append(err)
    seen: dict[str, str] = {}
    for p in profiles:
        if p.name in seen:
            errors.append(ConfigError(f"profile name {p.name!r} already used in {seen[p.name]}",
                                      file=p.source, path="name"))
        seen[p.name] = p.source
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ConfigErrors(errors)
    return profiles
