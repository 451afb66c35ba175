"""get/walk logic shared by every SNMP version, on top of a one-request ``Exchanger``.

The exchanger sends one PDU and waits once (v1/v2c: our codec on the shared socket; v3:
pysnmp). This module owns retries, GET chunking and splitting, v1 noSuchName handling, subtree
walks with loop protection, adaptive max-repetitions and the per-session ``Stats``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, Sequence

from monitor.probes.base import Reason, Stats
from monitor.snmp import ber
from monitor.snmp.types import EXCEPTIONS, NO_SUCH_OBJECT, GetOutcome, Value, WalkOutcome

if TYPE_CHECKING:
    from monitor.snmp.client import SnmpClient, Target


@dataclass(slots=True)
class Reply:
    """What one request attempt produced. ``reason`` is OK when a response PDU arrived."""

    reason: Reason
    error_status: int = 0
    error_index: int = 0
    varbinds: list[tuple[str, Value]] = field(default_factory=list)
    detail: str = ""


class Exchanger(Protocol):
    """Sends one request (GET, GET_NEXT or GET_BULK from ``ber``) and waits for its answer."""

    async def exchange(self, pdu_type: int, oids: Sequence[str], max_repetitions: int) -> Reply:
        ...


def oid_key(oid: str) -> tuple[int, ...]:
    return tuple(map(int, oid.split(".")))


class Session:
    """Implements ``monitor.snmp.types.SnmpSession`` for one target. ``stats`` accumulates;
    assign a fresh ``Stats()`` to start a new count."""

    def __init__(self, client: "SnmpClient", target: "Target", exchanger: Exchanger) -> None:
        self.client = client
        self.target = target
        self.exchanger = exchanger
        self.stats = Stats()

    async def _attempt(self, pdu_type: int, oids: Sequence[str], reps: int, first: bool) -> Reply:
        self.stats.packets_sent += 1
        if not first:
            self.stats.packets_retried += 1
        reply = await self.exchanger.exchange(pdu_type, oids, reps)
        if reply.reason is Reason.OK:
            self.stats.pdus += 1
            self.stats.varbinds += len(reply.varbinds)
        return reply

    async def _request(self, pdu_type: int, oids: Sequence[str], reps: int = 0) -> Reply:
        reply = Reply(Reason.TIMEOUT)
        for attempt in range(1 + self.target.retries):
            reply = await self._attempt(pdu_type, oids, reps, attempt == 0)
            if reply.reason is not Reason.TIMEOUT:
                return reply
        reply.detail = reply.detail or f"no answer after {1 + self.target.retries} tries"
        return reply

    # --- GET ------------------------------------------------------------------------------

    async def get(self, oids: Sequence[str]) -> GetOutcome:
        out = GetOutcome(Reason.OK)
        wanted = list(dict.fromkeys(o.strip(".") for o in oids))
        size = max(1, self.target.max_oids_per_get)
        queue = deque(wanted[i:i + size] for i in range(0, len(wanted), size))
        answered = False

        def fail(reason: Reason, detail: str) -> None:
            if out.reason is Reason.OK:
                out.reason, out.detail = reason, detail

        while queue:
            chunk = queue.popleft()
            reply = await self._request(ber.GET, chunk)
            if reply.reason is not Reason.OK:
                fail(reply.reason, reply.detail)
                if not answered:  # the agent never answered: don't wait on every chunk
                    break
                continue
            answered = True
            status, index = reply.error_status, reply.error_index
            if status == ber.TOO_BIG:
                if len(chunk) > 1:
                    half = len(chunk) // 2
                    queue.extendleft((chunk[half:], chunk[:half]))
                else:
                    fail(Reason.TOO_BIG, f"tooBig for the single OID {chunk[0]}")
                continue
            if status == ber.NO_SUCH_NAME and 1 <= index <= len(chunk):
                out.values[chunk[index - 1]] = (NO_SUCH_OBJECT, None)
                rest = chunk[:index - 1] + chunk[index:]
                if rest:
                    queue.appendleft(rest)
                continue
            if status:
                fail(Reason.BAD_RESPONSE, f"error-status {status} index {index}")
                continue
            got = reply.varbinds
            if len(got) != len(chunk) or any(g[0] != w for g, w in zip(got, chunk)):
                fail(Reason.BAD_RESPONSE, "response varbinds do not match the request")
                continue
            out.values.update(got)
        return out

    # --- WALK -----------------------------------------------------------------------------

    async def walk(self, root: str) -> WalkOutcome:
        root = root.strip(".")
        prefix = root + "."
        out = WalkOutcome(Reason.OK)
        last, last_key = root, oid_key(root)
        bulk = self.target.version != "1"
        host, port = self.target.host, self.target.port
        while True:
            reps = self.client.max_repetitions_for(host, port) or self.target.max_repetitions
            reps = max(1, min(reps, self.target.max_repetitions))
            reply, shrunk = Reply(Reason.TIMEOUT), False
            for attempt in range(1 + self.target.retries):
                if bulk:
                    reply = await self._attempt(ber.GET_BULK, [last], reps, attempt == 0)
                else:
                    reply = await self._attempt(ber.GET_NEXT, [last], 0, attempt == 0)
                if reply.reason is not Reason.TIMEOUT:
                    break
                if bulk and reps > 1:  # maybe the answer was too large to arrive: ask for less
                    reps, shrunk = reps // 2, True
            if reply.reason is not Reason.OK:
                out.reason = reply.reason
                out.detail = reply.detail or f"no answer after {1 + self.target.retries} tries"
                return out
            if shrunk:
                self.client.remember_max_repetitions(host, port, reps)
            if reply.error_status == ber.TOO_BIG:
                if not bulk or reps == 1:
                    out.reason, out.detail = Reason.TOO_BIG, f"tooBig after {last}"
                    return out
                self.client.remember_max_repetitions(host, port, reps // 2)
                continue
            if reply.error_status == ber.NO_SUCH_NAME and not bulk:
                return out  # v1 end of MIB
            if reply.error_status:
                out.reason = Reason.BAD_RESPONSE
                out.detail = f"error-status {reply.error_status} after {last}"
                return out
            if bulk and not shrunk:
                self.client.note_clean_bulk(host, port, self.target.max_repetitions)
            if not reply.varbinds:
                return out
            rows = out.rows
            for oid, value in reply.varbinds:
                if value[0] in EXCEPTIONS or not oid.startswith(prefix):
                    return out
                key = oid_key(oid)
                if key <= last_key:
                    out.reason, out.detail = Reason.BAD_RESPONSE, f"OID not increasing: {oid}"
                    return out
                rows.append((oid, value))
                last, last_key = oid, key
