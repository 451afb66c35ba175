"""sd_notify client against real unix datagram sockets (path and abstract)."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator

import pytest

from monitor.sdnotify import Notifier


@pytest.fixture
def path_socket(tmp_path) -> Iterator[tuple[socket.socket, str]]:
    path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(2)
    yield sock, path
    sock.close()


@pytest.fixture
def abstract_socket() -> Iterator[tuple[socket.socket, str]]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    name = f"vigie-test-{os.getpid()}-{id(sock)}"
    sock.bind(b"\0" + name.encode())
    sock.settimeout(2)
    yield sock, "@" + name
    sock.close()


def _pending(sock: socket.socket) -> list[bytes]:
    """Datagrams already queued on the socket, without waiting."""
    out = []
    sock.setblocking(False)
    try:
        while True:
            out.append(sock.recv(4096))
    except BlockingIOError:
        return out
    finally:
        sock.settimeout(2)


def test_path_socket_datagrams(path_socket) -> None:
    sock, path = path_socket
    n = Notifier({"NOTIFY_SOCKET": path}, monotonic_usec=lambda: 123456789)
    assert n.enabled
    assert n.ready()
    assert sock.recv(4096) == b"READY=1"
    assert n.reloading()
    assert sock.recv(4096) == b"RELOADING=1\nMONOTONIC_USEC=123456789"
    assert n.status("polling 12 assets\nsecond line")
    assert sock.recv(4096) == b"STATUS=polling 12 assets second line"
    assert n.watchdog()
    assert sock.recv(4096) == b"WATCHDOG=1"
    assert n.stopping()
    assert sock.recv(4096) == b"STOPPING=1"
    assert _pending(sock) == []


def test_abstract_socket_datagrams(abstract_socket) -> None:
    sock, name = abstract_socket
    n = Notifier({"NOTIFY_SOCKET": name})
    assert n.ready()
    assert sock.recv(4096) == b"READY=1"
    assert n.notify("STATUS=x", "EXTEND_TIMEOUT_USEC=5000000")
    assert sock.recv(4096) == b"STATUS=x\nEXTEND_TIMEOUT_USEC=5000000"


def test_default_monotonic_clock_is_clock_monotonic(path_socket) -> None:
    sock, path = path_socket
    before = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
    Notifier({"NOTIFY_SOCKET": path}).reloading()
    after = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
    first, second = sock.recv(4096).split(b"\n")
    assert first == b"RELOADING=1"
    key, _, value = second.partition(b"=")
    assert key == b"MONOTONIC_USEC"
    assert before <= int(value) <= after


def test_unset_socket_is_noop() -> None:
    n = Notifier({"WATCHDOG_USEC": "60000000"})
    assert not n.enabled
    assert n.ready() is False
    assert n.watchdog() is False
    assert n.watchdog_interval() is None


def test_unreachable_socket_does_not_raise(tmp_path) -> None:
    n = Notifier({"NOTIFY_SOCKET": str(tmp_path / "absent.sock")})
    assert n.enabled
    assert n.ready() is False


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"WATCHDOG_USEC": "60000000"}, 30.0),
        ({"WATCHDOG_USEC": "60000000", "WATCHDOG_PID": "4242"}, 30.0),
        ({"WATCHDOG_USEC": "60000000", "WATCHDOG_PID": "1"}, None),
        ({"WATCHDOG_USEC": "0"}, None),
        ({"WATCHDOG_USEC": "soon"}, None),
        ({}, None),
    ],
)
def test_watchdog_interval(path_socket, env, expected) -> None:
    _, path = path_socket
    n = Notifier({"NOTIFY_SOCKET": path, **env}, pid=4242)
    assert n.watchdog_interval() == expected


def test_watchdog_pid_defaults_to_own_pid(path_socket) -> None:
    _, path = path_socket
    env = {"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "3000000", "WATCHDOG_PID": str(os.getpid())}
    assert Notifier(env).watchdog_interval() == 1.5
