"""HTTP probe (aiohttp): status, body regex, phase timings, TLS chain expiry, redirects.

Redirects are followed by hand (``allow_redirects=False``) so that every hop is timed and every
TLS hop's certificate chain is read. The chain comes from the very handshake aiohttp performs:
the probe's ``SSLContext`` subclass records each ``SSLObject`` it creates (``wrap_bio``), and the
chain the server sent is read from it after the handshake, even when verification failed (see
docs/http-probe.md). That same hook marks the end of the TCP connect, which splits the
``connect`` and ``tls`` phases. Phases come from an ``aiohttp.TraceConfig``: a session built by
:func:`make_session` carries it; a session without it yields only the ``total`` phase.
"""

from __future__ import annotations

import asyncio
import errno
import re
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import aiohttp
from cryptography import x509
from yarl import URL

from monitor.errors import ProbeSetupError
from monitor.probes.base import Reason, Result, Sample

Clock = Callable[[], float]

FAMILIES: dict[str, int] = {"any": 0, "ipv4": socket.AF_INET, "ipv6": socket.AF_INET6}
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
PHASES = ("dns", "connect", "tls", "first_byte", "transfer", "total")


@dataclass(frozen=True, kw_only=True)
class HttpOptions:
    url: str
    name: str = ""                      # value of the ``check`` label; defaults to the URL
    method: Literal["GET", "HEAD", "POST"] = "GET"
    expect_status: tuple[int, ...] = (200,)
    body_regex: str | None = None
    timeout: float = 10.0               # seconds, whole probe
    max_redirects: int = 5              # 0: do not follow
    ip_family: Literal["any", "ipv4", "ipv6"] = "any"
    verify_tls: bool = True
    ca_file: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    max_body_bytes: int = 1_048_576     # body kept for the regex; the rest is counted, not kept


@dataclass(slots=True)
class _Timings:
    """Clock readings of one request, written by the trace callbacks (``trace_request_ctx``)."""

    clock: Clock
    create_start: float | None = None
    create_end: float | None = None
    dns_start: float | None = None
    dns_end: float | None = None
    tls_start: float | None = None      # when the SSLObject was made: TCP connected
    sent: float | None = None

    def mark(self, attr: str) -> None:
        setattr(self, attr, self.clock())


def trace_config() -> aiohttp.TraceConfig:
    """A TraceConfig that fills the probe's per-request timings; sessions must carry one."""
    config = aiohttp.TraceConfig()

    def on(attr: str) -> Callable[..., Any]:
        async def callback(_session: Any, ctx: Any, _params: Any) -> None:
            timings = ctx.trace_request_ctx
            if isinstance(timings, _Timings):
                timings.mark(attr)
        return callback

    config.on_connection_create_start.append(on("create_start"))
    config.on_connection_create_end.append(on("create_end"))
    config.on_dns_resolvehost_start.append(on("dns_start"))
    config.on_dns_resolvehost_end.append(on("dns_end"))
    config.on_request_headers_sent.append(on("sent"))
    config.on_request_chunk_sent.append(on("sent"))
    return config


def make_session(*, ip_family: str = "any", limit: int = 100) -> aiohttp.ClientSession:
    """A session for probes: traced, no DNS cache (every check resolves), one address family."""
    connector = aiohttp.TCPConnector(family=FAMILIES[ip_family], use_dns_cache=False, limit=limit)
    return aiohttp.ClientSession(connector=connector, trace_configs=[trace_config()],
                                 auto_decompress=True)


class _RecordingContext(ssl.SSLContext):
    """An SSLContext that remembers the SSLObjects it makes, with the clock reading at creation."""

    clock: Clock
    made: list[tuple[float, ssl.SSLObject]]

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        obj = super().wrap_bio(*args, **kwargs)
        self.made.append((self.clock(), obj))
        return obj


def _ssl_context(options: HttpOptions, clock: Clock) -> _RecordingContext:
    ctx = _RecordingContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.clock, ctx.made = clock, []
    if options.verify_tls:
        try:
            if options.ca_file:
                ctx.load_verify_locations(cafile=options.ca_file)
            else:
                ctx.load_default_certs(ssl.Purpose.SERVER_AUTH)
        except (OSError, ssl.SSLError) as err:
            raise ProbeSetupError(f"http: cannot load ca_file {options.ca_file!r}: {err}") from err
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


@dataclass(frozen=True, slots=True)
class CertInfo:
    position: int           # 0: leaf, then in the order the server sent them
    subject: str            # RFC 4514
    issuer: str
    not_after: float        # Unix time


def peer_chain_der(obj: ssl.SSLObject) -> list[bytes]:
    """DER certificates the peer sent, leaf first, even if verification failed.

    Python 3.13 has ``SSLObject.get_unverified_chain()``; 3.10-3.12 have the same method on the
    private ``_sslobj``. Without either, fall back to the leaf (only after a completed handshake).
    """
    getter = getattr(obj, "get_unverified_chain", None)
    if getter is None:
        getter = getattr(getattr(obj, "_sslobj", None), "get_unverified_chain", None)
    try:
        certs = getter() if getter is not None else None
    except (ssl.SSLError, ValueError):
        certs = None
    if certs:
        der = ssl._ssl.ENCODING_DER  # type: ignore[attr-defined]
        return [c if isinstance(c, bytes) else c.public_bytes(der) for c in certs]
    try:
        leaf = obj.getpeercert(binary_form=True)
    except (ssl.SSLError, ValueError):
        leaf = None
    return [leaf] if leaf else []


def parse_chain(ders: list[bytes]) -> list[CertInfo]:
    out = []
    for position, der in enumerate(ders):
        try:
            cert = x509.load_der_x509_certificate(der)
        except ValueError:
            continue
        out.append(CertInfo(position=position, subject=cert.subject.rfc4514_string(),
                            issuer=cert.issuer.rfc4514_string(),
                            not_after=cert.not_valid_after_utc.timestamp()))
    return out


@dataclass(slots=True)
class _Hop:
    url: URL
    status: int | None = None
    chain: list[CertInfo] = field(default_factory=list)


@dataclass(slots=True)
class _Run:
    """What one run gathered, success or not."""

    hops: list[_Hop] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)
    body_bytes: int | None = None

    def add_phase(self, phase: str, seconds: float | None) -> None:
        if seconds is not None:
            self.phases[phase] = self.phases.get(phase, 0.0) + max(seconds, 0.0)


def _host_label(url: URL) -> str:
    host = url.host or ""
    return f"[{host}]:{url.port}" if ":" in host else f"{host}:{url.port}"


def classify(err: BaseException) -> tuple[Reason, str]:
    """Map an aiohttp / OS error to a Reason and a short detail."""
    if isinstance(err, TimeoutError):
        return Reason.TIMEOUT, "timeout"
    if isinstance(err, aiohttp.ClientSSLError):
        cause = getattr(err, "certificate_error", None) or err.os_error
        return Reason.TLS_ERROR, f"TLS: {getattr(cause, 'verify_message', None) or cause}"
    if isinstance(err, aiohttp.ClientConnectorError):
        os_err = err.os_error
        dns_error = getattr(aiohttp, "ClientConnectorDNSError", ())   # aiohttp >= 3.10
        if isinstance(os_err, socket.gaierror) or isinstance(err, dns_error):
            return Reason.DNS_ERROR, f"DNS: {os_err.strerror or os_err}"
        if isinstance(os_err, ConnectionRefusedError):
            return Reason.REFUSED, "connection refused"
        if os_err.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return Reason.UNREACHABLE, os_err.strerror or str(os_err)
        return Reason.ERROR, f"connect: {os_err}"
    if isinstance(err, (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError,
                        aiohttp.ClientResponseError)):
        return Reason.BAD_RESPONSE, f"{type(err).__name__}: {err}"
    if isinstance(err, ssl.SSLError):
        return Reason.TLS_ERROR, f"TLS: {err}"
    return Reason.ERROR, f"{type(err).__name__}: {err}"


class HttpProbe:
    """Polls one URL once per ``run()``. Not reentrant: one run at a time per instance."""

    kind = "http"

    def __init__(self, *, asset: str, options: HttpOptions,
                 session: aiohttp.ClientSession | None = None,
                 clock: Clock = time.perf_counter, wall_clock: Clock = time.time) -> None:
        if options.ip_family not in FAMILIES:
            raise ProbeSetupError(f"http: unknown ip_family {options.ip_family!r}")
        try:
            self._body_re = re.compile(options.body_regex) if options.body_regex else None
        except re.error as err:
            raise ProbeSetupError(f"http: bad body_regex {options.body_regex!r}: {err}") from err
        self.asset = asset
        self._options = options
        self._clock, self._wall_clock = clock, wall_clock
        self._check = options.name or options.url
        self._ssl = _ssl_context(options, clock)
        self._session = session
        family = FAMILIES[options.ip_family]
        if session is not None and family and getattr(session.connector, "family", 0) != family:
            self._session = None                        # shared session has the wrong family
        self._owns_session = self._session is None

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def run(self) -> Result:
        start = self._clock()
        state = _Run()
        try:
            async with asyncio.timeout(self._options.timeout):
                reason, detail = await self._follow(state)
        except TimeoutError:
            reason, detail = Reason.TIMEOUT, f"timeout after {self._options.timeout:g}s"
        except (aiohttp.ClientError, OSError, ValueError) as err:
            reason, detail = classify(err)
        duration = self._clock() - start
        state.add_phase("total", duration)
        if len(state.hops) > 1:
            detail += " via " + " -> ".join(f"{h.url} ({h.status or '-'})" for h in state.hops)
        return Result(probe=self.kind, asset=self.asset, reason=reason, duration=duration,
                      samples=self._samples(state, reason), detail=detail)

    def _session_now(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = make_session(ip_family=self._options.ip_family)
        return self._session

    async def _follow(self, state: _Run) -> tuple[Reason, str]:
        opts = self._options
        url, method = URL(opts.url), opts.method
        headers = {"Connection": "close", "User-Agent": "vigie-http-probe", **opts.headers}
        while True:
            hop = _Hop(url=url)
            state.hops.append(hop)
            status, location, text = await self._request(state, hop, method, headers)
            if status not in REDIRECT_CODES or not location or opts.max_redirects == 0:
                break
            if len(state.hops) > opts.max_redirects:
                return Reason.ERROR, f"too many redirects (more than {opts.max_redirects})"
            url = url.join(URL(location))
            if status == 303 or (status in (301, 302) and method == "POST"):
                method = "GET"
        if status not in opts.expect_status:
            return Reason.BAD_STATUS, f"HTTP {status}"
        if self._body_re is not None and not self._body_re.search(text):
            return Reason.BODY_MISMATCH, f"HTTP {status}, body does not match {opts.body_regex!r}"
        return Reason.OK, f"HTTP {status}"

    async def _request(self, state: _Run, hop: _Hop, method: str,
                       headers: dict[str, str]) -> tuple[int, str | None, str]:
        """One hop; records status, phases and chain. Returns (status, Location, body text)."""
        timings = _Timings(self._clock)
        is_tls = hop.url.scheme == "https"
        self._ssl.made.clear()
        state.body_bytes = None
        try:
            async with self._session_now().request(
                    method, hop.url, headers=headers, allow_redirects=False,
                    ssl=self._ssl if is_tls else True, trace_request_ctx=timings,
                    timeout=aiohttp.ClientTimeout(total=self._options.timeout)) as resp:
                first_byte = self._clock()
                hop.status = resp.status
                body, state.body_bytes = await self._read(resp)
                done = self._clock()
                location = resp.headers.get("Location")
                charset = resp.charset or "utf-8"
        finally:
            if is_tls:
                self._record_chain(hop, timings)
            self._record_phases(state, timings)
        if timings.sent is not None:
            state.add_phase("first_byte", first_byte - timings.sent)
        state.add_phase("transfer", done - first_byte)
        try:
            text = body.decode(charset, "replace")
        except LookupError:                             # unknown charset label
            text = body.decode("utf-8", "replace")
        return resp.status, location, text

    async def _read(self, resp: aiohttp.ClientResponse) -> tuple[bytes, int | None]:
        if resp.method == "HEAD":
            return b"", resp.content_length
        kept, total, limit = bytearray(), 0, self._options.max_body_bytes
        async for chunk in resp.content.iter_chunked(65536):
            total += len(chunk)
            if len(kept) < limit:
                kept += chunk[: limit - len(kept)]
        return bytes(kept), total

    def _record_chain(self, hop: _Hop, timings: _Timings) -> None:
        if not self._ssl.made:
            return                                      # reused connection: no handshake
        timings.tls_start, obj = self._ssl.made[-1]
        self._ssl.made.clear()                          # do not keep the SSLObject alive
        hop.chain = parse_chain(peer_chain_der(obj))

    @staticmethod
    def _record_phases(state: _Run, t: _Timings) -> None:
        if t.dns_start is not None and t.dns_end is not None:
            state.add_phase("dns", t.dns_end - t.dns_start)
        if t.create_start is None or t.create_end is None:
            return                                      # reused connection or untraced session
        connected = t.tls_start if t.tls_start is not None else t.create_end
        state.add_phase("connect", connected - (t.dns_end or t.create_start))
        if t.tls_start is not None:
            state.add_phase("tls", t.create_end - t.tls_start)

    def _samples(self, state: _Run, reason: Reason) -> list[Sample]:
        check = (("check", self._check),)
        out = [Sample("vigie_http_up", 1.0 if reason is Reason.OK else 0.0, check,
                      help="1 if the HTTP check succeeded (status, body, TLS), else 0")]
        final = state.hops[-1] if state.hops else None
        if final is not None and final.status is not None:
            out.append(Sample("vigie_http_status_code", float(final.status), check,
                              help="HTTP status code of the last response"))
        out.append(Sample("vigie_http_redirects", float(max(len(state.hops) - 1, 0)), check,
                          help="Redirects followed during the check"))
        for phase in PHASES:
            if phase in state.phases:
                out.append(Sample("vigie_http_duration_seconds", state.phases[phase],
                                  check + (("phase", phase),),
                                  help="Time spent per phase, summed over redirect hops"))
        if state.body_bytes is not None:
            out.append(Sample("vigie_http_content_length_bytes", float(state.body_bytes), check,
                              help="Bytes of the last response body (Content-Length for HEAD)"))
        for index, hop in enumerate(state.hops):
            if hop.status is not None:
                out.append(Sample("vigie_http_hop_status_code", float(hop.status),
                                  check + (("hop", str(index)), ("host", _host_label(hop.url))),
                                  help="HTTP status code of each hop of the redirect chain"))
        out.extend(self._cert_samples(state, check))
        return out

    def _cert_samples(self, state: _Run, check: tuple[tuple[str, str], ...]) -> list[Sample]:
        out: list[Sample] = []
        seen: set[str] = set()
        now = self._wall_clock()
        for hop in state.hops:
            host = _host_label(hop.url)
            if not hop.chain or host in seen:
                continue
            seen.add(host)
            for cert in hop.chain:
                labels = check + (("host", host), ("position", str(cert.position)),
                                  ("subject", cert.subject), ("issuer", cert.issuer))
                out.append(Sample("vigie_http_tls_cert_not_after_timestamp_seconds",
                                  cert.not_after, labels,
                                  help="Expiry (notAfter) of each certificate the server "
                                       "presented, Unix time; position 0 is the leaf"))
                out.append(Sample("vigie_http_tls_cert_expiry_seconds",
                                  cert.not_after - now, labels,
                                  help="Seconds until each presented certificate expires "
                                       "(negative: expired)"))
        return out
