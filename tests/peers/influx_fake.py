"""A real local aiohttp server implementing the documented InfluxDB v2 ``POST /api/v2/write`` contract.

No InfluxDB that serves ``/api/v2/write`` installs here: Debian bookworm ships InfluxDB 1.6.7, and
the v2 compatibility endpoint appeared in 1.8. So this server follows the InfluxDB v2 API reference
(docs.influxdata.com/influxdb/v2/api/#operation/PostWrite):

* query ``org``, ``bucket`` (required), ``precision`` (ns, us, ms, s; default ns);
* ``Authorization: Token <token>``, else 401 ``{"code": "unauthorized", ...}``;
* unknown org or bucket: 404 ``{"code": "not found", ...}``;
* body larger than ``max_body`` bytes: 413; ``Content-Encoding: gzip`` accepted;
* malformed line protocol: 400 ``{"code": "invalid", "message": ..., "line": n}``, nothing written;
* success: 204, every point stored;
* ``fail_with = (status, retry_after)``: answer that (e.g. 503 or 429 with ``Retry-After``).

Points are kept as ``(measurement, tags, fields, timestamp)`` tuples in ``points`` (every write, so a
duplicate shows) and parsed with the escaping rules of the line protocol reference.
"""

from __future__ import annotations

import gzip
import json
import re

from aiohttp import web
from monitor.webserve import serve

Point = tuple[str, tuple[tuple[str, str], ...], tuple[tuple[str, str], ...], int]
_SPLIT = re.compile(r"(?<!\\) ")


def _split(text: str, sep: str) -> list[str]:
    return re.split(rf"(?<!\\){re.escape(sep)}", text)


def _unescape(text: str) -> str:
    return re.sub(r"\\([ ,=\\\"])", r"\1", text)


def parse_line(line: str) -> Point:
    """One line of line protocol (no quoted string fields with spaces: Vigie writes floats only)."""
    parts = _SPLIT.split(line)
    if len(parts) not in (2, 3):
        raise ValueError("expected 'measurement[,tags] fields [timestamp]'")
    head = _split(parts[0], ",")
    if not head[0]:
        raise ValueError("missing measurement")
    tags = []
    for kv in head[1:]:
        k, eq, v = kv.partition("=")
        if not eq or not k or not v:
            raise ValueError(f"bad tag {kv!r}")
        tags.append((_unescape(k), _unescape(v)))
    fields = []
    for kv in _split(parts[1], ","):
        k, eq, v = kv.partition("=")
        if not eq or not k or not v:
            raise ValueError(f"bad field {kv!r}")
        float(v.rstrip("iu")) if not v.startswith('"') and v not in ("t", "f", "true", "false") else None
        fields.append((_unescape(k), v))
    ts = int(parts[2]) if len(parts) == 3 else 0
    return _unescape(head[0]), tuple(sorted(tags)), tuple(sorted(fields)), ts


class InfluxFake:
    def __init__(self, *, token: str = "secret-token", org: str = "mairie", bucket: str = "vigie",
                 max_body: int = 10_000_000) -> None:
        self.token, self.org, self.bucket, self.max_body = token, org, bucket, max_body
        self.points: list[Point] = []
        self.requests: list[int] = []            # status of every request answered
        self.fail_with: tuple[int, int | None] | None = None
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def __aenter__(self) -> "InfluxFake":
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self, port: int = 0) -> None:
        app = web.Application()
        app.router.add_post("/api/v2/write", self._write)
        self._runner, port = await serve(app, port=port)
        self.port, self.url = port, f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _answer(self, status: int, code: str = "", message: str = "", **extra: object) -> web.Response:
        self.requests.append(status)
        if status == 204:
            return web.Response(status=204)
        headers = {}
        if status in (429, 503) and self.fail_with and self.fail_with[1] is not None:
            headers["Retry-After"] = str(self.fail_with[1])
        return web.Response(status=status, headers=headers, content_type="application/json",
                            text=json.dumps({"code": code, "message": message, **extra}))

    async def _write(self, request: web.Request) -> web.Response:
        if self.fail_with is not None:
            return self._answer(self.fail_with[0], "unavailable", "injected failure")
        if request.headers.get("Authorization") != f"Token {self.token}":
            return self._answer(401, "unauthorized", "unauthorized access")
        q = request.query
        if q.get("org") != self.org or q.get("bucket") != self.bucket:
            return self._answer(404, "not found", f'bucket "{q.get("bucket")}" not found')
        if q.get("precision", "ns") not in ("ns", "us", "ms", "s"):
            return self._answer(400, "invalid", "invalid precision")
        body = await request.read()
        if len(body) > self.max_body:
            return self._answer(413, "request too large", "request too large")
        if request.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        parsed = []
        for n, line in enumerate(body.decode().splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            try:
                parsed.append(parse_line(line))
            except ValueError as err:
                return self._answer(400, "invalid", f"unable to parse '{line}': {err}", line=n)
        self.points.extend(parsed)
        return self._answer(204)
