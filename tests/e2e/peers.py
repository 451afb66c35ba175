"""Real Prometheus and Alertmanager processes on 127.0.0.1 for end-to-end tests.

Usage::

    with Alertmanager(workdir=tmp / "am", config=am_yaml) as am:          # am.url
        with Prometheus(workdir=tmp / "prom", targets=["127.0.0.1:9116"],
                        rule_files=[rules], alertmanager=am.address) as prom:
            prom.url                                                      # http://127.0.0.1:PORT

Neither binary accepts port 0, so a port is picked by binding port 0 and releasing it; if
another process takes it meanwhile, the peer fails to bind and is retried on a new port.
Storage (TSDB, notification log) lives in ``workdir``. Needs the Debian packages
``prometheus`` and ``prometheus-alertmanager``.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import yaml


def free_tcp_port(host: str = "127.0.0.1") -> int:
    """A TCP port the OS considers free right now (it may be taken before it is used)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def http_json(url: str, timeout: float = 2.0) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as r:  # noqa: S310 (loopback only)
        return json.loads(r.read())


class _Peer:
    """A process serving HTTP on 127.0.0.1:port with a ``/-/ready`` endpoint."""

    exe_names: tuple[str, ...] = ()

    def __init__(self, *, workdir: Path | str, host: str = "127.0.0.1") -> None:
        self.workdir = Path(workdir)
        self.host = host
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = self.workdir / "peer.log"
        self.exe = next((p for n in self.exe_names if (p := shutil.which(n))), None)
        if self.exe is None:
            raise RuntimeError(f"{self.exe_names[0]} not installed (Debian package)")

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    def _argv(self) -> list[str]:
        raise NotImplementedError

    def start(self, timeout: float = 30.0, attempts: int = 5) -> None:
        """Start on a free port and wait until ``/-/ready``; retry when the port was taken."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        for _ in range(attempts):
            self.port = free_tcp_port(self.host)
            offset = self.log.stat().st_size if self.log.exists() else 0
            with open(self.log, "ab") as log:
                self.proc = subprocess.Popen(self._argv(), stdout=log, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL, cwd=self.workdir)
            if self._wait_ready(timeout):
                return
            text = self.log.read_bytes()[offset:].decode(errors="replace")
            self.stop()
            if "address already in use" not in text:
                raise RuntimeError(f"{self.exe} did not become ready; log:\n{text[-3000:]}")
        raise RuntimeError(f"{self.exe}: no free port after {attempts} attempts")

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(f"{self.url}/-/ready", timeout=1) as r:  # noqa: S310
                    if r.status == 200:
                        return True
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        return False

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Alertmanager(_Peer):
    """``prometheus-alertmanager`` with ``config`` (a dict), clustering off."""

    exe_names = ("prometheus-alertmanager", "alertmanager")

    def __init__(self, *, workdir: Path | str, config: dict[str, Any], **kw: Any) -> None:
        super().__init__(workdir=workdir, **kw)
        self.config_file = self.workdir / "alertmanager.yml"
        self.config = config

    def _argv(self) -> list[str]:
        self.config_file.write_text(yaml.safe_dump(self.config, sort_keys=False))
        return [self.exe, f"--config.file={self.config_file}",  # type: ignore[list-item]
                f"--storage.path={self.workdir / 'data'}",
                f"--web.listen-address={self.address}", "--cluster.listen-address=",
                "--log.level=info"]

    def alerts(self, **filters: str) -> list[dict[str, Any]]:
        """``GET /api/v2/alerts`` (active, silenced and inhibited), filtered by label equality."""
        q = "&".join("filter=" + urllib.request.quote(f'{k}="{v}"') for k, v in filters.items())
        return http_json(f"{self.url}/api/v2/alerts?{q}")


class Prometheus(_Peer):
    """``prometheus`` scraping ``targets`` (job ``vigie``) and evaluating ``rule_files``."""

    exe_names = ("prometheus",)

    def __init__(self, *, workdir: Path | str, targets: list[str], rule_files: list[Path],
                 alertmanager: str, interval: str = "1s", **kw: Any) -> None:
        super().__init__(workdir=workdir, **kw)
        self.config_file = self.workdir / "prometheus.yml"
        self.config = {
            "global": {"scrape_interval": interval, "evaluation_interval": interval},
            "rule_files": [str(p) for p in rule_files],
            "alerting": {"alertmanagers": [{"static_configs": [{"targets": [alertmanager]}]}]},
            "scrape_configs": [{"job_name": "vigie", "static_configs": [{"targets": targets}]}],
        }

    def _argv(self) -> list[str]:
        self.config_file.write_text(yaml.safe_dump(self.config, sort_keys=False))
        return [self.exe, f"--config.file={self.config_file}",  # type: ignore[list-item]
                f"--storage.tsdb.path={self.workdir / 'data'}",
                f"--web.listen-address={self.address}", "--log.level=info"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        """Instant query; the ``result`` vector."""
        q = urllib.request.quote(expr)
        return http_json(f"{self.url}/api/v1/query?query={q}")["data"]["result"]

    def rules_health(self) -> dict[str, str]:
        """Rule name -> health (``ok``, ``err``, ``unknown``) from ``/api/v1/rules``."""
        data = http_json(f"{self.url}/api/v1/rules")["data"]["groups"]
        return {f"{g['name']}/{r['name']}": r["health"] for g in data for r in g["rules"]}
