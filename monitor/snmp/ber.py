"""A small, fast BER codec for SNMP v1/v2c messages.

Encodes GetRequest, GetNextRequest and GetBulkRequest; decodes Response PDUs in one pass over
the bytes with ``int.from_bytes`` and no per-varbind objects beyond ``(oid, (tag, value))``
tuples (see ``monitor.snmp.types``). Every read is bounds-checked: malformed or hostile input
raises ``DecodeError`` and nothing else.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from monitor.errors import VigieError
from monitor.snmp.types import (
    COUNTER32, COUNTER64, END_OF_MIB_VIEW, GAUGE32, INTEGER, IP_ADDRESS, NO_SUCH_INSTANCE,
    NO_SUCH_OBJECT, NULL, OBJECT_IDENTIFIER, OCTET_STRING, OPAQUE, TIMETICKS, UINTEGER32, Value,
)

VERSION_1 = 0
VERSION_2C = 1

GET = 0xA0
GET_NEXT = 0xA1
RESPONSE = 0xA2
GET_BULK = 0xA5
REPORT = 0xA8

# error-status values (RFC 3416)
NO_ERROR = 0
TOO_BIG = 1
NO_SUCH_NAME = 2
GEN_ERR = 5

_SEQUENCE = 0x30
_UNSIGNED = frozenset({COUNTER32, GAUGE32, TIMETICKS, COUNTER64, UINTEGER32})
_EMPTY = frozenset({NULL, NO_SUCH_OBJECT, NO_SUCH_INSTANCE, END_OF_MIB_VIEW})
_BYTES = frozenset({OCTET_STRING, OPAQUE})
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")


class DecodeError(VigieError):
    """The bytes are not a well-formed SNMP v1/v2c response."""


class Response(NamedTuple):
    version: int
    community: bytes
    pdu_type: int
    request_id: int
    error_status: int
    error_index: int
    varbinds: list[tuple[str, Value]]


# --- encoding -------------------------------------------------------------------------------

def _len(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(body),)) + body


def _tlv(tag: int, body: bytes) -> bytes:
    return bytes((tag,)) + _len(len(body)) + body


def _int(value: int) -> bytes:
    return _tlv(INTEGER, value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True))


def encode_oid(oid: str) -> bytes:
    """BER body (no tag/length) of a dotted OID. Raises ValueError on a malformed OID."""
    arcs = [int(a) for a in oid.strip(".").split(".")]
    if len(arcs) < 2 or arcs[0] > 2 or (arcs[0] < 2 and arcs[1] > 39) or min(arcs) < 0:
        raise ValueError(f"invalid OID {oid!r}")
    out = bytearray()
    for arc in [arcs[0] * 40 + arcs[1], *arcs[2:]]:
        if arc < 0x80:
            out.append(arc)
            continue
        chunk = bytearray()
        while arc:
            chunk.append((arc & 0x7F) | 0x80)
            arc >>= 7
        chunk[0] &= 0x7F
        out += chunk[::-1]
    return bytes(out)


def encode_request(*, version: int, community: bytes, pdu_type: int, request_id: int,
                   oids: list[str] | tuple[str, ...], non_repeaters: int = 0,
                   max_repetitions: int = 0) -> bytes:
    """One request message. For GET_BULK, non_repeaters/max_repetitions fill the error fields."""
    varbinds = b"".join(_tlv(_SEQUENCE, _tlv(OBJECT_IDENTIFIER, encode_oid(o)) + b"\x05\x00")
                        for o in oids)
    if pdu_type == GET_BULK:
        fields = _int(non_repeaters) + _int(max_repetitions)
    else:
        fields = b"\x02\x01\x00\x02\x01\x00"
    pdu = _tlv(pdu_type, _int(request_id) + fields + _tlv(_SEQUENCE, varbinds))
    return _tlv(_SEQUENCE, _int(version) + _tlv(OCTET_STRING, community) + pdu)


def encode_value(tag: int, value: int | bytes | str | None) -> bytes:
    """One SNMP value as TLV (used by tests and test peers)."""
    if value is None:
        return bytes((tag, 0))
    if tag == INTEGER:
        return _int(value)  # type: ignore[arg-type]
    if tag in _UNSIGNED:
        n = int(value)  # type: ignore[arg-type]
        return _tlv(tag, n.to_bytes(n.bit_length() // 8 + 1, "big"))
    if tag == OBJECT_IDENTIFIER:
        return _tlv(tag, encode_oid(str(value)))
    if tag == IP_ADDRESS:
        return _tlv(tag, bytes(int(x) for x in str(value).split(".")))
    return _tlv(tag, bytes(value))  # type: ignore[arg-type]


def encode_response(*, version: int, community: bytes, request_id: int, error_status: int = 0,
                    error_index: int = 0, varbinds: list[tuple[str, Value]],
                    pdu_type: int = RESPONSE) -> bytes:
    """A Response message (for tests and test peers; the client never sends one)."""
    body = b"".join(_tlv(_SEQUENCE, _tlv(OBJECT_IDENTIFIER, encode_oid(o)) + encode_value(*v))
                    for o, v in varbinds)
    pdu = _tlv(pdu_type, _int(request_id) + _int(error_status) + _int(error_index)
               + _tlv(_SEQUENCE, body))
    return _tlv(_SEQUENCE, _int(version) + _tlv(OCTET_STRING, community) + pdu)


# --- decoding -------------------------------------------------------------------------------

def _header(data: bytes, pos: int, end: int) -> tuple[int, int, int]:
    """Read a tag and length at pos; return (tag, content_start, content_end)."""
    if pos + 2 > end:
        raise DecodeError("truncated TLV header")
    tag = data[pos]
    if tag & 0x1F == 0x1F:
        raise DecodeError("multi-byte tags are not used by SNMP")
    n = data[pos + 1]
    pos += 2
    if n & 0x80:
        n &= 0x7F
        if n == 0 or n > 4:
            raise DecodeError("unsupported length form")
        if pos + n > end:
            raise DecodeError("truncated length")
        length = int.from_bytes(data[pos:pos + n], "big")
        pos += n
    else:
        length = n
    stop = pos + length
    if stop > end:
        raise DecodeError("length runs past the end of its container")
    return tag, pos, stop


def _expect(data: bytes, pos: int, end: int, tag: int) -> tuple[int, int]:
    got, start, stop = _header(data, pos, end)
    if got != tag:
        raise DecodeError(f"expected tag 0x{tag:02x}, got 0x{got:02x}")
    return start, stop


def _read_int(data: bytes, pos: int, end: int) -> tuple[int, int]:
    start, stop = _expect(data, pos, end, INTEGER)
    if start == stop:
        raise DecodeError("empty INTEGER")
    return int.from_bytes(data[start:stop], "big", signed=True), stop


def _first_arcs(first: int) -> str:
    return "0.%d" % first if first < 40 else "1.%d" % (first - 40) if first < 80 \
        else "2.%d" % (first - 80)


def decode_oid(body: bytes) -> str:
    """Dotted string of a BER OID body."""
    if not body:
        raise DecodeError("empty OBJECT IDENTIFIER")
    if body[-1] & 0x80:
        raise DecodeError("OID ends inside a sub-identifier")
    high = _HIGH_BYTE.search(body)
    if high is None:  # every sub-identifier fits one byte
        head = _first_arcs(body[0])
        return head + "." + ".".join(map(str, body[1:])) if len(body) > 1 else head
    k = high.start()
    arcs: list[int] = list(body[1:k]) if k else []
    acc, first = 0, None if k == 0 else body[0]
    for b in body[k:] if k else body:
        if acc == 0 and b == 0x80:
            raise DecodeError("non-minimal sub-identifier")
        acc = (acc << 7) | (b & 0x7F)
        if not b & 0x80:
            if first is None:
                first = acc
            else:
                arcs.append(acc)
            acc = 0
    assert first is not None
    head = _first_arcs(first)
    return head + "." + ".".join(map(str, arcs)) if arcs else head


def peek_request_id(data: bytes) -> int | None:
    """The request-id of an SNMP v1/v2c message, or None when it cannot be read."""
    try:
        end = len(data)
        pos, end = _expect(data, 0, end, _SEQUENCE)
        _, pos = _read_int(data, pos, end)
        pos = _expect(data, pos, end, OCTET_STRING)[1]
        _, pos, end = _header(data, pos, end)
        return _read_int(data, pos, end)[0]
    except DecodeError:
        return None


def decode_response(data: bytes) -> Response:
    """Decode a v1/v2c Response (or Report) message. Raises DecodeError on malformed input."""
    return decode_message(data, (RESPONSE, REPORT))


def decode_message(data: bytes, pdu_types: tuple[int, ...] = (GET, GET_NEXT, RESPONSE,
                                                              GET_BULK, REPORT)) -> Response:
    """Decode any v1/v2c message whose PDU type is in pdu_types (for GET_BULK the error
    fields hold non-repeaters and max-repetitions)."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise DecodeError("not bytes")
    data = bytes(data)
    pos, end = _expect(data, 0, len(data), _SEQUENCE)
    version, pos = _read_int(data, pos, end)
    cstart, pos = _expect(data, pos, end, OCTET_STRING)
    community = data[cstart:pos]
    pdu_type, pos, end = _header(data, pos, end)
    if pdu_type not in pdu_types:
        raise DecodeError(f"unexpected PDU type 0x{pdu_type:02x}")
    request_id, pos = _read_int(data, pos, end)
    error_status, pos = _read_int(data, pos, end)
    error_index, pos = _read_int(data, pos, end)
    pos, end = _expect(data, pos, end, _SEQUENCE)
    varbinds: list[tuple[str, Value]] = []
    append = varbinds.append
    from_bytes = int.from_bytes
    while pos < end:
        if data[pos] != _SEQUENCE:
            raise DecodeError("varbind is not a SEQUENCE")
        vb_start, vb_end = _expect(data, pos, end, _SEQUENCE)
        ostart, opos = _expect(data, vb_start, vb_end, OBJECT_IDENTIFIER)
        oid = decode_oid(data[ostart:opos])
        tag, vstart, vstop = _header(data, opos, vb_end)
        if vstop != vb_end:
            raise DecodeError("trailing bytes in varbind")
        if tag in _UNSIGNED:
            if vstart == vstop:
                raise DecodeError("empty unsigned integer")
            value: int | bytes | str | None = from_bytes(data[vstart:vstop], "big")
        elif tag in _BYTES:
            value = data[vstart:vstop]
        elif tag == INTEGER:
            if vstart == vstop:
                raise DecodeError("empty INTEGER")
            value = from_bytes(data[vstart:vstop], "big", signed=True)
        elif tag in _EMPTY:
            if vstart != vstop:
                raise DecodeError("NULL/exception with content")
            value = None
        elif tag == OBJECT_IDENTIFIER:
            value = decode_oid(data[vstart:vstop])
        elif tag == IP_ADDRESS:
            if vstop - vstart != 4:
                raise DecodeError("IpAddress is not 4 bytes")
            value = "%d.%d.%d.%d" % tuple(data[vstart:vstop])
        else:
            raise DecodeError(f"unsupported value tag 0x{tag:02x}")
        append((oid, (tag, value)))
        pos = vb_end
    return Response(version, community, pdu_type, request_id, error_status, error_index,
                    varbinds)
