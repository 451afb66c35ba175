"""A tiny sd_notify(3) client: readiness, reload, stop, status and watchdog pings.

Dependency-free. Reads ``NOTIFY_SOCKET`` (a filesystem path, or an abstract socket
written ``@name``) and ``WATCHDOG_USEC``/``WATCHDOG_PID`` from the environment given at
construction. Every method is a no-op when ``NOTIFY_SOCKET`` is unset, so the daemon
can call them unconditionally. Send errors are swallowed: systemd going away must not
take the daemon down (the watchdog will notice if it matters).
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Mapping

__all__ = ["Notifier"]


def _monotonic_usec() -> int:
    """CLOCK_MONOTONIC in microseconds, the clock systemd compares MONOTONIC_USEC to."""
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000


class Notifier:
    """Sends state changes to the service manager over its notification socket."""

    def __init__(
        self,
        environ: Mapping[str, str] = os.environ,
        *,
        monotonic_usec: Callable[[], int] = _monotonic_usec,
        pid: int | None = None,
    ) -> None:
        self._address = self._parse_address(environ.get("NOTIFY_SOCKET", ""))
        self._monotonic_usec = monotonic_usec
        self._watchdog_usec = self._parse_watchdog(environ, os.getpid() if pid is None else pid)

    @staticmethod
    def _parse_address(raw: str) -> str | bytes | None:
        if not raw:
            return None
        if raw.startswith("@"):
            return b"\0" + raw[1:].encode()  # Linux abstract namespace
        if raw.startswith("/"):
            return raw
        return None  # vsock and other schemes are not supported

    @staticmethod
    def _parse_watchdog(environ: Mapping[str, str], pid: int) -> int | None:
        try:
            usec = int(environ.get("WATCHDOG_USEC", ""))
        except ValueError:
            return None
        if usec <= 0:
            return None
        watchdog_pid = environ.get("WATCHDOG_PID", "")
        if watchdog_pid and watchdog_pid != str(pid):
            return None  # the watchdog is meant for another process
        return usec

    @property
    def enabled(self) -> bool:
        """True when a notification socket was given."""
        return self._address is not None

    def notify(self, *fields: str) -> bool:
        """Send ``KEY=VALUE`` lines as one datagram; return True if it was sent."""
        if self._address is None or not fields:
            return False
        payload = "\n".join(fields).encode()
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.sendto(payload, self._address)
        except OSError:
            return False
        return True

    def ready(self) -> bool:
        """Startup (or reload) finished; the service is up."""
        return self.notify("READY=1")

    def reloading(self) -> bool:
        """A reload started; MONOTONIC_USEC as Type=notify-reload (systemd >= 253) wants."""
        return self.notify("RELOADING=1", f"MONOTONIC_USEC={self._monotonic_usec()}")

    def stopping(self) -> bool:
        """Shutdown started."""
        return self.notify("STOPPING=1")

    def status(self, text: str) -> bool:
        """Free-form one-line status shown by ``systemctl status``."""
        return self.notify("STATUS=" + " ".join(text.splitlines()))

    def watchdog(self) -> bool:
        """Keep-alive ping; call every ``watchdog_interval()`` seconds."""
        return self.notify("WATCHDOG=1")

    def watchdog_interval(self) -> float | None:
        """Seconds between watchdog pings (half of WATCHDOG_USEC), or None if disabled."""
        if self._watchdog_usec is None or self._address is None:
            return None
        return self._watchdog_usec / 2 / 1_000_000
