"""Drive Debian's prometheus-snmp-exporter (v0.21) by hand on loopback and read its own figures."""

from __future__ import annotations

import re
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psutil

EXPORTER = "/usr/bin/prometheus-snmp-exporter"
ANCHOR_CONFIG = Path("/work/shared/anchors/snmp_exporter/snmp.yml")
_SAMPLE = re.compile(r"^(snmp_scrape_\w+)(?:\{[^}]*\})? (\S+)$", re.MULTILINE)


def free_tcp_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@dataclass(slots=True)
class Scrape:
    varbinds: int         # snmp_scrape_pdus_returned (it counts varbinds, despite the name)
    packets: int          # snmp_scrape_packets_sent
    retries: int          # snmp_scrape_packets_retried
    walk_seconds: float   # snmp_scrape_walk_duration_seconds
    samples: int          # lines of metric samples in the page


def parse_scrape(text: str) -> Scrape:
    own = {name: float(value) for name, value in _SAMPLE.findall(text)}
    samples = sum(1 for line in text.splitlines() if line and not line.startswith("#"))
    return Scrape(varbinds=int(own["snmp_scrape_pdus_returned"]),
                  packets=int(own.get("snmp_scrape_packets_sent", 0)),
                  retries=int(own.get("snmp_scrape_packets_retried", 0)),
                  walk_seconds=own["snmp_scrape_walk_duration_seconds"], samples=samples)


class SnmpExporter:
    """One exporter process on 127.0.0.1 at an OS-chosen port; ``scrape`` returns its figures."""

    def __init__(self, *, workdir: Path, config: Path = ANCHOR_CONFIG) -> None:
        self.workdir, self.config = workdir, config
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> "SnmpExporter":
        self.port = free_tcp_port()
        log = open(self.workdir / "snmp_exporter.log", "wb")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [EXPORTER, f"--config.file={self.config}", f"--web.listen-address=127.0.0.1:{self.port}"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError((self.workdir / "snmp_exporter.log").read_text())
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=1).read()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("snmp_exporter did not start")

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)

    @property
    def process(self) -> psutil.Process:
        assert self.proc is not None
        return psutil.Process(self.proc.pid)

    def scrape(self, target: str, module: str = "if_mib") -> Scrape:
        url = f"http://127.0.0.1:{self.port}/snmp?target={target}&module={module}"
        with urllib.request.urlopen(url, timeout=120) as response:
            return parse_scrape(response.read().decode())
