"""HttpProbe against real aiohttp servers on 127.0.0.1 / ::1, port 0; TLS with a generated PKI."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from pathlib import Path

import pytest
from aiohttp import web

from monitor.errors import ProbeSetupError
from monitor.probes.base import Reason, Result
from monitor.probes.http import HttpOptions, HttpProbe, make_session
from monitor.pki import make_pki
from monitor.webserve import serve as start_server

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
REPO = Path(__file__).resolve().parents[2]

DAY = 86400.0


@asynccontextmanager
async def serve(routes: dict[str, Handler], *, host: str = "127.0.0.1",
                ssl_context=None) -> AsyncIterator[int]:
    """A real aiohttp server on an OS-chosen port; yields the port."""
    app = web.Application()
    for path, handler in routes.items():
        app.router.add_route("*", path, handler)
    runner, port = await start_server(app, host=host, ssl_context=ssl_context,
                                      shutdown_timeout=0.1)
    try:
        yield port
    finally:
        await runner.cleanup()


def text(body: str, status: int = 200) -> Handler:
    async def handler(_request: web.Request) -> web.Response:
        return web.Response(text=body, status=status)
    return handler


def redirect(location: str, status: int = 302) -> Handler:
    async def handler(_request: web.Request) -> web.Response:
        return web.Response(status=status, headers={"Location": location})
    return handler


async def probe(url: str, **kw) -> Result:
    wall = kw.pop("wall_clock", None)
    extra = {"wall_clock": wall} if wall else {}
    p = HttpProbe(asset="srv-1", options=HttpOptions(url=url, **kw), **extra)
    try:
        return await p.run()
    finally:
        await p.close()


def values(result: Result, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    return {s.labels: s.value for s in result.samples if s.name == name}


def one(result: Result, name: str, **labels: str) -> float:
    found = [s.value for s in result.samples
             if s.name == name and all((k, v) in s.labels for k, v in labels.items())]
    assert len(found) == 1, (name, labels, result.samples)
    return found[0]


def phases(result: Result) -> set[str]:
    return {dict(s.labels)["phase"] for s in result.samples
            if s.name == "vigie_http_duration_seconds"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


async def test_plain_ok_with_phases_and_samples() -> None:
    async with serve({"/": text("Bienvenue à la mairie")}) as port:
        url = f"http://localhost:{port}/"
        r = await probe(url, body_regex=r"mairie")
    assert r.reason is Reason.OK, r.detail
    assert r.probe == "http" and r.asset == "srv-1"
    assert one(r, "vigie_http_up") == 1
    assert one(r, "vigie_http_status_code") == 200
    assert one(r, "vigie_http_redirects") == 0
    assert one(r, "vigie_http_content_length_bytes") == len("Bienvenue à la mairie".encode())
    assert {"dns", "connect", "first_byte", "transfer", "total"} <= phases(r)
    assert "tls" not in phases(r)
    assert all(dict(s.labels)["check"] == url for s in r.samples)
    assert all(s.help for s in r.samples)
    assert not any(k == "asset" for s in r.samples for k, _ in s.labels)


async def test_check_label_uses_name_and_ip_literal_skips_dns() -> None:
    async with serve({"/": text("x")}) as port:
        r = await probe(f"http://127.0.0.1:{port}/", name="portail")
    assert r.ok
    assert {dict(s.labels)["check"] for s in r.samples} == {"portail"}
    assert "dns" not in phases(r) and "connect" in phases(r)


async def test_bad_status() -> None:
    async with serve({"/": text("down", status=503)}) as port:
        r = await probe(f"http://127.0.0.1:{port}/")
    assert r.reason is Reason.BAD_STATUS
    assert "503" in r.detail
    assert one(r, "vigie_http_up") == 0 and one(r, "vigie_http_status_code") == 503


async def test_expected_status_list_accepts_other_codes() -> None:
    async with serve({"/": text("gone", status=410)}) as port:
        r = await probe(f"http://127.0.0.1:{port}/", expect_status=(200, 410))
    assert r.ok


async def test_body_mismatch() -> None:
    async with serve({"/": text("Maintenance en cours")}) as port:
        r = await probe(f"http://127.0.0.1:{port}/", body_regex=r"Bienvenue")
    assert r.reason is Reason.BODY_MISMATCH
    assert one(r, "vigie_http_status_code") == 200 and one(r, "vigie_http_up") == 0


async def test_head_reports_content_length_header() -> None:
    async with serve({"/": text("0123456789")}) as port:
        r = await probe(f"http://127.0.0.1:{port}/", method="HEAD")
    assert r.ok, r.detail
    assert one(r, "vigie_http_content_length_bytes") == 10


async def test_timeout() -> None:
    async def slow(_request: web.Request) -> web.Response:
        await asyncio.sleep(30)
        return web.Response(text="late")

    async with serve({"/": slow}) as port:
        r = await probe(f"http://127.0.0.1:{port}/", timeout=0.3)
    assert r.reason is Reason.TIMEOUT
    assert one(r, "vigie_http_up") == 0
    assert not values(r, "vigie_http_status_code")


async def test_refused() -> None:
    r = await probe(f"http://127.0.0.1:{free_port()}/")
    assert r.reason is Reason.REFUSED, r.detail


def test_dns_error_in_private_netns() -> None:
    """``.invalid`` never resolves (RFC 6761). The lookup runs in a network namespace with only
    loopback, so the query cannot leave the machine whatever resolv.conf says."""
    unshare = shutil.which("unshare")
    if unshare is None or os.geteuid() != 0:
        pytest.skip("needs root and unshare for a private network namespace")
    code = ("import asyncio, json\n"
            "from monitor.probes.http import HttpOptions, HttpProbe\n"
            "async def main():\n"
            "    opts = HttpOptions(url='http://intranet.invalid/', timeout=5)\n"
            "    p = HttpProbe(asset='a', options=opts)\n"
            "    r = await p.run(); await p.close()\n"
            "    print(json.dumps([r.reason.value, r.detail]))\n"
            "asyncio.run(main())\n")
    proc = subprocess.run([unshare, "--net", sys.executable, "-c", code], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    if proc.returncode != 0 and "unshare" in proc.stderr:
        pytest.skip(f"cannot create a network namespace: {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stderr
    reason, detail = json.loads(proc.stdout.strip().splitlines()[-1])
    assert reason == Reason.DNS_ERROR.value, detail


async def test_https_chain_expiry_for_every_cert(tmp_path: Path, now: datetime) -> None:
    pki = make_pki(tmp_path, now=now, leaf_days=30, intermediate_days=400, root_days=3650)
    async with serve({"/": text("ok")}, ssl_context=pki.server_context()) as port:
        r = await probe(f"https://localhost:{port}/", ca_file=str(pki.ca_file),
                        wall_clock=now.timestamp)
    assert r.ok, r.detail
    host = f"localhost:{port}"
    for position, (days, subject) in enumerate(zip((30, 400, 3650), pki.subjects)):
        labels = {"host": host, "position": str(position), "subject": subject}
        assert one(r, "vigie_http_tls_cert_expiry_seconds", **labels) == pytest.approx(days * DAY)
        assert one(r, "vigie_http_tls_cert_not_after_timestamp_seconds", **labels) == \
            pki.not_after[position].timestamp()
    assert one(r, "vigie_http_tls_cert_expiry_seconds", position="0", issuer=pki.subjects[1]) == \
        pytest.approx(30 * DAY)
    assert {"dns", "connect", "tls", "first_byte", "total"} <= phases(r)


async def test_untrusted_ca_is_tls_error(tmp_path: Path, now: datetime) -> None:
    pki = make_pki(tmp_path / "a", now=now)
    other = make_pki(tmp_path / "b", now=now, prefix="other")
    async with serve({"/": text("ok")}, ssl_context=pki.server_context()) as port:
        r = await probe(f"https://127.0.0.1:{port}/", ca_file=str(other.ca_file))
        unverified = await probe(f"https://127.0.0.1:{port}/", verify_tls=False)
    assert r.reason is Reason.TLS_ERROR, r.detail
    assert len(values(r, "vigie_http_tls_cert_expiry_seconds")) == 3
    assert unverified.ok, unverified.detail
    assert len(values(unverified, "vigie_http_tls_cert_expiry_seconds")) == 3


async def test_expired_leaf_is_tls_error_with_expiry(tmp_path: Path, now: datetime) -> None:
    pki = make_pki(tmp_path, now=now, leaf_days=-2)
    async with serve({"/": text("ok")}, ssl_context=pki.server_context()) as port:
        r = await probe(f"https://localhost:{port}/", ca_file=str(pki.ca_file),
                        wall_clock=now.timestamp)
    assert r.reason is Reason.TLS_ERROR
    assert "expired" in r.detail
    assert one(r, "vigie_http_up") == 0
    assert one(r, "vigie_http_tls_cert_expiry_seconds", position="0") == pytest.approx(-2 * DAY)
    assert one(r, "vigie_http_tls_cert_expiry_seconds", position="1") == pytest.approx(400 * DAY)


async def test_redirect_http_to_https_checks_hop_cert(tmp_path: Path, now: datetime) -> None:
    pki = make_pki(tmp_path, now=now, leaf_days=45)
    async with serve({"/app": text("Portail citoyen")},
                     ssl_context=pki.server_context()) as tls_port:
        target = f"https://localhost:{tls_port}/app"
        async with serve({"/": redirect(target, 301)}) as port:
            r = await probe(f"http://127.0.0.1:{port}/", ca_file=str(pki.ca_file),
                            body_regex="citoyen", wall_clock=now.timestamp)
    assert r.ok, r.detail
    assert one(r, "vigie_http_redirects") == 1
    assert one(r, "vigie_http_hop_status_code", hop="0", host=f"127.0.0.1:{port}") == 301
    assert one(r, "vigie_http_hop_status_code", hop="1", host=f"localhost:{tls_port}") == 200
    assert one(r, "vigie_http_tls_cert_expiry_seconds", host=f"localhost:{tls_port}",
               position="0") == pytest.approx(45 * DAY)
    hosts = {dict(s.labels)["host"] for s in r.samples if s.name.startswith("vigie_http_tls_")}
    assert hosts == {f"localhost:{tls_port}"}
    assert target in r.detail


async def test_redirect_not_followed_when_disabled() -> None:
    async with serve({"/": redirect("/elsewhere")}) as port:
        r = await probe(f"http://127.0.0.1:{port}/", max_redirects=0, expect_status=(302,))
    assert r.ok, r.detail
    assert one(r, "vigie_http_redirects") == 0


async def test_redirect_loop_beyond_limit() -> None:
    async with serve({"/a": redirect("/b"), "/b": redirect("/a")}) as port:
        r = await probe(f"http://127.0.0.1:{port}/a", max_redirects=3)
    assert r.reason is Reason.ERROR
    assert "too many redirects" in r.detail
    assert one(r, "vigie_http_redirects") == 3
    assert len(values(r, "vigie_http_hop_status_code")) == 4


async def test_ipv6_loopback() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
    except OSError:
        pytest.skip("::1 not available")
    async with serve({"/": text("v6")}, host="::1") as port:
        r = await probe(f"http://[::1]:{port}/", ip_family="ipv6")
    assert r.ok, r.detail
    assert one(r, "vigie_http_hop_status_code", host=f"[::1]:{port}") == 200


async def test_shared_session_is_used_and_not_closed() -> None:
    session = make_session()
    try:
        async with serve({"/": text("x")}) as port:
            p = HttpProbe(asset="a", options=HttpOptions(url=f"http://127.0.0.1:{port}/"),
                          session=session)
            first, second = await p.run(), await p.run()
            await p.close()
        assert first.ok and second.ok
        assert not session.closed
        assert "connect" in phases(second)      # Connection: close -> a fresh connection each run
    finally:
        await session.close()


def test_bad_regex_is_a_setup_error() -> None:
    with pytest.raises(ProbeSetupError):
        HttpProbe(asset="a", options=HttpOptions(url="http://127.0.0.1/", body_regex="("))

