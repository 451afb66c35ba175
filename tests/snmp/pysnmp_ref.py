"""pysnmp as the reference decoder: the same bytes decoded by pysnmp/pyasn1, in our value form."""

from __future__ import annotations

from typing import Any

from pyasn1.codec.ber import decoder
from pysnmp.proto import api

from monitor.snmp.v3 import from_pysnmp

V2C = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]
V1 = api.PROTOCOL_MODULES[api.SNMP_VERSION_1]


def decode_with_pysnmp(data: bytes, version: int = 1) -> dict[str, Any]:
    """Decode a v1 (version=0) or v2c (version=1) message with pysnmp."""
    mod = V1 if version == 0 else V2C
    msg, _rest = decoder.decode(data, asn1Spec=mod.Message())
    pdu = mod.apiMessage.get_pdu(msg)
    out: dict[str, Any] = {
        "version": int(mod.apiMessage.get_version(msg)),
        "community": bytes(mod.apiMessage.get_community(msg)),
        "request_id": int(mod.apiPDU.get_request_id(pdu)),
        "varbinds": [(".".join(map(str, name.asTuple())), from_pysnmp(val))
                     for name, val in mod.apiPDU.get_varbinds(pdu)],
    }
    if pdu.tagSet == V2C.GetBulkRequestPDU.tagSet:
        out["non_repeaters"] = int(V2C.apiBulkPDU.get_non_repeaters(pdu))
        out["max_repetitions"] = int(V2C.apiBulkPDU.get_max_repetitions(pdu))
    else:
        out["error_status"] = int(mod.apiPDU.get_error_status(pdu))
        out["error_index"] = int(mod.apiPDU.get_error_index(pdu))
    return out
