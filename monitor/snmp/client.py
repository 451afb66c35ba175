"""SNMP client: one shared UDP socket with request-id demux for v1/v2c, pysnmp for v3.

    async with SnmpClient() as client:
        session = client.session(Target(host="127.0.0.1", port=1161))
        outcome = await session.walk("1.3.6.1.2.1.2.2")
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import secrets
import socket
import struct
from dataclasses import dataclass, field
from typing import Literal, Sequence

from monitor.errors import ProbeSetupError
from monitor.probes.base import Reason
from monitor.snmp import ber
from monitor.snmp.session import Reply, Session

RCVBUF_BYTES = 4 * 1024 * 1024
_IP_RECVERR, _IPV6_RECVERR = 11, 25  # Linux; ICMP errors land in the socket's error queue


@dataclass(frozen=True, kw_only=True)
class Target:
    host: str
    port: int = 161
    version: Literal["1", "2c", "3"] = "2c"
    community: str = field(default="public", repr=False)
    user: str = ""
    auth_protocol: str | None = None  # md5, sha, sha224, sha256, sha384, sha512
    auth_key: str | None = field(default=None, repr=False)
    priv_protocol: str | None = None  # des, aes (=aes128), aes192, aes256 (+ aes192c/aes256c)
    priv_key: str | None = field(default=None, repr=False)
    context: str = ""
    timeout: float = 2.0
    retries: int = 1
    max_repetitions: int = 25
    max_oids_per_get: int = 32


class _Endpoint(asyncio.DatagramProtocol):
    """One UDP socket of one address family; routes answers to waiters by request-id."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.transport: asyncio.DatagramTransport | None = None
        self.pending: dict[int, tuple[asyncio.Future[bytes | Reason], tuple[str, int]]] = {}
        self.stray = 0  # datagrams no request was waiting for

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple) -> None:  # type: ignore[type-arg]
        entry = self.pending.get(ber.peek_request_id(data))  # type: ignore[arg-type]
        if entry is None or entry[1] != (addr[0], addr[1]) or entry[0].done():
            self.stray += 1
            return
        entry[0].set_result(data)

    def error_received(self, exc: Exception) -> None:
        """Drain the error queue: each entry names the datagram (hence request) that failed."""
        for _ in range(1000):
            try:
                data, ancdata, _flags, _addr = self.sock.recvmsg(
                    2048, 512, socket.MSG_ERRQUEUE | socket.MSG_DONTWAIT)
            except OSError:
                return
            code = errno.ECONNREFUSED
            for level, kind, cdata in ancdata:
                if kind in (_IP_RECVERR, _IPV6_RECVERR) and len(cdata) >= 4:
                    code = struct.unpack("=I", cdata[:4])[0]
            entry = self.pending.get(ber.peek_request_id(data))  # type: ignore[arg-type]
            if entry is not None and not entry[0].done():
                refused = code == errno.ECONNREFUSED
                entry[0].set_result(Reason.REFUSED if refused else Reason.UNREACHABLE)


#: clean bulk replies at a reduced max-repetitions before it is allowed to double again
REGROW_AFTER = 50


class SnmpClient:
    """Owns the shared v1/v2c sockets (one per address family), the v3 engine, the
    request-id counter and what was learned about each device's max-repetitions."""

    def __init__(self) -> None:
        self._endpoints: dict[int, _Endpoint] = {}
        self._next_id = secrets.randbelow(2**30) + 1
        self._max_reps: dict[tuple[str, int], int] = {}
        self._clean: dict[tuple[str, int], int] = {}  # clean bulk replies since the last cut
        self._v3: object | None = None  # monitor.snmp.v3.V3Engine, created on first v3 target
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        await self._endpoint(socket.AF_INET)

    async def close(self) -> None:
        for ep in self._endpoints.values():
            for fut, _ in ep.pending.values():
                if not fut.done():
                    fut.set_result(Reason.TIMEOUT)
            if ep.transport is not None:
                ep.transport.close()
        self._endpoints.clear()
        if self._v3 is not None:
            self._v3.close()  # type: ignore[attr-defined]
            self._v3 = None

    async def __aenter__(self) -> "SnmpClient":
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def session(self, target: Target) -> Session:
        if target.version == "3":
            from monitor.snmp.v3 import V3Engine  # pysnmp is only imported when v3 is used
            if self._v3 is None:
                self._v3 = V3Engine()
            return Session(self, target, self._v3.exchanger(target))  # type: ignore[attr-defined]
        if target.version not in ("1", "2c"):
            raise ProbeSetupError(f"unknown SNMP version {target.version!r}")
        return Session(self, target, _FastExchanger(self, target))

    def max_repetitions_for(self, host: str, port: int) -> int | None:
        """The max-repetitions learned for this device (None: nothing learned yet)."""
        return self._max_reps.get((host, port))

    def remember_max_repetitions(self, host: str, port: int, value: int) -> None:
        self._max_reps[(host, port)] = max(1, value)
        self._clean[(host, port)] = 0

    def note_clean_bulk(self, host: str, port: int, ceiling: int) -> None:
        """A bulk reply came back whole at the learned value. After :data:`REGROW_AFTER` of
        them the value doubles again, up to the configured one: a few lost packets must not
        leave a device walked one row per PDU for ever."""
        key = (host, port)
        learned = self._max_reps.get(key)
        if learned is None:
            return
        clean = self._clean.get(key, 0) + 1
        if clean >= REGROW_AFTER:
            grown, clean = min(ceiling, learned * 2), 0
            if grown >= ceiling:
                del self._max_reps[key]
            else:
                self._max_reps[key] = grown
        self._clean[key] = clean

    def stray_datagrams(self) -> int:
        return sum(ep.stray for ep in self._endpoints.values())

    async def _endpoint(self, family: int) -> _Endpoint:
        ep = self._endpoints.get(family)
        if ep is not None:
            return ep
        async with self._lock:
            if family not in self._endpoints:
                sock = socket.socket(family, socket.SOCK_DGRAM)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF_BYTES)
                try:
                    if family == socket.AF_INET:
                        sock.setsockopt(socket.IPPROTO_IP, _IP_RECVERR, 1)
                    else:
                        sock.setsockopt(socket.IPPROTO_IPV6, _IPV6_RECVERR, 1)
                except OSError:
                    pass  # not Linux: refused targets then show up as timeouts
                sock.bind(("0.0.0.0", 0) if family == socket.AF_INET else ("::", 0))
                sock.setblocking(False)
                loop = asyncio.get_running_loop()
                _, proto = await loop.create_datagram_endpoint(lambda: _Endpoint(sock), sock=sock)
                self._endpoints[family] = proto
        return self._endpoints[family]

    def _request_id(self, pending: dict[int, object]) -> int:
        while True:
            rid = self._next_id
            self._next_id = rid + 1 if rid < 2**31 - 1 else 1
            if rid not in pending:
                return rid


class _FastExchanger:
    """v1/v2c requests through our codec on the client's shared socket."""

    def __init__(self, client: SnmpClient, target: Target) -> None:
        self.client = client
        self.target = target
        self.version = ber.VERSION_1 if target.version == "1" else ber.VERSION_2C
        self.community = target.community.encode()
        self.addr: tuple[str, int] | None = None
        self.family = socket.AF_INET

    async def _resolve(self) -> Reply | None:
        host = self.target.host.strip("[]")
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(
                    host, self.target.port, type=socket.SOCK_DGRAM)
            except OSError as err:
                return Reply(Reason.DNS_ERROR, detail=f"cannot resolve {host}: {err}")
            ip = ipaddress.ip_address(infos[0][4][0])
        self.family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
        self.addr = (str(ip), self.target.port)
        return None

    async def exchange(self, pdu_type: int, oids: Sequence[str], max_repetitions: int) -> Reply:
        if self.addr is None and (failed := await self._resolve()) is not None:
            return failed
        assert self.addr is not None
        ep = await self.client._endpoint(self.family)
        rid = self.client._request_id(ep.pending)
        try:
            packet = ber.encode_request(
                version=self.version, community=self.community, pdu_type=pdu_type,
                request_id=rid, oids=oids, max_repetitions=max_repetitions)
        except ValueError as err:
            raise ProbeSetupError(str(err)) from err
        fut: asyncio.Future[bytes | Reason] = asyncio.get_running_loop().create_future()
        ep.pending[rid] = (fut, self.addr)
        try:
            assert ep.transport is not None
            ep.transport.sendto(packet, self.addr)
            answer = await asyncio.wait_for(fut, self.target.timeout)
        except asyncio.TimeoutError:
            return Reply(Reason.TIMEOUT)
        except OSError as err:
            return Reply(Reason.UNREACHABLE, detail=str(err))
        finally:
            ep.pending.pop(rid, None)
        if isinstance(answer, Reason):
            return Reply(answer, detail=f"{answer.value} by {self.addr[0]}:{self.addr[1]}")
        try:
            resp = ber.decode_response(answer)
        except ber.DecodeError as err:
            return Reply(Reason.BAD_RESPONSE, detail=f"malformed response: {err}")
        if resp.request_id != rid:
            return Reply(Reason.BAD_RESPONSE, detail="request-id mismatch")
        return Reply(Reason.OK, resp.error_status, resp.error_index, resp.varbinds)
