"""Run net-snmp's snmpd as a real test agent on 127.0.0.1 at an OS-chosen UDP port.

Usage::

    from tests.peers.snmpd import Snmpd

    with Snmpd(workdir=tmp_path) as agent:       # started and answering
        agent.host, agent.port                   # "127.0.0.1", free port picked by the OS
        agent.community                          # v2c/v1 read-only community ("public")
        agent.user, agent.auth_key, agent.priv_key   # v3 authPriv user (SHA-256 + AES-128)
        agent.stop(); agent.start()              # stop / start again on the same port
        agent.restart()                          # "agent reboot" (engineBoots goes up)
        agent.pause(); agent.resume()            # SIGSTOP/SIGCONT: port open, no answers

``extra_conf`` lines are appended to the generated snmpd.conf (e.g. ``maxGetbulkRepeats 5``
or ``extend`` lines). As a pytest fixture::

    @pytest.fixture
    def snmpd(tmp_path):
        with Snmpd(workdir=tmp_path) as agent:
            yield agent

Needs the Debian package ``snmpd``. SNMP_PERSISTENT_DIR lives in ``workdir``, so nothing is
written under /var/lib/snmp; the agent's log is ``workdir/snmpd.log``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from monitor.simulator import free_udp_port

SYS_UPTIME_GET = (  # v2c GetRequest sysUpTime.0, request-id 1, community filled in at runtime
    b"\xa0\x19\x02\x01\x01\x02\x01\x00\x02\x01\x00\x30\x0e\x30\x0c"
    b"\x06\x08\x2b\x06\x01\x02\x01\x01\x03\x00\x05\x00"
)


def _v2c_probe(community: str) -> bytes:
    c = community.encode()
    body = b"\x02\x01\x01" + b"\x04" + bytes((len(c),)) + c + SYS_UPTIME_GET
    return b"\x30" + bytes((len(body),)) + body


class Snmpd:
    """One snmpd process. Start/stop are synchronous; ``start`` returns once it answers."""

    def __init__(self, *, workdir: Path | str, community: str = "public",
                 user: str = "vigie", auth_key: str = "authpass123",
                 priv_key: str = "privpass123", extra_conf: str = "",
                 host: str = "127.0.0.1") -> None:
        if shutil.which("snmpd") is None and not Path("/usr/sbin/snmpd").exists():
            raise RuntimeError("snmpd not installed (apt-get install snmpd)")
        self.workdir = Path(workdir)
        self.host = host
        self.port = 0
        self.community = community
        self.user, self.auth_key, self.priv_key = user, auth_key, priv_key
        self.extra_conf = extra_conf
        self.proc: subprocess.Popen[bytes] | None = None
        self.conf = self.workdir / "snmpd.conf"
        self.log = self.workdir / "snmpd.log"

    def _write_conf(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "persist").mkdir(exist_ok=True)
        self.conf.write_text(
            f"rocommunity {self.community} 127.0.0.1\n"
            f"createUser {self.user} SHA-256 {self.auth_key} AES {self.priv_key}\n"
            f"rouser {self.user} authpriv\n"
            "dontLogTCPWrappersConnects yes\n"
            f"{self.extra_conf}\n"
        )

    def start(self, timeout: float = 10.0) -> None:
        """Start (on the previous port if there was one) and wait until it answers."""
        if self.proc is not None:
            return
        self._write_conf()
        if not self.port:
            self.port = free_udp_port(self.host)
        exe = shutil.which("snmpd") or "/usr/sbin/snmpd"
        # -C skips the persistent file too: name it, so engineID/engineBoots survive restarts
        persisted = self.workdir / "persist" / "snmpd.conf"
        confs = [str(self.conf)] + ([str(persisted)] if persisted.exists() else [])
        env = dict(os.environ, SNMP_PERSISTENT_DIR=str(self.workdir / "persist"),
                   MIBS="", MIBDIRS="/nonexistent")
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [exe, "-f", "-Lo", "-C", "-c", ",".join(confs), f"udp:{self.host}:{self.port}"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        probe = _v2c_probe(self.community)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.2)
            while time.monotonic() < deadline:
                if self.proc is None or self.proc.poll() is not None:
                    raise RuntimeError(f"snmpd exited; log:\n{self.log.read_text()[-2000:]}")
                try:
                    s.sendto(probe, (self.host, self.port))
                    if s.recv(2048):
                        return
                except OSError:  # timeout or port unreachable while it starts
                    time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"snmpd did not answer in {timeout}s; log:\n{self.log.read_text()}")

    def stop(self) -> None:
        """Terminate the agent (its port stays reserved in self.port for a later start)."""
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGCONT)
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def pause(self) -> None:
        """Freeze the agent (SIGSTOP): its port stays open but nothing answers."""
        if self.proc is not None:
            self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGCONT)

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def __enter__(self) -> "Snmpd":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
