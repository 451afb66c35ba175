"""Run snmpsim serving the real corpus recordings on 127.0.0.1 at an OS-chosen UDP port.

Usage::

    with Snmpsim(workdir=tmp_path) as agent:
        agent.host, agent.port       # community = recording name without .snmprec

The data dir holds symlinks to /work/shared/corpus/*.snmprec. As root, snmpsim drops to
nobody/nogroup, so the temp dirs are made world-readable/writable for it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CORPUS = Path("/work/shared/corpus")
_GET_SYS_DESCR = (  # v2c GetRequest sysDescr.0 (every recording has it), request-id 1
    b"\xa0\x19\x02\x01\x01\x02\x01\x00\x02\x01\x00\x30\x0e\x30\x0c"
    b"\x06\x08\x2b\x06\x01\x02\x01\x01\x01\x00\x05\x00"
)


def free_udp_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _v2c_probe(community: str) -> bytes:
    c = community.encode()
    body = b"\x02\x01\x01" + b"\x04" + bytes((len(c),)) + c + _GET_SYS_DESCR
    return b"\x30" + bytes((len(body),)) + body


def responder() -> str | None:
    exe = Path(sys.executable).parent / "snmpsim-command-responder"
    return str(exe) if exe.exists() else shutil.which("snmpsim-command-responder")


class Snmpsim:
    def __init__(self, *, workdir: Path | None = None, corpus: Path = CORPUS,
                 host: str = "127.0.0.1") -> None:
        # pytest's tmp dirs are 0700 under root: snmpsim, running as nobody, could not read them.
        self._own = workdir is None
        self.workdir = Path(tempfile.mkdtemp(prefix="vigie-snmpsim-")) if workdir is None else Path(workdir)
        self.corpus = corpus
        self.host = host
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> "Snmpsim":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, wait_community: str = "utax", timeout: float = 30.0) -> None:
        exe = responder()
        if exe is None:
            raise RuntimeError("snmpsim-command-responder not installed")
        data = self.workdir / "data"
        cache = self.workdir / "cache"
        data.mkdir(parents=True, exist_ok=True)
        cache.mkdir(parents=True, exist_ok=True)
        for f in self.corpus.glob("*.snmprec"):
            link = data / f.name
            if not link.exists():
                link.symlink_to(f)
        for d in (self.workdir, data, cache):
            os.chmod(d, 0o777)
        self.port = free_udp_port(self.host)
        args = [exe, f"--data-dir={data}", f"--cache-dir={cache}",
                f"--agent-udpv4-endpoint={self.host}:{self.port}"]
        if os.geteuid() == 0:
            args += ["--process-user=nobody", "--process-group=nogroup"]
        log = open(self.workdir / "snmpsim.log", "wb")
        self._proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        self._wait(wait_community, timeout)

    def _wait(self, community: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.5)
            while time.monotonic() < deadline:
                if self._proc is not None and self._proc.poll() is not None:
                    raise RuntimeError(f"snmpsim exited: {(self.workdir / 'snmpsim.log').read_text()[-2000:]}")
                s.sendto(_v2c_probe(community), (self.host, self.port))
                try:
                    s.recvfrom(65535)
                    return
                except OSError:
                    continue
        self.stop()
        raise RuntimeError("snmpsim did not answer in time")

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None
        if self._own:
            shutil.rmtree(self.workdir, ignore_errors=True)
