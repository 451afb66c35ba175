"""The profile data model: frozen dataclasses, built by the loader, read by the evaluator."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Tier = Literal["fast", "slow"]
TIERS: tuple[str, ...] = ("fast", "slow")
METRIC_TYPES: tuple[str, ...] = ("gauge", "counter", "info")
INDEX_KINDS: tuple[str, ...] = ("int", "string", "bytes", "mac", "ipv4", "oid")
TRANSFORM_KINDS: tuple[str, ...] = ("entity_sensor", "multiply", "pow10_divide", "ratio_of")


@dataclass(frozen=True, kw_only=True)
class Match:
    """Auto-detection rule. A profile applies when ``generic`` or a prefix or the regex matches."""

    generic: bool = False
    sys_object_id: tuple[str, ...] = ()     # dotted prefixes, matched on whole arcs
    sys_descr: re.Pattern[str] | None = None
    priority: int = 0                       # breaks ties; vendor profiles default above generic


@dataclass(frozen=True, kw_only=True)
class Transform:
    """A per-row conversion that needs other columns of the same row.

    - ``entity_sensor``: value * 10**(3*(scale-9)) / 10**precision (ENTITY-SENSOR / CISCO-ENTITY-SENSOR)
    - ``multiply``: value * column (e.g. hrStorageUsed * hrStorageAllocationUnits)
    - ``pow10_divide``: value / 10**column (decimal digits, e.g. Raritan sensors)
    - ``ratio_of``: value / column, only when value >= 0 and column > 0 (printer supply levels)
    """

    kind: str
    columns: tuple[tuple[str, str], ...]     # role -> column OID ("scale", "precision", "column")

    def column(self, role: str) -> str:
        return dict(self.columns)[role]


@dataclass(frozen=True, kw_only=True)
class Metric:
    """A scalar (``oid`` is the full instance OID) or a table column (``oid`` is the column)."""

    name: str                  # full exported name (vigie_ prefix added by the loader)
    oid: str
    type: str = "gauge"        # gauge | counter | info
    help: str = ""
    scale: float = 1.0         # unit scale: 0.001 for milliwatts -> watts, 0.1 for tenths...
    bits: int = 0              # counter width 32/64; 0 = from the value's SNMP type
    enum: tuple[tuple[str, str], ...] = ()   # raw value (as text) -> state name
    state_label: str | None = None           # add the enum's state name under this label
    state_set: bool = False                  # one 0/1 sample per enum state (snmp_exporter EnumAsStateSet)
    info_label: str | None = None            # info metrics: label carrying the value as text
    transform: Transform | None = None

    def enum_text(self, raw: str) -> str | None:
        return dict(self.enum).get(raw)


@dataclass(frozen=True, kw_only=True)
class IndexPart:
    """One component of a table index, decoded into a label."""

    label: str
    kind: str = "int"          # int | string | bytes | mac | ipv4 | oid (rest of the index)
    size: int | None = None    # fixed length for string/bytes (else length-prefixed)
    implied: bool = False      # string/bytes IMPLIED: takes the rest, no length prefix
    only: tuple[str, ...] = ()  # keep only rows whose part has one of these values


@dataclass(frozen=True, kw_only=True)
class LabelColumn:
    """A label read from a column (slow tier, cached), keyed by this table's row.

    The key into ``oid``'s rows is the whole row index, or the index parts named in ``key``,
    or the value of column ``via`` of this row (lookup into another table, e.g. entPhysicalName).
    """

    label: str
    oid: str
    key: tuple[str, ...] = ()
    via: str | None = None
    enum: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, kw_only=True)
class Table:
    name: str
    index: tuple[IndexPart, ...] = (IndexPart(label="index", kind="oid"),)
    labels: tuple[LabelColumn, ...] = ()
    metrics: tuple[Metric, ...] = ()
    walk: str = "columns"      # "columns": one walk per column; "entry": one walk of ``entry``
    entry: str | None = None
    where: tuple[str, tuple[str, ...]] | None = None   # (cached column, allowed values): row filter

    def cached_columns(self) -> tuple[str, ...]:
        """Columns kept in the label cache: labels, lookup keys and transform inputs."""
        cols: list[str] = []
        for lab in self.labels:
            cols.append(lab.oid)
            if lab.via:
                cols.append(lab.via)
        if self.where:
            cols.append(self.where[0])
        for m in self.metrics:
            if m.transform:
                cols.extend(c for _, c in m.transform.columns)
        return tuple(dict.fromkeys(cols))


@dataclass(frozen=True, kw_only=True)
class Group:
    name: str
    tier: str = "fast"
    scalars: tuple[Metric, ...] = ()
    tables: tuple[Table, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Profile:
    name: str
    description: str = ""
    match: Match = field(default_factory=Match)
    overrides: tuple[str, ...] = ()        # profiles this one replaces when both are selected
    groups: tuple[Group, ...] = ()
    vigie_prefixed: bool = True            # False for snmp_exporter modules (names kept as-is)
    source: str = ""                       # file it was loaded from

    def groups_for(self, tiers: tuple[str, ...]) -> tuple[Group, ...]:
        return tuple(g for g in self.groups if g.tier in tiers)
