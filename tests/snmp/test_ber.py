"""BER codec: round trips, pysnmp agreement on synthetic packets, hostile input."""

from __future__ import annotations

import random

import pytest

from monitor.errors import VigieError
from monitor.snmp import ber
from monitor.snmp.types import (
    COUNTER32, COUNTER64, END_OF_MIB_VIEW, GAUGE32, INTEGER, IP_ADDRESS, NO_SUCH_INSTANCE,
    NO_SUCH_OBJECT, NULL, OBJECT_IDENTIFIER, OCTET_STRING, OPAQUE, TIMETICKS,
)
from tests.snmp.pysnmp_ref import decode_with_pysnmp

VARBINDS = [
    ("1.3.6.1.2.1.1.1.0", (OCTET_STRING, b"Linux box \x00\xff")),
    ("1.3.6.1.2.1.1.3.0", (TIMETICKS, 4294967295)),
    ("1.3.6.1.2.1.2.2.1.8.1", (INTEGER, -1)),
    ("1.3.6.1.2.1.2.2.1.8.2", (INTEGER, -2147483648)),
    ("1.3.6.1.2.1.2.2.1.8.3", (INTEGER, 2147483647)),
    ("1.3.6.1.2.1.2.2.1.8.4", (INTEGER, 0)),
    ("1.3.6.1.2.1.31.1.1.1.6.1", (COUNTER64, 2**64 - 1)),
    ("1.3.6.1.2.1.31.1.1.1.6.2", (COUNTER64, 0)),
    ("1.3.6.1.2.1.2.2.1.10.1", (COUNTER32, 2**31)),
    ("1.3.6.1.2.1.2.2.1.5.1", (GAUGE32, 4294967295)),
    ("1.3.6.1.2.1.4.20.1.1.10.0.0.1", (IP_ADDRESS, "10.0.0.1")),
    ("1.3.6.1.2.1.1.2.0", (OBJECT_IDENTIFIER, "1.3.6.1.4.1.8072.3.2.10")),
    ("1.3.6.1.4.1.4294967295.2097152.16384.128.127", (OPAQUE, b"\x9f\x78\x04\x3f\x80\x00\x00")),
    ("1.3.6.1.2.1.1.9.0", (NULL, None)),
    ("1.3.6.1.2.1.1.99.0", (NO_SUCH_OBJECT, None)),
    ("1.3.6.1.2.1.1.1.99", (NO_SUCH_INSTANCE, None)),
    ("1.3.6.1.9", (END_OF_MIB_VIEW, None)),
    ("2.999.3", (OCTET_STRING, b"x" * 300)),  # long length form, arc 2 with a large second arc
]


def _response(varbinds=VARBINDS, **kw) -> bytes:
    args = dict(version=ber.VERSION_2C, community=b"public", request_id=123456789)
    args.update(kw)
    return ber.encode_response(varbinds=varbinds, **args)


def test_response_round_trip_and_pysnmp_agree() -> None:
    data = _response(error_status=0, error_index=0)
    ours = ber.decode_response(data)
    assert ours.varbinds == VARBINDS
    assert (ours.version, ours.community, ours.request_id) == (1, b"public", 123456789)
    ref = decode_with_pysnmp(data)
    assert ref["varbinds"] == ours.varbinds
    assert ref["request_id"] == ours.request_id


@pytest.mark.parametrize("rid", [0, 1, 127, 128, 255, 256, 2**31 - 1, -1, -(2**31)])
def test_request_ids_and_error_fields(rid: int) -> None:
    data = _response(varbinds=VARBINDS[:1], request_id=rid, error_status=2, error_index=1)
    ours = ber.decode_response(data)
    assert (ours.request_id, ours.error_status, ours.error_index) == (rid, 2, 1)
    assert ber.peek_request_id(data) == rid


@pytest.mark.parametrize("pdu_type", [ber.GET, ber.GET_NEXT, ber.GET_BULK])
def test_requests_decode_in_pysnmp(pdu_type: int) -> None:
    oids = ["1.3.6.1.2.1.2.2", "1.3.6.1.4.1.4294967295.268435456.0", "0.0", "2.1000.7"]
    data = ber.encode_request(version=ber.VERSION_2C, community=b"s3cr\xe9t", pdu_type=pdu_type,
                              request_id=2**31 - 1, oids=oids, non_repeaters=1,
                              max_repetitions=1000)
    ref = decode_with_pysnmp(data)
    assert ref["community"] == b"s3cr\xe9t"
    assert ref["request_id"] == 2**31 - 1
    assert [o for o, _ in ref["varbinds"]] == oids
    if pdu_type == ber.GET_BULK:
        assert (ref["non_repeaters"], ref["max_repetitions"]) == (1, 1000)
    mine = ber.decode_message(data)
    assert mine.pdu_type == pdu_type and [o for o, _ in mine.varbinds] == oids


def test_v1_request_decodes_in_pysnmp() -> None:
    data = ber.encode_request(version=ber.VERSION_1, community=b"public", pdu_type=ber.GET_NEXT,
                              request_id=7, oids=["1.3.6.1.2.1.1"])
    assert decode_with_pysnmp(data, version=0)["varbinds"] == [("1.3.6.1.2.1.1", (NULL, None))]


@pytest.mark.parametrize("oid", ["1", "3.1", "1.40", "1.3.-1", "1.x.3", ""])
def test_bad_oids_are_rejected_when_encoding(oid: str) -> None:
    with pytest.raises(ValueError):
        ber.encode_oid(oid)


def test_decode_error_is_a_vigie_error() -> None:
    assert issubclass(ber.DecodeError, VigieError)


def test_every_truncation_raises_decode_error() -> None:
    data = _response()
    for cut in range(len(data)):
        with pytest.raises(ber.DecodeError):
            ber.decode_response(data[:cut])


def test_random_corruption_only_raises_decode_error() -> None:
    data = _response()
    rng = random.Random(20261122)
    decoded = 0
    for _ in range(3000):
        buf = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            buf[rng.randrange(len(buf))] = rng.randrange(256)
        try:
            ber.decode_response(bytes(buf))
            decoded += 1
        except ber.DecodeError:
            pass
    assert decoded < 3000  # most corruptions are caught, none escape as another exception


@pytest.mark.parametrize("blob", [
    b"",
    b"\x30",
    b"\x30\x84\xff\xff\xff\xff" + b"\x02\x01\x01",              # huge length
    b"\x30\x89" + b"\xff" * 9,                                  # length of length too long
    b"\x30\x80\x02\x01\x01\x00\x00",                            # indefinite length
    b"\x30\x80" * 10000,                                        # deep nesting
    b"\x30\x82\xff\xff" + b"\x30\x82\xff\xfb" * 16000,          # nested huge lengths
    b"\x1f\x81\x00",                                            # multi-byte tag
    b"\x30\x03\x02\x00\x00",                                    # empty INTEGER
    _response(pdu_type=ber.GET),                                # not a response PDU
])
def test_hostile_blobs(blob: bytes) -> None:
    with pytest.raises(ber.DecodeError):
        ber.decode_response(blob)
    assert ber.peek_request_id(blob) is None or isinstance(ber.peek_request_id(blob), int)


@pytest.mark.parametrize("value", [
    (OBJECT_IDENTIFIER, b""),            # empty OID
    (OBJECT_IDENTIFIER, b"\x2b\x86"),    # OID ending inside a sub-identifier
    (IP_ADDRESS, b"\x01\x02\x03"),       # short IpAddress
    (COUNTER32, b""),                    # empty counter
    (NULL, b"\x00"),                     # NULL with content
    (0x30, b""),                         # constructed value
])
def test_bad_values(value: tuple[int, bytes]) -> None:
    tag, body = value
    vb = b"\x06\x03\x2b\x06\x01" + bytes((tag, len(body))) + body
    vbl = b"\x30" + bytes((len(vb) + 2,)) + b"\x30" + bytes((len(vb),)) + vb
    pdu = b"\x02\x01\x01\x02\x01\x00\x02\x01\x00" + vbl
    msg = b"\x02\x01\x01\x04\x01p" + b"\xa2" + bytes((len(pdu),)) + pdu
    data = b"\x30" + bytes((len(msg),)) + msg
    with pytest.raises(ber.DecodeError):
        ber.decode_response(data)


def test_request_pdu_is_not_a_response() -> None:
    data = ber.encode_request(version=1, community=b"p", pdu_type=ber.GET, request_id=1,
                              oids=["1.3.6"])
    with pytest.raises(ber.DecodeError):
        ber.decode_response(data)
