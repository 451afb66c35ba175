"""Values exchanged between the SNMP transport and the profile interpreter.

OIDs are dotted strings without a leading dot ("1.3.6.1.2.1.1.3.0"). A value is a
``(tag, python_value)`` pair where tag is the BER/ASN.1 application tag byte:
int for INTEGER/Counter32/Gauge32/TimeTicks/Counter64/UInteger32, bytes for OCTET STRING and
Opaque, str for OBJECT IDENTIFIER and IpAddress (dotted), None for NULL and the three exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, Sequence

from monitor.probes.base import Reason, Stats

INTEGER = 0x02
OCTET_STRING = 0x04
NULL = 0x05
OBJECT_IDENTIFIER = 0x06
IP_ADDRESS = 0x40
COUNTER32 = 0x41
GAUGE32 = 0x42
TIMETICKS = 0x43
OPAQUE = 0x44
COUNTER64 = 0x46
UINTEGER32 = 0x47
NO_SUCH_OBJECT = 0x80
NO_SUCH_INSTANCE = 0x81
END_OF_MIB_VIEW = 0x82

EXCEPTIONS = frozenset({NO_SUCH_OBJECT, NO_SUCH_INSTANCE, END_OF_MIB_VIEW})

TAG_NAMES = {
    INTEGER: "INTEGER", OCTET_STRING: "OCTET STRING", NULL: "NULL",
    OBJECT_IDENTIFIER: "OBJECT IDENTIFIER", IP_ADDRESS: "IpAddress", COUNTER32: "Counter32",
    GAUGE32: "Gauge32", TIMETICKS: "TimeTicks", OPAQUE: "Opaque", COUNTER64: "Counter64",
    UINTEGER32: "UInteger32", NO_SUCH_OBJECT: "noSuchObject",
    NO_SUCH_INSTANCE: "noSuchInstance", END_OF_MIB_VIEW: "endOfMibView",
}

Value = tuple[int, "int | bytes | str | None"]


@dataclass(slots=True)
class GetOutcome:
    reason: Reason
    values: dict[str, Value] = field(default_factory=dict)  # OID -> value (exceptions included)
    detail: str = ""


@dataclass(slots=True)
class WalkOutcome:
    reason: Reason          # OK, or why the walk stopped early (rows then hold what was read)
    rows: list[tuple[str, Value]] = field(default_factory=list)
    detail: str = ""


class SnmpSession(Protocol):
    """One agent, bound to its target and credentials. Implemented by the transport."""

    stats: Stats

    async def get(self, oids: Sequence[str]) -> GetOutcome: ...

    async def walk(self, root: str) -> WalkOutcome: ...
