"""SnmpProbe: PDU plan, partial results, label cache, stats (against the snmprec transport double)."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.simulator import shared_dir
from monitor.probes.base import Reason
from monitor.probes.snmp import SnmpProbe
from monitor.profiles import load_profile_text, load_profiles
from monitor.snmp.types import COUNTER64, INTEGER, OCTET_STRING, TIMETICKS
from tests.profiles.snmprec_session import SnmprecSession
from tests.profiles.test_profiles import BASE, _session

PROBES = Path(__file__).resolve().parents[2] / "probes"


async def test_label_cache_refreshed_when_uptime_goes_back() -> None:
    session = _session()
    probe = SnmpProbe(asset="a", session=session, profiles=[load_profile_text(BASE)], available=[])
    await probe.run()
    assert probe.cache_refreshes == 1
    session.set("1.3.6.1.2.1.31.1.1.1.1.1", (OCTET_STRING, b"renamed"))
    session.set("1.3.6.1.2.1.1.3.0", (TIMETICKS, 20_000))
    r = await probe.run()                 # uptime grew: labels come from the cache
    assert probe.cache_refreshes == 1
    assert ("ifname", "Gi0/1") in r.samples[0].labels
    session.set("1.3.6.1.2.1.1.3.0", (TIMETICKS, 50))   # reboot
    r = await probe.run()
    assert probe.cache_refreshes == 2
    assert ("ifname", "renamed") in r.samples[0].labels
    session.set("1.3.6.1.2.1.2.1.0", (INTEGER, 3))       # ifNumber changed
    await probe.run()
    assert probe.cache_refreshes == 3


async def test_failing_subtree_is_partial_and_core_failure_is_reason() -> None:
    session = _session()
    session.fail_roots = {"1.3.6.1.4.1.9.9.402.1.2.1.9"}
    probe = SnmpProbe(asset="a", session=session, profiles=[load_profile_text(BASE)], available=[])
    r = await probe.run()
    assert r.reason is Reason.OK
    assert r.partial == {"1.3.6.1.4.1.9.9.402.1.2.1.9": Reason.TIMEOUT}
    assert any(s.name == "vigie_if_received_bytes_total" for s in r.samples)
    session.fail_get = Reason.AUTH_ERROR
    r = await probe.run()
    assert r.reason is Reason.AUTH_ERROR and not r.samples


async def test_scalars_packed_in_one_get() -> None:
    session = SnmprecSession.from_file(shared_dir() / "corpus" / "apc_smart1500.snmprec")
    profiles = load_profiles(PROBES)
    probe = SnmpProbe(asset="a", session=session, profiles=None, available=profiles)
    await probe.run("fast")
    assert len(session.gets) == 2          # detection, then one packed GET
    assert len(session.gets[1]) > 10


async def test_entry_walk_is_one_walk_per_table() -> None:
    text = BASE.replace("        index: [{label: ifindex}]",
                        "        walk: entry\n        entry: 1.3.6.1.2.1.31.1.1.1\n        index: [{label: ifindex}]")
    text = text.replace("          - {name: poe_watts, oid: 1.3.6.1.4.1.9.9.402.1.2.1.9, scale: 0.001, help: h}\n", "")
    session = _session()
    probe = SnmpProbe(asset="a", session=session, profiles=[load_profile_text(text)], available=[])
    r = await probe.run()
    assert session.walked == ["1.3.6.1.2.1.31.1.1.1"]     # labels and counters from one walk
    assert ("ifname", "Gi0/2") in r.samples[-1].labels and r.samples[-1].value == 5


async def test_stats_are_this_polls_only() -> None:
    session = _session()
    probe = SnmpProbe(asset="a", session=session, profiles=[load_profile_text(BASE)], available=[])
    first = await probe.run()
    second = await probe.run()
    assert first.stats.pdus > second.stats.pdus > 0       # second poll reuses cached labels
    assert session.stats.pdus == first.stats.pdus + second.stats.pdus


async def test_no_uptime_anywhere_is_fine() -> None:
    session = _session()
    session.delete("1.3.6.1.2.1.1.3.0")
    probe = SnmpProbe(asset="a", session=session, profiles=[load_profile_text(BASE)], available=[])
    r = await probe.run("all")
    assert r.reason is Reason.OK and r.uptime is None and r.samples


async def test_bad_tier_is_a_programming_error() -> None:
    probe = SnmpProbe(asset="a", session=_session(), profiles=[], available=[])
    with pytest.raises(ValueError):
        await probe.run("sometimes")
