"""A UDP relay in front of a real snmpd that emulates a device with a small message size.

Replies larger than ``limit`` bytes are either replaced by a tooBig response (what an agent
with a small maximum message size answers) or dropped (what a lossy path does to big,
fragmented datagrams). net-snmp itself never answers tooBig to v1/v2c: it only drops replies
beyond 64 KiB, so this relay is how the tooBig branches meet real agent data.
"""

from __future__ import annotations

import asyncio
from typing import Literal

from monitor.snmp import ber


class SizeLimitProxy(asyncio.DatagramProtocol):
    def __init__(self, upstream: tuple[str, int], limit: int,
                 mode: Literal["too_big", "drop"]) -> None:
        self.upstream, self.limit, self.mode = upstream, limit, mode
        self.front: asyncio.DatagramTransport | None = None
        self.back: asyncio.DatagramTransport | None = None
        self.clients: dict[int, tuple[tuple[str, int], ber.Response]] = {}
        self.too_big_sent = 0
        self.dropped = 0

    @classmethod
    async def start(cls, upstream: tuple[str, int], limit: int,
                    mode: Literal["too_big", "drop"] = "too_big") -> "SizeLimitProxy":
        loop = asyncio.get_running_loop()
        proxy = cls(upstream, limit, mode)
        proxy.front, _ = await loop.create_datagram_endpoint(
            lambda: _Side(proxy.from_client), local_addr=("127.0.0.1", 0))
        proxy.back, _ = await loop.create_datagram_endpoint(
            lambda: _Side(proxy.from_agent), remote_addr=upstream)
        return proxy

    @property
    def address(self) -> tuple[str, int]:
        assert self.front is not None
        return self.front.get_extra_info("sockname")[:2]

    def from_client(self, data: bytes, addr: tuple[str, int]) -> None:
        request = ber.decode_message(data)
        self.clients[request.request_id] = (addr, request)
        assert self.back is not None
        self.back.sendto(data)

    def from_agent(self, data: bytes, _addr: tuple[str, int]) -> None:
        rid = ber.peek_request_id(data)
        if rid not in self.clients:
            return
        addr, request = self.clients.pop(rid)
        assert self.front is not None
        if len(data) <= self.limit:
            self.front.sendto(data, addr)
        elif self.mode == "drop":
            self.dropped += 1
        else:
            self.too_big_sent += 1
            self.front.sendto(ber.encode_response(
                version=request.version, community=request.community, request_id=rid,
                error_status=ber.TOO_BIG, varbinds=[]), addr)

    def close(self) -> None:
        for t in (self.front, self.back):
            if t is not None:
                t.close()


class _Side(asyncio.DatagramProtocol):
    def __init__(self, handler) -> None:  # type: ignore[no-untyped-def]
        self.handler = handler

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.handler(data, addr)
