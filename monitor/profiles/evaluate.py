"""Turn SNMP values into Samples, following a profile. No I/O here: pure functions over data.

``Columns`` maps a column OID to its rows: index suffix -> value. Label and transform columns
come from the probe's label cache, metric columns from this poll's walks.
"""

from __future__ import annotations

import math
from typing import Iterable, Mapping

from monitor.probes.base import Sample
from monitor.profiles.model import IndexPart, Metric, Table
from monitor.snmp.types import COUNTER32, COUNTER64, EXCEPTIONS, Value

Columns = Mapping[str, Mapping[str, Value]]
Labels = tuple[tuple[str, str], ...]
MAX_LABEL_LEN = 128


def text_of(value: Value) -> str:
    """Printable text of a value: strings decoded (hex when binary), numbers and OIDs as text."""
    tag, v = value
    if isinstance(v, bytes):
        raw = v.rstrip(b"\x00")
        try:
            s = raw.decode("utf-8")
        except UnicodeDecodeError:
            s = raw.decode("latin-1")
        if any(ord(ch) < 32 and ch not in "\t\r\n" for ch in s):
            return raw.hex(":")
        return s.strip()[:MAX_LABEL_LEN]
    return "" if v is None else str(v)


def number_of(value: Value) -> float | None:
    tag, v = value
    if tag in EXCEPTIONS or v is None:
        return None
    if isinstance(v, int):
        return float(v)
    if isinstance(v, bytes):
        try:
            f = float(v.decode("ascii").strip())
        except (UnicodeDecodeError, ValueError):
            return None
        return f if math.isfinite(f) else None
    return None


def decode_index(suffix: str, parts: tuple[IndexPart, ...]) -> list[tuple[str, str, str]] | None:
    """Index suffix -> [(label, value, raw dotted arcs)]; None when it does not fit the parts."""
    arcs = suffix.split(".") if suffix else []
    out: list[tuple[str, str, str]] = []
    pos = 0
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part.kind == "int":
            n = 1
        elif part.kind == "ipv4":
            n = 4
        elif part.kind == "mac":
            n = 6
        elif part.kind == "oid" or part.implied:
            n = len(arcs) - pos
        elif part.size is not None:
            n = part.size
        else:
            if pos >= len(arcs):
                return None
            n = int(arcs[pos])
            pos += 1
        chunk = arcs[pos:pos + n]
        if len(chunk) != n or (part.kind != "oid" and n == 0 and part.kind in ("int", "ipv4", "mac")):
            return None
        raw = ".".join(arcs[pos - (1 if _prefixed(part) else 0):pos + n])
        pos += n
        out.append((part.label, _index_text(part, chunk), raw))
        if last and pos != len(arcs):
            return None
    return out


def _prefixed(part: IndexPart) -> bool:
    return part.kind in ("string", "bytes") and part.size is None and not part.implied


def _index_text(part: IndexPart, chunk: list[str]) -> str:
    if part.kind in ("int", "oid", "ipv4"):
        return ".".join(chunk)
    data = bytes(int(a) & 0xFF for a in chunk)
    if part.kind == "mac":
        return data.hex(":").upper()
    if part.kind == "string":
        return text_of((0x04, data))
    return data.hex()


def _counter_bits(metric: Metric, value: Value) -> int:
    """Wrap width of a raw counter; 0 (reset detection only) for scaled or non-Counter values."""
    if metric.scale != 1.0:
        return 0
    if metric.bits:
        return metric.bits
    return {COUNTER64: 64, COUNTER32: 32}.get(value[0], 0)


def metric_samples(metric: Metric, value: Value, labels: Labels, row: Mapping[str, Value] | None = None,
                   intern: dict[Labels, Labels] | None = None) -> list[Sample]:
    """Samples of one metric for one value (a scalar, or one row of a table). ``intern`` maps
    label tuples to one shared copy, so successive polls of a device share their labels."""
    if value[0] in EXCEPTIONS:
        return []
    if metric.type == "info":
        text = metric.enum_text(text_of(value)) or text_of(value)
        return [Sample(metric.name, 1.0, labels + ((metric.info_label or "value", text),), "info",
                       metric.help)]
    number = number_of(value)
    if number is None:
        return []
    if metric.state_set:
        raw = str(int(number))
        return [Sample(metric.name, 1.0 if k == raw else 0.0, labels + ((metric.name, state),),
                       "gauge", metric.help) for k, state in metric.enum]
    if metric.type == "counter":
        return [Sample(metric.name, number * metric.scale if metric.scale != 1.0 else number,
                       labels, "counter", metric.help, _counter_bits(metric, value))]
    number = _transform(metric, number, row or {})
    if number is None:
        return []
    if metric.state_label:
        state = metric.enum_text(str(int(number)))
        labels = labels + ((metric.state_label, state or "unknown"),)
        if intern is not None:
            labels = intern.setdefault(labels, labels)
    return [Sample(metric.name, number * metric.scale, labels, "gauge", metric.help)]


def _transform(metric: Metric, number: float, row: Mapping[str, Value]) -> float | None:
    t = metric.transform
    if t is None:
        return number
    args: dict[str, float] = {}
    for role, col in t.columns:
        v = row.get(col)
        f = number_of(v) if v is not None else None
        if f is None:
            return None
        args[role] = f
    if t.kind == "entity_sensor":
        return number * 10.0 ** (3 * (args["scale"] - 9)) / 10.0 ** args["precision"]
    if t.kind == "multiply":
        return number * args["column"]
    if t.kind == "ratio_of":
        return number / args["column"] if number >= 0 and args["column"] > 0 else None
    if t.kind == "pow10_divide":
        return number / 10.0 ** args["column"]
    raise ValueError(f"unknown transform {t.kind}")  # loader forbids it: programming fault


def scalar_samples(metrics: Iterable[Metric], values: Mapping[str, Value]) -> list[Sample]:
    out: list[Sample] = []
    for m in metrics:
        v = values.get(m.oid)
        if v is not None:
            out.extend(metric_samples(m, v, ()))
    return out


def table_samples(table: Table, data: Columns, intern: dict[Labels, Labels] | None = None
                  ) -> list[Sample]:
    """Samples of one table: rows are the union of the metric columns' indexes."""
    indexes: dict[str, None] = {}
    for m in table.metrics:
        indexes.update(dict.fromkeys(data.get(m.oid, {})))
    out: list[Sample] = []
    for idx in indexes:
        decoded = decode_index(idx, table.index)
        if decoded is None or not _keep(table, idx, decoded, data):
            continue
        labels = tuple((label, text) for label, text, _ in decoded)
        raw_parts = {label: raw for label, _, raw in decoded}
        labels += _row_labels(table, idx, raw_parts, data)
        if intern is not None:
            labels = intern.setdefault(labels, labels)
        row = {col: rows[idx] for col in table.cached_columns()
               if (rows := data.get(col)) is not None and idx in rows}
        for m in table.metrics:
            v = data.get(m.oid, {}).get(idx)
            if v is not None:
                out.extend(metric_samples(m, v, labels, row, intern))
    return out


def _keep(table: Table, idx: str, decoded: list[tuple[str, str, str]], data: Columns) -> bool:
    for part, (_, text, _) in zip(table.index, decoded):
        if part.only and text not in part.only:
            return False
    if table.where:
        col, allowed = table.where
        v = data.get(col, {}).get(idx)
        return v is not None and text_of(v) in allowed
    return True


def _row_labels(table: Table, idx: str, raw_parts: Mapping[str, str], data: Columns) -> Labels:
    out: list[tuple[str, str]] = []
    for lab in table.labels:
        if lab.via:
            via = data.get(lab.via, {}).get(idx)
            key = text_of(via) if via is not None else None
        elif lab.key:
            key = ".".join(raw_parts[k] for k in lab.key)
        else:
            key = idx
        value = data.get(lab.oid, {}).get(key) if key is not None else None
        if value is None or value[0] in EXCEPTIONS:
            continue
        text = text_of(value)
        text = dict(lab.enum).get(text, text)
        if text:
            out.append((lab.label, text))
    return tuple(out)


def dedupe(samples: Iterable[Sample]) -> list[Sample]:
    """Keep the first sample of each (name, labels): the more specific profile comes first."""
    seen: set[tuple[str, Labels]] = set()
    out: list[Sample] = []
    for s in samples:
        key = (s.name, s.labels)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out
