"""Test double of the SNMP transport: an SnmpSession answering from a parsed ``.snmprec`` file.

Only the transport is faked (GET/walk over sorted OIDs); everything above it is the real code.
Lines are ``oid|tag|value``; a tag ending in ``x`` carries hex-encoded bytes.
"""

from __future__ import annotations

import bisect
from pathlib import Path
from typing import Sequence

from monitor.probes.base import Reason, Stats
from monitor.snmp.types import (
    COUNTER32, COUNTER64, GAUGE32, INTEGER, IP_ADDRESS, NO_SUCH_OBJECT, NULL,
    OBJECT_IDENTIFIER, OCTET_STRING, OPAQUE, TIMETICKS, UINTEGER32, GetOutcome, Value, WalkOutcome,
)

_INT_TAGS = {INTEGER, COUNTER32, GAUGE32, TIMETICKS, COUNTER64, UINTEGER32}


def oid_key(oid: str) -> tuple[int, ...]:
    return tuple(int(p) for p in oid.split("."))


def parse_snmprec(text: str) -> dict[str, Value]:
    """OID -> (tag, value). Lines whose OID is not numeric (anonymised ``xx``) are skipped."""
    out: dict[str, Value] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        oid, tag_text, raw = line.split("|", 2)
        try:
            oid_key(oid)
        except ValueError:
            continue
        is_hex = tag_text.endswith("x")
        tag = int(tag_text.rstrip("x"))
        data = bytes.fromhex(raw) if is_hex else raw.encode("utf-8", "surrogateescape")
        if tag in _INT_TAGS:
            out[oid] = (tag, int(data.decode()))
        elif tag in (OCTET_STRING, OPAQUE):
            out[oid] = (tag, data)
        elif tag in (OBJECT_IDENTIFIER, IP_ADDRESS):
            out[oid] = (tag, data.decode() if not is_hex or tag == OBJECT_IDENTIFIER
                        else ".".join(str(b) for b in data))
        elif tag == NULL:
            out[oid] = (tag, None)
    return out


class SnmprecSession:
    """GET/walk over a recording. ``fail_roots`` makes walks under those roots time out."""

    def __init__(self, values: dict[str, Value], *, fail_roots: Sequence[str] = (),
                 fail_get: Reason | None = None, max_repetitions: int = 25) -> None:
        self.values = dict(values)
        self.stats = Stats()
        self.fail_roots = set(fail_roots)
        self.fail_get = fail_get
        self.max_repetitions = max_repetitions
        self.walked: list[str] = []
        self.gets: list[list[str]] = []
        self._reindex()

    @classmethod
    def from_file(cls, path: str | Path, **kw: object) -> "SnmprecSession":
        text = Path(path).read_text(encoding="utf-8", errors="surrogateescape")
        return cls(parse_snmprec(text), **kw)  # type: ignore[arg-type]

    def _reindex(self) -> None:
        self._keys = sorted(oid_key(o) for o in self.values)

    def set(self, oid: str, value: Value) -> None:
        self.values[oid] = value
        self._reindex()

    def delete(self, oid: str) -> None:
        del self.values[oid]
        self._reindex()

    async def get(self, oids: Sequence[str]) -> GetOutcome:
        self.gets.append(list(oids))
        self.stats.packets_sent += 1
        if self.fail_get is not None:
            return GetOutcome(self.fail_get, detail="injected")
        self.stats.pdus += 1
        self.stats.varbinds += len(oids)
        return GetOutcome(Reason.OK, {o: self.values.get(o, (NO_SUCH_OBJECT, None)) for o in oids})

    async def walk(self, root: str) -> WalkOutcome:
        self.walked.append(root)
        if root in self.fail_roots:
            self.stats.packets_sent += 1
            return WalkOutcome(Reason.TIMEOUT, detail="injected")
        rk = oid_key(root)
        i = bisect.bisect_right(self._keys, rk)
        rows: list[tuple[str, Value]] = []
        while i < len(self._keys) and self._keys[i][:len(rk)] == rk:
            oid = ".".join(map(str, self._keys[i]))
            rows.append((oid, self.values[oid]))
            i += 1
        pdus = len(rows) // self.max_repetitions + 1
        self.stats.packets_sent += pdus
        self.stats.pdus += pdus
        self.stats.varbinds += len(rows)
        return WalkOutcome(Reason.OK, rows)
