"""Durations, addresses and the Config helpers (table-driven)."""

from __future__ import annotations

import pytest

from monitor.config import Asset, Config, parse_address
from monitor.config.durations import parse_duration
from monitor.config.check import has_errors


@pytest.mark.parametrize("text, seconds", [
    ("500ms", 0.5), ("30s", 30.0), ("5m", 300.0), ("1h", 3600.0), ("1d", 86400.0), ("1h30m", 5400.0),
    ("1.5s", 1.5), (" 2m ", 120.0)])
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5", "5 m", "m", "-1s", "1w", "1e3s", "1s2"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize("text, parsed", [
    ("192.0.2.1", ("192.0.2.1", None)), ("192.0.2.1:1161", ("192.0.2.1", 1161)),
    ("switch.mairie.local", ("switch.mairie.local", None)), ("sw-1:161", ("sw-1", 161)),
    ("2001:db8::1", ("2001:db8::1", None)), ("[2001:db8::1]:1161", ("2001:db8::1", 1161)),
    ("[::1]", ("::1", None))])
def test_addresses(text: str, parsed: tuple) -> None:
    assert parse_address(text) == parsed


@pytest.mark.parametrize("text", ["", " x", "a b", "host:", "host:0", "host:70000", "[::1", "[::1]x",
                                  "[zz::1]:1", "1.2.3.999", "-bad-.x", "a..b", "ex_ample.com:abc", "é.fr"])
def test_bad_addresses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_address(text)


def test_asset_lookup_and_snmp_port() -> None:
    a = Asset(name="a", site="s", kind="switch", address="[::1]:1161")
    config = Config(assets=(a,))
    assert config.asset("a") is a and a.host == "::1" and a.snmp_port() == 1161
    assert Asset(name="b", site="s", kind="switch", address="h").snmp_port() == 161
    with pytest.raises(KeyError):
        config.asset("zz")


def test_has_errors() -> None:
    assert has_errors(["warning: x", "error: y"]) and not has_errors(["warning: x"])
