"""IcmpProbe against the real kernel: loopback in this namespace and in namespaces made here.

Cases needing another kernel setting run the probe in a child process inside a fresh network
namespace (``unshare -n``, root only), so nothing outside the test changes:

* datagram ("unprivileged ping") sockets: ``net.ipv4.ping_group_range`` widened in the netns;
* loss/timeout: ``icmp_echo_ignore_all`` set in the netns, loopback never answers;
* unreachable: the netns' ``lo`` left down;
* permission_error: ``ping_group_range`` empty and CAP_NET_RAW dropped (``setpriv``);
* dns_error: a netns with only ``lo``, so no resolver can be reached.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.probes.base import Reason
from monitor.probes.icmp import (EchoStats, IcmpOptions, IcmpProbe, checksum, echo_request,
                                 parse_reply)

FAST = IcmpOptions(count=3, interval=0.05, timeout=0.5)
ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import asyncio, json, sys
from monitor.probes.icmp import IcmpOptions, IcmpProbe
async def main():
    for host in sys.argv[1:]:
        r = await IcmpProbe(asset="a", host=host,
                            options=IcmpOptions(count=3, interval=0.05, timeout=0.4)).run()
        print(json.dumps({"host": host, "reason": str(r.reason), "detail": r.detail,
                          "samples": {s.name: s.value for s in r.samples}}))
asyncio.run(main())
"""


def in_netns(setup: str, *hosts: str, drop_net_raw: bool = False) -> dict[str, dict]:
    """Run the probe in a new network namespace after the shell ``setup``; results by host."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare(1) to make a network namespace")
    prefix = "setpriv --bounding-set=-net_raw --inh-caps=-net_raw " if drop_net_raw else ""
    script = f"{setup}\nexec {prefix}\"$0\" -c \"$@\""
    proc = subprocess.run(["unshare", "-n", "sh", "-ec", script, sys.executable, CHILD, *hosts],
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    return {row["host"]: row for row in rows}


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "127.9.8.7", "localhost"])
async def test_loopback_answers(host: str) -> None:
    result = await IcmpProbe(asset="lo", host=host, options=FAST).run()
    assert result.reason is Reason.OK, result.detail
    values = {s.name: s.value for s in result.samples}
    assert values["vigie_icmp_loss_ratio"] == 0.0
    assert values["vigie_icmp_requests"] == 3
    assert 0 < values["vigie_icmp_rtt_min_seconds"] <= values["vigie_icmp_rtt_avg_seconds"] \
        <= values["vigie_icmp_rtt_max_seconds"] < FAST.timeout
    assert values["vigie_icmp_jitter_seconds"] >= 0
    assert result.stats.packets_sent == 3 and result.stats.pdus == 3
    assert result.probe == "icmp" and result.samples[0].help
    assert all(not s.labels for s in result.samples)


async def test_payload_size_is_respected() -> None:
    result = await IcmpProbe(asset="lo", host="127.0.0.1",
                             options=IcmpOptions(count=2, interval=0.01, size=1400)).run()
    assert result.ok and result.stats.pdus == 2


def test_dgram_sockets_where_ping_group_range_allows() -> None:
    rows = in_netns('ip link set lo up\n'
                    'echo "0 2147483647" > /proc/sys/net/ipv4/ping_group_range',
                    "127.0.0.1", "::1")
    for host in ("127.0.0.1", "::1"):
        assert rows[host]["reason"] == "ok", rows[host]
        assert "(dgram socket)" in rows[host]["detail"]
        assert rows[host]["samples"]["vigie_icmp_loss_ratio"] == 0.0


def test_no_reply_is_timeout_with_full_loss() -> None:
    rows = in_netns("ip link set lo up\n"
                    "echo 1 > /proc/sys/net/ipv4/icmp_echo_ignore_all\n"
                    "echo 1 > /proc/sys/net/ipv6/icmp/echo_ignore_all",
                    "127.0.0.1", "::1")
    for host in ("127.0.0.1", "::1"):
        assert rows[host]["reason"] == "timeout", rows[host]
        assert rows[host]["samples"] == {"vigie_icmp_loss_ratio": 1.0,
                                         "vigie_icmp_requests": 3.0}


def test_loopback_down_is_unreachable() -> None:
    rows = in_netns("true", "127.0.0.1")
    assert rows["127.0.0.1"]["reason"] == "unreachable", rows
    assert rows["127.0.0.1"]["samples"]["vigie_icmp_loss_ratio"] == 1.0


def test_no_socket_allowed_is_permission_error_with_fix() -> None:
    rows = in_netns('ip link set lo up\necho "1 0" > /proc/sys/net/ipv4/ping_group_range',
                    "127.0.0.1", "::1", drop_net_raw=True)
    for host in ("127.0.0.1", "::1"):
        row = rows[host]
        assert row["reason"] == "permission_error", row
        assert "net.ipv4.ping_group_range" in row["detail"] and "CAP_NET_RAW" in row["detail"]
        assert row["samples"] == {}


def test_unresolvable_name_is_dns_error() -> None:
    rows = in_netns("ip link set lo up", "no-such-host.invalid")
    assert rows["no-such-host.invalid"]["reason"] == "dns_error"


@pytest.mark.parametrize(("rtts", "sent", "loss", "jitter"), [
    ((0.010, 0.020, 0.015), 3, 0.0, 0.0075),        # |10-20|=10, |20-15|=5 -> 7.5 ms
    ((0.010, 0.030), 4, 0.5, 0.020),
    ((0.005,), 3, 2 / 3, None),
    ((), 3, 1.0, None),
])
def test_echo_stats(rtts: tuple[float, ...], sent: int, loss: float,
                    jitter: float | None) -> None:
    stats = EchoStats(sent=sent, rtts=rtts)
    assert stats.loss_ratio == pytest.approx(loss)
    assert stats.jitter == (pytest.approx(jitter) if jitter is not None else None)
    names = {s.name for s in stats.samples()}
    assert ("vigie_icmp_rtt_avg_seconds" in names) == bool(rtts)


def test_packet_building_and_parsing() -> None:
    payload = b"tokentok" + bytes(48)
    packet = echo_request(socket.AF_INET, 0x1234, 7, payload)
    assert checksum(packet) == 0                     # a valid checksum sums to zero
    reply = bytes([0, 0]) + packet[2:]               # type 0: echo reply
    ip_header = bytes([0x45]) + bytes(19)
    assert parse_reply(socket.AF_INET, "raw", ip_header + reply) == (0x1234, 7, payload)
    assert parse_reply(socket.AF_INET, "dgram", reply) == (0x1234, 7, payload)
    assert parse_reply(socket.AF_INET, "dgram", packet) is None      # our own request
    v6 = echo_request(socket.AF_INET6, 1, 2, b"x")
    assert v6[0] == 128 and parse_reply(socket.AF_INET6, "raw", bytes([129]) + v6[1:]) == \
        (1, 2, b"x")
