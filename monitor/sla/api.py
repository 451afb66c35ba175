"""HTTP API of the exclusion ledger and incidents, served on the daemon's port (docs/openapi-sla.yml).

Reads are open; writes need ``Authorization: Bearer <sla.api_token>`` (refused with 403 when no
token is configured, 401 when it is missing or wrong).
"""

from __future__ import annotations

import hmac
import json
from dataclasses import asdict
from typing import Any, Callable

from aiohttp import web

from monitor.errors import ConfigError, VigieError
from monitor.sla import incidents as inc
from monitor.sla.compute import Period
from monitor.sla.config import SlaSection, parse_local
from monitor.sla.ledger import Entry, Ledger, LedgerError, parse_head
from monitor.sla.db import SlaDb


def entry_json(e: Entry) -> dict[str, Any]:
    d = asdict(e)
    starts = [a for a, _ in e.intervals]
    d["late"] = bool(starts) and e.declared_at > min(starts)
    return d


def month_filter(entries: list[Entry], month: str | None) -> list[Entry]:
    if not month:
        return entries
    y, m = (int(x) for x in month.split("-"))
    p = Period.month(y, m)
    return [e for e in entries if e.recurrence is not None
            or any(a < p.end and b > p.start for a, b in e.intervals)]


def parse_when(value: Any) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    return parse_local(str(value))


def entry_from_json(body: dict[str, Any], *, now: float, default_author: str) -> Entry:
    """Build a ledger entry from an API/CLI request body; ``ConfigError``/``ValueError`` when invalid."""
    known = {"type", "assets", "services", "contracts", "start", "end", "intervals", "author", "reason",
             "reference", "supersedes", "status"}
    unknown = set(body) - known
    if unknown:
        raise ValueError(f"unknown field(s): {', '.join(sorted(unknown))}")
    spans = [(parse_when(a), parse_when(b)) for a, b in body.get("intervals", [])]
    if "start" in body or "end" in body:
        spans.append((parse_when(body["start"]), parse_when(body["end"])))
    status = body.get("status", "declared")
    if status not in ("declared", "withdrawn"):
        raise ValueError("status must be declared or withdrawn (use /confirm or /reject for proposals)")
    return Entry(type=body.get("type", "planned_maintenance"), author=body.get("author") or default_author,
                 reason=body.get("reason", ""), declared_at=now, intervals=tuple(spans),
                 assets=tuple(body.get("assets", ())), services=tuple(body.get("services", ())),
                 contracts=tuple(body.get("contracts", ())), reference=body.get("reference", ""),
                 status=status, supersedes=body.get("supersedes"))


class Api:
    def __init__(self, *, section: Callable[[], SlaSection], ledger: Ledger, db: SlaDb,
                 wall: Callable[[], float]) -> None:
        self.section, self.ledger, self.db, self.wall = section, ledger, db, wall

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/api/v1/exclusions", self.list_exclusions),
                web.post("/api/v1/exclusions", self.add_exclusion),
                web.get("/api/v1/exclusions/verify", self.verify),
                web.post(r"/api/v1/exclusions/{id:\d+}/{action:confirm|reject}", self.decide),
                web.get("/api/v1/incidents", self.list_incidents),
                web.post(r"/api/v1/incidents/{id:\d+}/ack", self.ack)]

    def _auth(self, request: web.Request) -> None:
        token = self.section().api_token
        if token is None:
            raise _error(web.HTTPForbidden, "writes are disabled: set sla.api_token")
        given = request.headers.get("Authorization", "")
        if not given.startswith("Bearer ") or not hmac.compare_digest(
                given[7:].encode(), token.reveal().encode()):
            raise _error(web.HTTPUnauthorized, "missing or wrong bearer token")

    async def _body(self, request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise _error(web.HTTPBadRequest, "body must be JSON") from None
        if not isinstance(body, dict):
            raise _error(web.HTTPBadRequest, "body must be a JSON object")
        return body

    async def list_exclusions(self, request: web.Request) -> web.Response:
        try:
            entries = month_filter(self.ledger.entries(), request.query.get("month"))
        except ValueError:
            raise _error(web.HTTPBadRequest, "month must be YYYY-MM") from None
        rows, head = self.ledger.head()
        return web.json_response({"entries": [entry_json(e) for e in entries],
                                  "head": {"rows": rows, "hash": head}})

    async def add_exclusion(self, request: web.Request) -> web.Response:
        self._auth(request)
        body = await self._body(request)
        try:
            entry = entry_from_json(body, now=self.wall(), default_author=self.section().author)
            stored = self.ledger.append(entry)
        except (ConfigError, ValueError, TypeError, VigieError) as err:
            raise _error(web.HTTPUnprocessableEntity, str(err)) from None
        return web.json_response(entry_json(stored), status=201)

    async def decide(self, request: web.Request) -> web.Response:
        self._auth(request)
        body = await self._body(request)
        status = "confirmed" if request.match_info["action"] == "confirm" else "rejected"
        try:
            stored = self.ledger.confirm(int(request.match_info["id"]), author=body.get("author", ""),
                                         reason=body.get("reason", ""), now=self.wall(), status=status)
        except (ConfigError, VigieError) as err:
            raise _error(web.HTTPUnprocessableEntity, str(err)) from None
        return web.json_response(entry_json(stored), status=201)

    async def verify(self, request: web.Request) -> web.Response:
        try:
            expected = parse_head(request.query["expect"]) if "expect" in request.query else None
        except LedgerError as err:
            raise _error(web.HTTPBadRequest, str(err)) from None
        v = self.ledger.verify(expected)
        return web.json_response(asdict(v), status=200 if v.ok else 409)

    async def list_incidents(self, request: web.Request) -> web.Response:
        start = end = None
        if month := request.query.get("month"):
            try:
                p = Period.month(*(int(x) for x in month.split("-")))
            except (ValueError, TypeError):
                raise _error(web.HTTPBadRequest, "month must be YYYY-MM") from None
            start, end = p.start, p.end
        cols = ("id", "contract", "scope_type", "scope", "start", "end", "priority", "ack_at", "ack_by",
                "intervention_at", "restored_at", "ticket", "ticket_opened", "ticket_title", "ticket_priority")
        return web.json_response({"incidents": [dict(zip(cols, r)) for r in inc.stored(self.db, start, end)]})

    async def ack(self, request: web.Request) -> web.Response:
        self._auth(request)
        body = await self._body(request)
        try:
            at = parse_when(body["at"]) if "at" in body else self.wall()
            interv = parse_when(body["intervention_at"]) if "intervention_at" in body else None
        except ValueError as err:
            raise _error(web.HTTPUnprocessableEntity, str(err)) from None
        if not inc.record(self.db, int(request.match_info["id"]), ack_at=at, ack_by=body.get("by"),
                          intervention_at=interv):
            raise _error(web.HTTPNotFound, "no such incident")
        return web.json_response({"id": int(request.match_info["id"]), "ack_at": at})


def _error(cls: type[web.HTTPException], message: str) -> web.HTTPException:
    return cls(text=json.dumps({"error": message}), content_type="application/json")
