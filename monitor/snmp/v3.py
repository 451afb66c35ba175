"""SNMPv3 through pysnmp 7 (one shared SnmpEngine). USM security stays pysnmp's job.

Each request is a single ``get_cmd``/``next_cmd``/``bulk_cmd`` with pysnmp retries off: the
shared ``Session`` logic does retries, walks and accounting. pysnmp values are converted to our
``(tag, value)`` pairs by ``from_pysnmp`` (also used by the differential tests).
"""

from __future__ import annotations

import socket
from typing import Any, Sequence

from pysnmp.hlapi.v3arch import asyncio as hl
from pysnmp.proto import errind

from monitor.errors import ProbeSetupError
from monitor.probes.base import Reason
from monitor.snmp import ber
from monitor.snmp.client import RCVBUF_BYTES, Target
from monitor.snmp.session import Reply
from monitor.snmp.types import IP_ADDRESS, NULL, OBJECT_IDENTIFIER, EXCEPTIONS, Value

AUTH_PROTOCOLS = {
    "md5": hl.usmHMACMD5AuthProtocol, "sha": hl.usmHMACSHAAuthProtocol,
    "sha224": hl.usmHMAC128SHA224AuthProtocol, "sha256": hl.usmHMAC192SHA256AuthProtocol,
    "sha384": hl.usmHMAC256SHA384AuthProtocol, "sha512": hl.usmHMAC384SHA512AuthProtocol,
}
# aes192/aes256 use the Blumenthal key extension (net-snmp "AES192", gosnmp "AES192");
# aes192c/aes256c the Reeder one used by Cisco (net-snmp "AES192C").
PRIV_PROTOCOLS = {
    "des": hl.usmDESPrivProtocol, "aes": hl.usmAesCfb128Protocol,
    "aes128": hl.usmAesCfb128Protocol, "aes192": hl.usmAesBlumenthalCfb192Protocol,
    "aes256": hl.usmAesBlumenthalCfb256Protocol, "aes192c": hl.usmAesCfb192Protocol,
    "aes256c": hl.usmAesCfb256Protocol,
}
_AUTH_ERRORS = (errind.UnknownUserName, errind.WrongDigest, errind.DecryptionError,
                errind.AuthenticationError, errind.AuthenticationFailure,
                errind.UnknownEngineID, errind.UnsupportedSecurityLevel,
                errind.NotInTimeWindow, errind.UnknownSecurityName, errind.NoEncryption,
                errind.NoAuthentication, errind.UnsupportedAuthProtocol,
                errind.UnsupportedPrivProtocol)


def from_pysnmp(value: Any) -> Value:
    """A pysnmp/pyasn1 SNMP value as our ``(tag, python value)`` pair."""
    tag0 = value.tagSet[-1]
    tag = tag0.tagClass | tag0.tagId  # SNMP values are all primitive, one-byte tags
    if tag in EXCEPTIONS or tag == NULL:
        return tag, None
    if tag == OBJECT_IDENTIFIER:
        return tag, ".".join(map(str, value.asTuple()))
    if tag == IP_ADDRESS:
        return tag, socket.inet_ntoa(value.asOctets())
    if hasattr(value, "asOctets"):
        return tag, value.asOctets()
    return tag, int(value)


def _usm(target: Target) -> hl.UsmUserData:
    try:
        auth = AUTH_PROTOCOLS[target.auth_protocol.lower()] if target.auth_protocol \
            else hl.usmNoAuthProtocol
        priv = PRIV_PROTOCOLS[target.priv_protocol.lower()] if target.priv_protocol \
            else hl.usmNoPrivProtocol
    except KeyError as err:
        raise ProbeSetupError(f"unknown SNMPv3 protocol {err.args[0]!r}") from err
    # Note: pysnmp keys users by name in the shared engine; two agents that share a user name
    # with different keys in one client would overwrite each other (not seen in practice).
    return hl.UsmUserData(target.user, authKey=target.auth_key, privKey=target.priv_key,
                          authProtocol=auth, privProtocol=priv)


class V3Engine:
    """The one pysnmp SnmpEngine of a client."""

    def __init__(self) -> None:
        self.engine = hl.SnmpEngine()
        self._rcvbuf_done = False

    def exchanger(self, target: Target) -> "V3Exchanger":
        return V3Exchanger(self, target)

    def raise_rcvbuf(self) -> None:
        if self._rcvbuf_done:
            return
        dispatcher = self.engine.transport_dispatcher
        if dispatcher is None:
            return
        for domain in (hl.UdpTransportTarget.TRANSPORT_DOMAIN,
                       hl.Udp6TransportTarget.TRANSPORT_DOMAIN):
            try:
                transport = dispatcher.get_transport(domain)
            except Exception:  # noqa: BLE001 - pysnmp raises various errors for "not there"
                continue
            aio = getattr(transport, "transport", None)
            sock = aio.get_extra_info("socket") if aio is not None else None
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF_BYTES)
                self._rcvbuf_done = True

    def close(self) -> None:
        dispatcher = self.engine.transport_dispatcher
        if dispatcher is not None:
            dispatcher.close_dispatcher()


class V3Exchanger:
    """One v3 target: a single request per call, pysnmp retries off."""

    def __init__(self, owner: V3Engine, target: Target) -> None:
        self.owner = owner
        self.target = target
        self.auth = _usm(target)
        self.context = hl.ContextData(contextName=target.context.encode())
        self.transport: Any = None

    async def exchange(self, pdu_type: int, oids: Sequence[str], max_repetitions: int) -> Reply:
        if self.transport is None:
            cls = hl.Udp6TransportTarget if ":" in self.target.host else hl.UdpTransportTarget
            try:
                self.transport = await cls.create((self.target.host, self.target.port),
                                                  timeout=self.target.timeout, retries=0)
            except Exception as err:  # noqa: BLE001 - pysnmp wraps resolver errors loosely
                return Reply(Reason.DNS_ERROR, detail=f"cannot resolve {self.target.host}: {err}")
        engine = self.owner.engine
        var_binds = [hl.ObjectType(hl.ObjectIdentity(o)) for o in oids]
        args = (engine, self.auth, self.transport, self.context)
        if pdu_type == ber.GET:
            res = await hl.get_cmd(*args, *var_binds, lookupMib=False)
        elif pdu_type == ber.GET_NEXT:
            res = await hl.next_cmd(*args, *var_binds, lookupMib=False)
        else:
            res = await hl.bulk_cmd(*args, 0, max_repetitions, *var_binds, lookupMib=False)
        self.owner.raise_rcvbuf()
        indication, status, index, vbs = res
        if indication:
            if isinstance(indication, errind.RequestTimedOut):
                return Reply(Reason.TIMEOUT)
            if isinstance(indication, _AUTH_ERRORS):
                return Reply(Reason.AUTH_ERROR, detail=str(indication))
            return Reply(Reason.BAD_RESPONSE, detail=str(indication))
        rows = [(".".join(map(str, name.asTuple())), from_pysnmp(val)) for name, val in vbs]
        return Reply(Reason.OK, int(status), int(index), rows)
