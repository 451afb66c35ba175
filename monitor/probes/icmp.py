"""ICMP echo probe: loss ratio, min/avg/max RTT and jitter over several echo requests.

Socket choice: an unprivileged ICMP socket (``SOCK_DGRAM`` + ``IPPROTO_ICMP[V6]``) when the
caller's group is inside ``net.ipv4.ping_group_range``, else a raw socket when the process
has ``CAP_NET_RAW``, else a ``permission_error`` result telling how to allow one of them.
With datagram sockets the kernel rewrites the echo identifier, so replies are matched by
sequence number plus a random per-run payload token (and by identifier too on raw sockets).

Jitter is the mean absolute difference between consecutive RTTs of the replies received
(the RFC 3550 |D(i-1,i)| term, averaged without the 1/16 smoothing). All times in seconds.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import os
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from monitor.probes.base import Reason, Result, Sample, Stats


@dataclass(frozen=True, kw_only=True)
class IcmpOptions:
    count: int = 3          # echo requests per poll
    interval: float = 0.2   # seconds between requests
    timeout: float = 1.0    # seconds to wait for each reply
    size: int = 56          # payload bytes
    ip_family: Literal["any", "ipv4", "ipv6"] = "any"   # for host names


SocketMode = Literal["dgram", "raw"]

_ECHO_REQUEST = {socket.AF_INET: 8, socket.AF_INET6: 128}
_ECHO_REPLY = {socket.AF_INET: 0, socket.AF_INET6: 129}
_PROTO = {socket.AF_INET: socket.IPPROTO_ICMP, socket.AF_INET6: socket.IPPROTO_ICMPV6}
_TOKEN_LEN = 8
_FAMILY = {"any": socket.AF_UNSPEC, "ipv4": socket.AF_INET, "ipv6": socket.AF_INET6}
_UNREACHABLE_ERRNOS = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL,
                       errno.ENETDOWN, errno.EINVAL}

PERMISSION_HINT = ("cannot open an ICMP socket: allow unprivileged ping with "
                   "`sysctl -w net.ipv4.ping_group_range=\"0 2147483647\"` (or a range holding "
                   "the daemon's group), or give the daemon CAP_NET_RAW "
                   "(systemd: AmbientCapabilities=CAP_NET_RAW)")


class IcmpPermissionError(PermissionError):
    """Neither a datagram nor a raw ICMP socket may be opened by this process."""


def open_icmp_socket(family: int) -> tuple[socket.socket, SocketMode]:
    """A non-blocking ICMP socket: unprivileged datagram first, raw as the fallback."""
    for kind, mode in ((socket.SOCK_DGRAM, "dgram"), (socket.SOCK_RAW, "raw")):
        try:
            sock = socket.socket(family, kind, _PROTO[family])
        except PermissionError:
            continue
        sock.setblocking(False)
        return sock, mode  # type: ignore[return-value]
    raise IcmpPermissionError(PERMISSION_HINT)


def checksum(data: bytes) -> int:
    """RFC 1071 Internet checksum."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def echo_request(family: int, ident: int, seq: int, payload: bytes) -> bytes:
    """An ICMP/ICMPv6 echo request (the kernel fills the ICMPv6 checksum itself)."""
    head = struct.pack("!BBHHH", _ECHO_REQUEST[family], 0, 0, ident, seq)
    if family == socket.AF_INET:
        head = struct.pack("!BBHHH", _ECHO_REQUEST[family], 0,
                           checksum(head + payload), ident, seq)
    return head + payload


def parse_reply(family: int, mode: SocketMode, data: bytes) -> tuple[int, int, bytes] | None:
    """(identifier, sequence, payload) of an echo reply, None for anything else."""
    if family == socket.AF_INET and mode == "raw":
        if len(data) < 20:
            return None
        data = data[(data[0] & 0x0F) * 4:]       # raw IPv4 sockets see the IP header
    if len(data) < 8 or data[0] != _ECHO_REPLY[family] or data[1] != 0:
        return None
    ident, seq = struct.unpack("!HH", data[4:8])
    return ident, seq, data[8:]


@dataclass(frozen=True, slots=True)
class EchoStats:
    sent: int
    rtts: tuple[float, ...]         # replies received, in sequence order

    @property
    def loss_ratio(self) -> float:
        return 1.0 - len(self.rtts) / self.sent if self.sent else 1.0

    @property
    def jitter(self) -> float | None:
        if len(self.rtts) < 2:
            return None
        diffs = [abs(b - a) for a, b in zip(self.rtts, self.rtts[1:])]
        return sum(diffs) / len(diffs)

    def samples(self) -> list[Sample]:
        out = [Sample("vigie_icmp_loss_ratio", self.loss_ratio,
                      help="Share of echo requests of the poll without a reply (0..1)"),
               Sample("vigie_icmp_requests", float(self.sent),
                      help="Echo requests sent in the poll")]
        if self.rtts:
            out += [Sample("vigie_icmp_rtt_min_seconds", min(self.rtts),
                           help="Smallest echo round-trip time of the poll"),
                    Sample("vigie_icmp_rtt_avg_seconds", sum(self.rtts) / len(self.rtts),
                           help="Mean echo round-trip time of the poll"),
                    Sample("vigie_icmp_rtt_max_seconds", max(self.rtts),
                           help="Largest echo round-trip time of the poll")]
        jitter = self.jitter
        if jitter is not None:
            out.append(Sample("vigie_icmp_jitter_seconds", jitter,
                              help="Mean absolute difference of consecutive round-trip times"))
        return out


class IcmpProbe:
    """Sends ``options.count`` echo requests to one host and measures the replies."""

    kind = "icmp"

    def __init__(self, *, asset: str, host: str, options: IcmpOptions,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.asset = asset
        self.host = host
        self.options = options
        self._clock = clock

    async def run(self) -> Result:
        start = self._clock()
        result = Result(probe=self.kind, asset=self.asset, reason=Reason.OK, duration=0.0)
        try:
            await self._run(result)
        finally:
            result.duration = self._clock() - start
        return result

    async def _resolve(self) -> tuple[int, str] | None:
        try:
            ip = ipaddress.ip_address(self.host.split("%", 1)[0])
            return (socket.AF_INET if ip.version == 4 else socket.AF_INET6), self.host
        except ValueError:
            pass
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(self.host, None, family=_FAMILY[self.options.ip_family],
                                           type=socket.SOCK_DGRAM)
        except (socket.gaierror, UnicodeError):
            return None
        for fam, _, _, _, addr in infos:
            if fam in _PROTO:
                return fam, str(addr[0])
        return None

    async def _run(self, result: Result) -> None:
        target = await self._resolve()
        if target is None:
            result.reason, result.detail = Reason.DNS_ERROR, f"cannot resolve {self.host}"
            return
        family, address = target
        try:
            sock, mode = open_icmp_socket(family)
        except IcmpPermissionError as err:
            result.reason, result.detail = Reason.PERMISSION_ERROR, str(err)
            return
        with sock:
            echo, send_errors = await self._exchange(sock, mode, family, address, result.stats)
        result.samples.extend(echo.samples())
        got = len(echo.rtts)
        result.detail = f"{got}/{echo.sent} replies from {address} ({mode} socket)"
        if got == 0:
            if send_errors:
                last = send_errors[-1]
                result.reason = (Reason.UNREACHABLE if last.errno in _UNREACHABLE_ERRNOS
                                 else Reason.ERROR)
                result.detail += f": {os.strerror(last.errno or 0)}"
            else:
                result.reason = Reason.TIMEOUT

    async def _exchange(self, sock: socket.socket, mode: SocketMode, family: int,
                        address: str, stats: Stats) -> tuple[EchoStats, list[OSError]]:
        loop = asyncio.get_running_loop()
        opts = self.options
        token = os.urandom(_TOKEN_LEN)
        ident = int.from_bytes(os.urandom(2), "big")
        base_seq = int.from_bytes(os.urandom(2), "big")
        filler = bytes(max(0, opts.size - _TOKEN_LEN))
        dest = (address, 0) if family == socket.AF_INET else (address, 0, 0, 0)
        pending: dict[int, tuple[float, asyncio.Future[float]]] = {}
        send_errors: list[OSError] = []

        async def receive() -> None:
            while True:
                try:
                    data, _ = await loop.sock_recvfrom(sock, 65535)
                except OSError:      # an ICMP error queued on the socket: the echo is lost
                    continue
                now = self._clock()
                reply = parse_reply(family, mode, data)
                if reply is None:
                    continue
                r_ident, seq, payload = reply
                if mode == "raw" and r_ident != ident:
                    continue
                entry = pending.get(seq)
                if entry and payload[:_TOKEN_LEN] == token and not entry[1].done():
                    entry[1].set_result(now - entry[0])
                    stats.pdus += 1

        receiver = asyncio.create_task(receive())
        try:
            for i in range(opts.count):
                if i:
                    await asyncio.sleep(opts.interval)
                seq = (base_seq + i) & 0xFFFF
                packet = echo_request(family, ident, seq, token + filler)
                fut: asyncio.Future[float] = loop.create_future()
                pending[seq] = (self._clock(), fut)
                try:
                    await loop.sock_sendto(sock, packet, dest)
                    stats.packets_sent += 1
                except OSError as err:
                    send_errors.append(err)
                    fut.cancel()
            rtts: list[float] = []
            for sent_at, fut in pending.values():
                if fut.cancelled():
                    continue
                remaining = sent_at + opts.timeout - self._clock()
                try:
                    rtts.append(await asyncio.wait_for(asyncio.shield(fut), max(0.0, remaining)))
                except asyncio.TimeoutError:
                    pass
        finally:
            receiver.cancel()
            try:
                await receiver
            except (asyncio.CancelledError, OSError):
                pass
        return EchoStats(sent=opts.count, rtts=tuple(rtts)), send_errors
