"""``load_config``: read the main file and its includes, bind them strictly, cross-check, return a ``Config``."""

from __future__ import annotations

import dataclasses
import difflib
import glob
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from monitor.errors import ConfigError, ConfigErrors

from .bind import (INVALID, Abort, BindContext, Issues, bind, bind_dataclass, check_tag, describe_node, join,
                   mapping_items)
from .crosscheck import cross_check
from monitor.energy.config import EnergySection
from monitor.export.influx_config import InfluxSection
from monitor.sla.config import SlaSection
from monitor.sla.config import check_assets as check_sla_assets

from .model import Asset, Config, Credential, DaemonOptions, Site, SnmpDefaults, Tiers
from monitor.yamlfile import compose_file
from .validate import EXTRA_META, VALIDATORS, check_name

MAX_FILES = 256
MAX_INCLUDE_DEPTH = 16
REPO_ROOT = Path(__file__).resolve().parents[2]
MAIN_ONLY = {"daemon": DaemonOptions, "tiers": Tiers, "snmp": SnmpDefaults,
             "profile_dirs": tuple[str, ...], "snmp_exporter_files": tuple[str, ...],
             "sla": SlaSection, "energy": EnergySection, "influxdb": InfluxSection}
SHARED_KEYS = ("include", "sites", "credentials", "assets")


@dataclass(frozen=True)
class Where:
    """Where a definition was read: for messages that point at it."""

    file: str
    node: Node
    path: str = ""

    @property
    def line(self) -> int:
        return self.node.start_mark.line + 1

    def key(self, name: str) -> Node:
        """Value node of ``name`` in this mapping (the mapping itself when absent)."""
        if isinstance(self.node, MappingNode):
            for k, v in self.node.value:
                if isinstance(k, ScalarNode) and k.value == name:
                    return v
        return self.node


def load_config(path: str | Path, *, environ: Mapping[str, str] | None = None,
                credentials_dir: str | None = None) -> Config:
    """Load and validate a configuration; raises ``ConfigErrors`` listing every problem found."""
    loader = _Loader(Path(path), os.environ if environ is None else environ, credentials_dir)
    try:
        loader.load(loader.main, (), None)
        loader.cross_check()
    except Abort as err:
        loader.issues.errors.append(ConfigError(str(err), file=loader.current))
    except ConfigError as err:  # unreadable main file
        loader.issues.errors.append(err)
    if loader.issues.errors:
        raise ConfigErrors(loader.issues.errors)
    config = loader.build()
    sla_errors = check_sla_assets(config.sla, [a.name for a in config.assets])
    if sla_errors:
        for e in sla_errors:  # point at the offending line of the main file's sla section
            node = _node_at(loader.main_nodes.get("sla"), e.path.removeprefix("sla"))
            e.file, e.line = str(loader.main), (node.start_mark.line + 1 if node else None)
        raise ConfigErrors(sla_errors)
    return config


def _node_at(node: Node | None, path: str) -> Node | None:
    """The YAML node at an option path like ``.services.X.members[0]`` (None when absent)."""
    for part in re.findall(r"\.([^.\[]+)|\[(\d+)\]", path):
        key, index = part
        if node is None:
            return None
        if key and isinstance(node, MappingNode):
            node = next((v for k, v in node.value if isinstance(k, ScalarNode) and k.value == key), None)
        elif index and isinstance(node, SequenceNode) and int(index) < len(node.value):
            node = node.value[int(index)]
        else:
            return None
    return node


class _Loader:
    def __init__(self, main: Path, environ: Mapping[str, str], credentials_dir: str | None) -> None:
        self.given = main
        self.main_nodes: dict[str, Node] = {}
        self.main = main.resolve()
        self.environ = environ
        self.credentials_dir = credentials_dir
        self.issues = Issues()
        self.current = str(main)
        self.files: list[Path] = []
        self.main_options: dict[str, Any] = {}
        self.sites: dict[str, tuple[Site, Where]] = {}
        self.credentials: dict[str, tuple[Credential, Where]] = {}
        self.assets: list[tuple[Asset, Where]] = []
        self.broken: set[tuple[str, str]] = set()  # ("sites", name)...: defined but invalid, already reported

    def display(self, path: Path) -> str:
        if path == self.main:
            return str(self.given)
        rel = os.path.relpath(path, self.main.parent)
        if rel.startswith(".."):
            return str(path)
        return os.path.normpath(os.path.join(os.path.dirname(str(self.given)), rel))

    def context(self, path: Path) -> BindContext:
        return BindContext(file=self.display(path), base_dir=path.parent, environ=self.environ,
                           credentials_dir=self.credentials_dir, issues=self.issues,
                           validators=VALIDATORS, extra_meta=EXTRA_META)

    # -- reading ---------------------------------------------------------------------------------------
    def load(self, path: Path, stack: tuple[Path, ...], via: tuple[BindContext, Node] | None) -> None:
        if len(self.files) >= MAX_FILES:
            raise ConfigError(f"more than {MAX_FILES} configuration files", file=self.display(path))
        self.files.append(path)
        self.current = self.display(path)
        try:
            root = compose_file(path, self.current)
        except ConfigError as err:
            if via is None:
                raise
            self.issues.add(err)
            return
        ctx = self.context(path)
        if root is None or not check_tag(root, "", ctx):
            return
        if not isinstance(root, MappingNode):
            ctx.error(root, "", "the top level must be a mapping of options (include, sites, credentials, "
                                f"assets...), got {describe_node(root)}")
            return
        items = mapping_items(root, "", ctx)
        if items is INVALID:
            return
        allowed = SHARED_KEYS + (tuple(MAIN_ONLY) if not stack else ())
        for key, (knode, vnode) in items.items():
            if key in allowed:
                continue
            if key in MAIN_ONLY:
                ctx.error(knode, key, f"{key!r} is only allowed in the main configuration file")
            else:
                close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
                hint = f" (did you mean {close[0]!r}?)" if close else f"; expected one of: {', '.join(allowed)}"
                ctx.error(knode, key, f"unknown option {key!r}{hint}")
        if "include" in items:
            self.includes(items["include"][1], path, stack + (path,), ctx)
            self.current = ctx.file
        for key, tp in MAIN_ONLY.items():
            if key in items and not stack:
                value = bind(items[key][1], tp, key, ctx)
                if value is not INVALID:
                    self.main_options[key] = value
                    self.main_nodes[key] = items[key][1]
        self.named(items, "sites", Site, "id", self.sites, ctx)
        self.named(items, "credentials", Credential, "name", self.credentials, ctx)
        if "assets" in items:
            self.read_assets(items["assets"][1], ctx)

    def includes(self, node: Node, path: Path, stack: tuple[Path, ...], ctx: BindContext) -> None:
        patterns = bind(node, tuple[str, ...], "include", ctx)
        if patterns is INVALID:
            return
        items = node.value if isinstance(node, SequenceNode) else [node]
        for i, (pattern, inode) in enumerate(zip(patterns, items)):
            where = join("include", i) if isinstance(node, SequenceNode) else "include"
            full = os.path.join(path.parent, os.path.expanduser(pattern))
            if any(c in pattern for c in "*?["):
                found = sorted(Path(p).resolve() for p in glob.glob(full, recursive=True) if os.path.isfile(p))
                found = [p for p in found if p not in stack and p not in self.files]
                if not found:
                    ctx.warn(inode, where, f"no new file matches {pattern!r}")
            else:
                target = Path(full).resolve()
                if not target.is_file():
                    ctx.error(inode, where, f"included file not found: {pattern}")
                    continue
                if target in stack:
                    chain = " -> ".join(self.display(p) for p in stack[stack.index(target):] + (target,))
                    ctx.error(inode, where, f"include cycle: {chain}")
                    continue
                if target in self.files:
                    continue  # already read through another include
                found = [target]
            if len(stack) >= MAX_INCLUDE_DEPTH:
                ctx.error(inode, where, f"includes nested more than {MAX_INCLUDE_DEPTH} levels deep")
                continue
            for target in found:
                self.load(target, stack, (ctx, inode))

    def named(self, items: dict, key: str, cls: type, id_field: str,
              into: dict[str, tuple[Any, Where]], ctx: BindContext) -> None:
        if key not in items:
            return
        node = items[key][1]
        if not check_tag(node, key, ctx) or node.tag.endswith(":null"):
            return
        if not isinstance(node, MappingNode):
            ctx.error(node, key, f"expected a mapping of {key} by name, got {describe_node(node)}")
            return
        sub = mapping_items(node, key, ctx)
        if sub is INVALID:
            return
        for name, (knode, vnode) in sub.items():
            path = join(key, name)
            if msg := check_name(name):
                ctx.error(knode, path, msg)
                continue
            obj = bind_dataclass(vnode, cls, path, ctx, preset={id_field: name})
            if obj is INVALID:
                self.broken.add((key, name))
                continue
            if name in into:
                first = into[name][1]
                ctx.error(knode, path, f"{key[:-1]} {name!r} is already defined at {first.file}:{first.line}")
                continue
            into[name] = (obj, Where(ctx.file, knode, path))

    def read_assets(self, node: Node, ctx: BindContext) -> None:
        if not check_tag(node, "assets", ctx) or node.tag.endswith(":null"):
            return
        if not isinstance(node, SequenceNode):
            ctx.error(node, "assets", f"expected a list of assets, got {describe_node(node)}")
            return
        for i, item in enumerate(node.value):
            asset = bind_dataclass(item, Asset, join("assets", i), ctx)
            if asset is not INVALID:
                self.assets.append((asset, Where(ctx.file, item, join("assets", i))))
            else:
                name = Where(ctx.file, item).key("name")
                if isinstance(name, ScalarNode):
                    self.broken.add(("assets", str(name.value)))

    # -- cross checks ----------------------------------------------------------------------------------
    def cross_check(self) -> None:
        self.assets = cross_check(self.assets, self.sites, self.credentials, self.issues, self.broken)

    def build(self) -> Config:
        opts = dict(self.main_options)
        for key in ("profile_dirs", "snmp_exporter_files"):
            default = [f.default for f in dataclasses.fields(Config) if f.name == key][0]
            opts[key] = tuple(self.resolve_path(p, key) for p in opts.get(key, default))
        return Config(
            **opts,
            credentials=MappingProxyType({k: v for k, (v, _) in self.credentials.items()}),
            sites=MappingProxyType({k: v for k, (v, _) in self.sites.items()}),
            assets=tuple(a for a, _ in self.assets),
            files=tuple(str(p) for p in self.files),
            warnings=tuple(self.issues.warnings),
        )

    def resolve_path(self, rel: str, key: str) -> str:
        """Relative paths: against the main file's folder, then the package install / repository root."""
        p = Path(os.path.expanduser(rel))
        if p.is_absolute():
            candidates = [p]
        else:
            candidates = [self.main.parent / p, REPO_ROOT / p]
        for c in candidates:
            if c.exists():
                return str(c)
        self.issues.warnings.append(f"{self.display(self.main)}: {key}: {rel!r} not found "
                                    f"(looked in {', '.join(str(c.parent) for c in candidates)})")
        return str(candidates[0])
