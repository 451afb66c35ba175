"""Generic strict binder: YAML nodes (from ``yaml.compose``) to frozen dataclasses, driven by type hints.

Supports str, int, float, bool, Literal, Optional, tuple[X, ...] (a single item is accepted as a one-item
list), dict[str, X] / Mapping[str, X], nested dataclasses and ``Secret``. Field metadata (or the
``extra_meta`` table for classes we do not own) adds ``duration`` and ``min``/``max`` bounds. Unknown keys,
wrong types and missing fields are reported with file, line and option path; errors are collected, not
raised one at a time.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from monitor.errors import ConfigError

from .durations import parse_duration
from monitor.secrets import SOURCES, Secret, SecretError, read_secret

T = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL, MAP, SEQ, MERGE, TIMESTAMP = (
    T + "str", T + "int", T + "float", T + "bool", T + "null", T + "map", T + "seq", T + "merge", T + "timestamp")
ALLOWED_TAGS = frozenset({STR, INT, FLOAT, BOOL, NULL, MAP, SEQ, TIMESTAMP})

Validator = Callable[[Any], Iterable[tuple[str, str]]]  # yields (field name or "", message)


class Invalid:
    """Sentinel: the value could not be bound (the error is already recorded)."""

    def __repr__(self) -> str:
        return "INVALID"


INVALID: Any = Invalid()


class Abort(Exception):
    """Stop loading: too many nodes visited (alias bomb?) or too many errors. The message says which."""


@dataclass
class Issues:
    """Errors and warnings shared by every file of one load, plus the node budget."""

    errors: list[ConfigError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    budget: int = 500_000
    max_errors: int = 200

    def spend(self, n: int = 1) -> None:
        self.budget -= n
        if self.budget < 0:
            raise Abort("document too large once YAML aliases are expanded (alias bomb?)")

    def add(self, error: ConfigError) -> None:
        self.errors.append(error)
        if len(self.errors) >= self.max_errors:
            raise Abort(f"too many errors ({self.max_errors}), stopping")


@dataclass(frozen=True)
class BindContext:
    """What the binder needs for one file."""

    file: str                      # name shown in messages
    base_dir: Path                 # for relative secret files
    environ: Mapping[str, str]
    credentials_dir: str | None
    issues: Issues
    validators: Mapping[type, Validator] = field(default_factory=dict)
    extra_meta: Mapping[tuple[type, str], Mapping[str, Any]] = field(default_factory=dict)
    constructor: SafeConstructor = field(default_factory=SafeConstructor)
    hints: dict[type, dict[str, Any]] = field(default_factory=dict)  # per-load cache of type hints

    def type_hints(self, cls: type) -> dict[str, Any]:
        if cls not in self.hints:
            self.hints[cls] = typing.get_type_hints(cls)
        return self.hints[cls]

    def error(self, node: Node | None, path: str, message: str) -> Any:
        line = node.start_mark.line + 1 if node is not None else None
        self.issues.add(ConfigError(message, file=self.file, line=line, path=path or None))
        return INVALID

    def warn(self, node: Node | None, path: str, message: str) -> None:
        self.issues.warnings.append(str(ConfigError(
            message, file=self.file, line=node.start_mark.line + 1 if node else None, path=path or None)))


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def line_of(node: Node) -> int:
    return node.start_mark.line + 1


def describe_node(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if node.tag == NULL:
        return "null"
    text = str(node.value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def check_tag(node: Node, path: str, ctx: BindContext) -> bool:
    if node.tag in ALLOWED_TAGS:
        return True
    ctx.error(node, path, f"unsupported YAML tag {node.tag[:60]!r}")
    return False


def mapping_items(node: MappingNode, path: str, ctx: BindContext,
                  _seen: frozenset[int] = frozenset()) -> dict[str, tuple[Node, Node]] | Any:
    """Keys to (key node, value node), with ``<<`` merge keys applied and duplicate keys reported."""
    if id(node) in _seen:
        return ctx.error(node, path, "recursive YAML merge")
    merged: dict[str, tuple[Node, Node]] = {}
    own: dict[str, tuple[Node, Node]] = {}
    ok = True
    for knode, vnode in node.value:
        ctx.issues.spend()
        if knode.tag == MERGE:
            sources = vnode.value if isinstance(vnode, SequenceNode) else [vnode]
            for src in sources:
                if not check_tag(src, path, ctx):
                    ok = False
                    continue
                if not isinstance(src, MappingNode):
                    ctx.error(src, path, "'<<' merge expects a mapping or a list of mappings")
                    ok = False
                    continue
                sub = mapping_items(src, path, ctx, _seen | {id(node)})
                if sub is INVALID:
                    ok = False
                    continue
                for k, v in sub.items():
                    merged.setdefault(k, v)
            continue
        if not isinstance(knode, ScalarNode) or knode.tag not in (STR, INT):
            ctx.error(knode, path, f"keys must be strings, got {describe_node(knode)}")
            ok = False
            continue
        key = str(knode.value)
        if key in own:
            ctx.error(knode, join(path, key), f"duplicate key {key!r} (first at line {line_of(own[key][0])})")
            ok = False
            continue
        own[key] = (knode, vnode)
    return {**merged, **own} if ok else INVALID


def bind(node: Node, tp: Any, path: str, ctx: BindContext, meta: Mapping[str, Any] | None = None) -> Any:
    """Build a value of type ``tp`` from ``node``; ``INVALID`` (error recorded) when impossible."""
    ctx.issues.spend()
    meta = meta or {}
    if not check_tag(node, path, ctx):
        return INVALID
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if node.tag == NULL and type(None) in get_args(tp):
            return None
        if len(args) != 1:
            raise TypeError(f"binder supports only Optional unions, not {tp}")
        return bind(node, args[0], path, ctx, meta)
    if tp is Secret:
        return _bind_secret(node, path, ctx)
    if origin is Literal:
        return _bind_literal(node, get_args(tp), path, ctx)
    if tp in (str, int, float, bool):
        return _bind_scalar(node, tp, path, ctx, meta)
    if origin is tuple:
        return _bind_tuple(node, get_args(tp), path, ctx, meta)
    if origin in (dict, Mapping, typing.Mapping):
        return _bind_dict(node, get_args(tp), path, ctx, origin)
    if dataclasses.is_dataclass(tp):
        return bind_dataclass(node, tp, path, ctx)
    raise TypeError(f"binder does not support type {tp!r}")


def bind_dataclass(node: Node, cls: type, path: str, ctx: BindContext, preset: Mapping[str, Any] | None = None) -> Any:
    """Build ``cls`` from a mapping node; ``preset`` fields come from elsewhere (e.g. the mapping key)."""
    preset = preset or {}
    if not check_tag(node, path, ctx):
        return INVALID
    if not isinstance(node, MappingNode):
        return ctx.error(node, path, f"expected a mapping, got {describe_node(node)}")
    items = mapping_items(node, path, ctx)
    if items is INVALID:
        return INVALID
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init and f.name not in preset}
    hints = ctx.type_hints(cls)
    ok = True
    for key, (knode, _) in items.items():
        if key not in fields:
            close = difflib.get_close_matches(key, list(fields), n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else f"; expected one of: {', '.join(sorted(fields))}"
            ctx.error(knode, join(path, key), f"unknown option {key!r}{hint}")
            ok = False
    kwargs: dict[str, Any] = dict(preset)
    for name, f in fields.items():
        if name in items:
            meta = {**f.metadata, **ctx.extra_meta.get((cls, name), {})}
            value = bind(items[name][1], hints[name], join(path, name), ctx, meta)
            if value is INVALID:
                ok = False
            else:
                kwargs[name] = value
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            ctx.error(node, path, f"missing required option {name!r}")
            ok = False
    if not ok:
        return INVALID
    try:
        obj = cls(**kwargs)
    except (TypeError, ValueError) as err:
        return ctx.error(node, path, str(err))
    validator = ctx.validators.get(cls)
    if validator is not None:
        for key, message in validator(obj):
            where = items[key][1] if key in items else node
            ctx.error(where, join(path, key) if key else path, message)
            ok = False
    return obj if ok else INVALID


_EXPECT = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}


def _bind_scalar(node: Node, tp: type, path: str, ctx: BindContext, meta: Mapping[str, Any]) -> Any:
    duration = tp is float and meta.get("duration")
    expected = "a duration (seconds, or 500ms, 30s, 5m, 1h, 1d)" if duration else _EXPECT[tp]
    if not isinstance(node, ScalarNode) or (node.tag == NULL and node.value in ("", "~")):
        return ctx.error(node, path, f"expected {expected}, got {describe_node(node)}")
    tag = node.tag
    try:
        if tp is str:
            if tag in (STR, INT, FLOAT, TIMESTAMP):  # unquoted 8.8 or 2024-01-01: keep the text as written
                return str(node.value)
        elif tp is bool:
            if tag == BOOL:
                return ctx.constructor.construct_yaml_bool(node)
        elif tp is int:
            if tag == INT:
                value = ctx.constructor.construct_yaml_int(node)
                return _check_bounds(value, node, path, ctx, meta)
        elif tag in (INT, FLOAT):
            value = float(ctx.constructor.construct_object(node))
            if not math.isfinite(value):
                return ctx.error(node, path, f"expected a finite number, got {describe_node(node)}")
            return _check_bounds(value, node, path, ctx, meta)
        elif duration and tag == STR:
            return _check_bounds(parse_duration(node.value), node, path, ctx, meta)
    except (ValueError, OverflowError, yaml.YAMLError) as err:
        return ctx.error(node, path, str(err) if duration else f"expected {expected}, got {describe_node(node)}")
    hint = " (quote it to make it a string)" if tp is str and tag in (BOOL, NULL) else ""
    return ctx.error(node, path, f"expected {expected}, got {describe_node(node)}{hint}")


def _check_bounds(value: float, node: Node, path: str, ctx: BindContext, meta: Mapping[str, Any]) -> Any:
    lo, hi = meta.get("min"), meta.get("max")
    if lo is not None and (value <= lo if meta.get("exclusive_min") else value < lo):
        return ctx.error(node, path, f"must be {'>' if meta.get('exclusive_min') else '>='} {lo:g}, got {value:g}")
    if hi is not None and value > hi:
        return ctx.error(node, path, f"must be <= {hi:g}, got {value:g}")
    return value


def _bind_literal(node: Node, choices: tuple, path: str, ctx: BindContext) -> Any:
    text = str(node.value) if isinstance(node, ScalarNode) and node.tag in (STR, INT, FLOAT) else None
    if text in choices:
        return text
    shown = ", ".join(repr(c) for c in choices)
    close = difflib.get_close_matches(text, [str(c) for c in choices], n=1) if text else []
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return ctx.error(node, path, f"expected one of {shown}, got {describe_node(node)}{hint}")


def _bind_tuple(node: Node, args: tuple, path: str, ctx: BindContext, meta: Mapping[str, Any]) -> Any:
    if len(args) != 2 or args[1] is not Ellipsis:
        raise TypeError("binder supports only tuple[X, ...]")
    if not isinstance(node, SequenceNode):
        value = bind(node, args[0], path, ctx, meta)  # one item given without a list
        return INVALID if value is INVALID else (value,)
    out = [bind(item, args[0], join(path, i), ctx, meta) for i, item in enumerate(node.value)]
    return INVALID if any(v is INVALID for v in out) else tuple(out)


def _bind_dict(node: Node, args: tuple, path: str, ctx: BindContext, origin: Any) -> Any:
    if args[0] is not str:
        raise TypeError("binder supports only string keys")
    if not isinstance(node, MappingNode):
        return ctx.error(node, path, f"expected a mapping, got {describe_node(node)}")
    items = mapping_items(node, path, ctx)
    if items is INVALID:
        return INVALID
    out = {k: bind(v, args[1], join(path, k), ctx) for k, (_, v) in items.items()}
    if any(v is INVALID for v in out.values()):
        return INVALID
    return out if origin is dict else types.MappingProxyType(out)


def _bind_secret(node: Node, path: str, ctx: BindContext) -> Any:
    usage = "expected a secret reference: {env: NAME}, {file: PATH}, {credential: NAME} or {value: TEXT}"
    if not isinstance(node, MappingNode):
        got = "a list" if isinstance(node, SequenceNode) else "a plain value (not shown)"
        return ctx.error(node, path, f"{usage}, got {got}")
    items = mapping_items(node, path, ctx)
    if items is INVALID:
        return INVALID
    if len(items) != 1 or next(iter(items)) not in SOURCES:
        got = "an empty mapping" if not items else f"{len(items)} key(s), not exactly one of those (not shown)"
        return ctx.error(node, path, f"{usage}, got {got}")
    kind, (_, vnode) = next(iter(items.items()))
    if not isinstance(vnode, ScalarNode) or vnode.tag not in (STR, INT, FLOAT):
        return ctx.error(vnode, join(path, kind), "expected a string (value not shown)")
    if kind == "value":
        ctx.warn(vnode, path, "secret written inline in the configuration; prefer {env: ...}, {file: ...} "
                              "or {credential: ...}")
    try:
        return read_secret(kind, str(vnode.value), base_dir=ctx.base_dir, environ=ctx.environ,
                           credentials_dir=ctx.credentials_dir)
    except SecretError as err:
        return ctx.error(vnode, join(path, kind), str(err))
