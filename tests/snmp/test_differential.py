"""Real snmpd response packets decoded by our codec and by pysnmp must agree exactly."""

from __future__ import annotations

import socket

from monitor.snmp import ber
from monitor.snmp.session import oid_key
from tests.peers.snmpd import Snmpd
from tests.snmp.pysnmp_ref import decode_with_pysnmp


def _capture(agent: Snmpd, version: int, pdu_type: int, oids: list[str], reps: int = 0,
             rid: int = 1) -> bytes:
    packet = ber.encode_request(version=version, community=agent.community.encode(),
                                pdu_type=pdu_type, request_id=rid, oids=oids,
                                max_repetitions=reps)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(3)
        s.sendto(packet, (agent.host, agent.port))
        return s.recv(65535)


def _agree(data: bytes, version: int) -> ber.Response:
    ours = ber.decode_response(data)
    ref = decode_with_pysnmp(data, version)
    assert ours.varbinds == ref["varbinds"]
    assert (ours.request_id, ours.error_status, ours.error_index) == (
        ref["request_id"], ref["error_status"], ref["error_index"])
    assert ours.community == ref["community"]
    return ours


def test_whole_mib_in_bulk_packets(agent: Snmpd) -> None:
    """Walk the agent's whole MIB with raw GETBULKs: every packet decodes identically."""
    last, packets, tags = "1.3.6.1", 0, set()
    while packets < 400:
        data = _capture(agent, ber.VERSION_2C, ber.GET_BULK, [last], reps=50, rid=packets + 1)
        resp = _agree(data, ber.VERSION_2C)
        packets += 1
        tags.update(v[0] for _, v in resp.varbinds)
        if resp.varbinds[-1][1][0] == 0x82 or oid_key(resp.varbinds[-1][0]) <= oid_key(last):
            break
        last = resp.varbinds[-1][0]
    assert packets > 5
    # the agent's MIB exercises most value types
    assert {0x02, 0x04, 0x06, 0x40, 0x41, 0x42, 0x43, 0x46} <= tags


def test_exceptions_and_v1_errors(agent: Snmpd) -> None:
    oids = ["1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.99.0", "1.3.6.1.2.1.1.1.5", "1.3.6.1.2.1.1.3.0"]
    resp = _agree(_capture(agent, ber.VERSION_2C, ber.GET, oids), ber.VERSION_2C)
    assert [v[0] for _, v in resp.varbinds] == [0x04, 0x80, 0x81, 0x43]
    v1 = _agree(_capture(agent, ber.VERSION_1, ber.GET, oids), ber.VERSION_1)
    assert v1.error_status == ber.NO_SUCH_NAME and v1.error_index in (2, 3)
    end = _agree(_capture(agent, ber.VERSION_2C, ber.GET_NEXT, ["2.9"]), ber.VERSION_2C)
    assert end.varbinds == [("2.9", (0x82, None))]
