"""A real Redfish service on loopback: ``sushy-static`` serving the DMTF ``public-rackmount1`` mockup.

``sushy-static`` is the mockup server of OpenStack's sushy-tools (pip ``sushy-tools``). It serves
the files of ``redfish_mockup/public-rackmount1`` (values verbatim from the DMTF bundle, see its
README) without authentication, on a port the OS chooses. The demo and the tests use it.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from monitor.errors import VigieError

MOCKUP = Path(__file__).parent / "redfish_mockup" / "public-rackmount1"

# sushy-static's own main() takes a fixed port; this binds port 0 and reports the port chosen.
_LAUNCH = """
import http.server, sys
from sushy_tools.static import main as m
m.REDFISH_MOCKUP_FILES = sys.argv[1]
srv = http.server.HTTPServer(("127.0.0.1", 0), m.RequestHandler)
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write(str(srv.server_port))
import os; os.rename(sys.argv[2] + ".tmp", sys.argv[2])
srv.serve_forever()
"""


class RedfishPeerError(VigieError):
    """sushy-static could not be started."""


def load_mockup(root: Path = MOCKUP) -> dict[str, dict[str, Any]]:
    """URI path (``/redfish/v1/...``) -> document, for every index.json under ``root``."""
    docs = {}
    for f in root.rglob("index.json"):
        rel = f.parent.relative_to(root).as_posix()
        docs["/redfish/v1" + ("/" + rel if rel != "." else "")] = json.loads(f.read_text())
    return docs


def available() -> bool:
    """True when sushy-tools is installed in this interpreter."""
    try:
        import sushy_tools.static.main  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass
class SushyStatic:
    """A running sushy-static process; ``base_url`` is ``http://127.0.0.1:PORT``."""

    base_url: str
    process: subprocess.Popen

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_sushy_static(root: Path = MOCKUP, *, workdir: Path, timeout: float = 20.0) -> SushyStatic:
    """Start sushy-static on an OS-chosen loopback port and wait until it has bound it."""
    workdir.mkdir(parents=True, exist_ok=True)
    port_file = workdir / "sushy-static.port"
    port_file.unlink(missing_ok=True)
    with open(workdir / "sushy-static.log", "ab") as log:
        proc = subprocess.Popen([sys.executable, "-c", _LAUNCH, str(root), str(port_file)],
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while not port_file.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            SushyStatic("", proc).stop()
            raise RedfishPeerError(f"sushy-static did not start (pip install sushy-tools); "
                                   f"see {workdir / 'sushy-static.log'}")
        time.sleep(0.02)
    return SushyStatic(f"http://127.0.0.1:{port_file.read_text()}", proc)


@contextlib.contextmanager
def sushy_static(root: Path = MOCKUP) -> Iterator[str]:
    """Run sushy-static in a temporary directory; yields its base URL."""
    with tempfile.TemporaryDirectory() as tmp:
        peer = start_sushy_static(root, workdir=Path(tmp))
        try:
            yield peer.base_url
        finally:
            peer.stop()


__all__ = ["MOCKUP", "RedfishPeerError", "SushyStatic", "available", "load_mockup",
           "start_sushy_static", "sushy_static"]
