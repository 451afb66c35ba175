"""Validation rules: per-class checks run by the binder, and cross-reference checks over the whole inventory."""

from __future__ import annotations

import re
import urllib.parse
import zoneinfo
from collections.abc import Iterator, Mapping
from typing import Any

from monitor.probes.http import HttpOptions
from monitor.probes.icmp import IcmpOptions
from monitor.probes.meraki import MerakiOptions

from .model import Asset, Credential, DaemonOptions, SnmpCredential, Site, Tiers, parse_address

NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")
NAME_RULE = "1-63 characters among letters, digits, '.', '_' and '-', starting with a letter or digit"
MIN_KEY_LENGTH = 8

_DUR = {"duration": True, "min": 0.0, "exclusive_min": True}
#: Metadata for option classes owned by the probe modules (durations and bounds).
EXTRA_META: Mapping[tuple[type, str], Mapping[str, Any]] = {
    (HttpOptions, "timeout"): _DUR,
    (HttpOptions, "max_redirects"): {"min": 0, "max": 20},
    (IcmpOptions, "count"): {"min": 1, "max": 100},
    (IcmpOptions, "interval"): {"duration": True, "min": 0.0},
    (IcmpOptions, "timeout"): _DUR,
    (IcmpOptions, "size"): {"min": 0, "max": 65500},
    (MerakiOptions, "timeout"): _DUR,
    (MerakiOptions, "per_page"): {"min": 3, "max": 1000},
    (MerakiOptions, "max_retries"): {"min": 0, "max": 10},
}


def check_name(value: str) -> str | None:
    return None if NAME_RE.fullmatch(value) else f"invalid name {value[:70]!r}: use {NAME_RULE}"


def _snmp_credential(c: SnmpCredential) -> Iterator[tuple[str, str]]:
    if c.version in ("1", "2c"):
        if c.community is None:
            yield "", f"SNMP version {c.version} needs a 'community'"
        for key in ("user", "auth_protocol", "auth_key", "priv_protocol", "priv_key", "context"):
            if getattr(c, key):
                yield key, f"{key!r} is only used with SNMP version 3"
        return
    if c.community is not None:
        yield "community", "'community' is only used with SNMP versions 1 and 2c"
    if not c.user:
        yield "", "SNMP version 3 needs a 'user'"
    for proto, key in (("auth_protocol", "auth_key"), ("priv_protocol", "priv_key")):
        if (getattr(c, proto) is None) != (getattr(c, key) is None):
            yield (proto if getattr(c, proto) is None else key), f"{proto!r} and {key!r} go together"
        secret = getattr(c, key)
        if secret is not None and len(secret.reveal()) < MIN_KEY_LENGTH:
            yield key, f"SNMPv3 keys need at least {MIN_KEY_LENGTH} characters (value not shown)"
    if c.priv_protocol is not None and c.auth_protocol is None:
        yield "priv_protocol", "privacy (priv_protocol) needs authentication (auth_protocol)"


def _credential(c: Credential) -> Iterator[tuple[str, str]]:
    if c.snmp is None and c.http is None:
        yield "", "a credential needs an 'snmp' or an 'http' part"
    if c.http is not None and c.http.password is not None and not c.http.username:
        yield "http", "'password' needs a 'username'"


def _site(s: Site) -> Iterator[tuple[str, str]]:
    try:
        zoneinfo.ZoneInfo(s.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        yield "timezone", f"unknown time zone {s.timezone[:60]!r}"


def _tiers(t: Tiers) -> Iterator[tuple[str, str]]:
    if t.fast > t.slow:
        yield "fast", f"fast tier ({t.fast:g}s) must not be slower than the slow tier ({t.slow:g}s)"


def _daemon(d: DaemonOptions) -> Iterator[tuple[str, str]]:
    listen = d.listen[:-2] + ":1" if d.listen.endswith(":0") else d.listen  # port 0: OS picks
    try:
        _, port = parse_address(listen)
    except ValueError as err:
        yield "listen", f"invalid listen address: {err}"
        return
    if port is None:
        yield "listen", "listen address needs a port, e.g. 127.0.0.1:9116"


def _http(h: HttpOptions) -> Iterator[tuple[str, str]]:
    url = urllib.parse.urlsplit(h.url)
    if url.scheme not in ("http", "https") or not url.hostname:
        yield "url", f"expected an http:// or https:// URL, got {h.url[:80]!r}"
    if h.body_regex is not None:
        try:
            re.compile(h.body_regex)
        except re.error as err:
            yield "body_regex", f"invalid regular expression: {err}"
    for code in h.expect_status:
        if not 100 <= code <= 599:
            yield "expect_status", f"HTTP status {code} is not between 100 and 599"


def _asset(a: Asset) -> Iterator[tuple[str, str]]:
    if msg := check_name(a.name):
        yield "name", msg
    if a.address:
        try:
            parse_address(a.address)
        except ValueError as err:
            yield "address", f"invalid address {a.address[:80]!r}: {err}"
    if (a.probes.snmp or a.probes.icmp) and not a.address:
        yield "address", "an address is needed for SNMP and ICMP probes"
    if a.tiers is not None:
        yield from _tiers(a.tiers)


VALIDATORS = {SnmpCredential: _snmp_credential, Credential: _credential, Site: _site, Tiers: _tiers,
              DaemonOptions: _daemon, HttpOptions: _http, Asset: _asset}
