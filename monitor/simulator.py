"""Serve real SNMP recordings with snmpsim on loopback (for the demo and the tests).

Each ``.snmprec`` file becomes a community: its path under the data directory without the
extension. Recordings come from ``../shared/corpus`` (LibreNMS test data, see its README) and from
the ``snmpsim-data`` package. snmpsim refuses to run as root, so as root it is started as
``nobody``, and its data and cache directories are made readable/writable for that user.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from monitor.errors import VigieError

REPO_ROOT = Path(__file__).resolve().parent.parent


class SimulatorError(VigieError):
    """snmpsim could not be started."""


def shared_dir() -> Path:
    """The project's shared folder: ``$VIGIE_SHARED``, else ``shared/`` beside the repository."""
    return Path(os.environ.get("VIGIE_SHARED") or REPO_ROOT.parent / "shared")


def corpus_dir() -> Path | None:
    """The shared corpus of real recordings (``$VIGIE_CORPUS`` or ``<shared>/corpus``), if present."""
    for candidate in (os.environ.get("VIGIE_CORPUS"), shared_dir() / "corpus"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


def snmpsim_data_dir() -> Path | None:
    try:
        import snmpsim_data  # type: ignore[import-not-found]
    except ImportError:
        return None
    d = Path(snmpsim_data.__file__).parent / "data"
    return d if d.is_dir() else None


def free_udp_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@dataclass
class Simulator:
    host: str
    port: int
    data_dir: Path
    process: subprocess.Popen
    communities: tuple[str, ...]
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def prepare_data(target: Path, sources: Iterable[tuple[Path, str]],
                 only: dict[str, tuple[str, ...]] | None = None) -> list[str]:
    """Copy recordings into ``target``: each (source dir, prefix) lands under ``target/prefix``.
    ``only`` optionally limits a prefix to some recordings (paths without extension).
    Returns the community names."""
    names = []
    for src, prefix in sources:
        wanted = (only or {}).get(prefix)
        for f in sorted(src.rglob("*.snmprec*")):
            if not (f.name.endswith(".snmprec") or f.name.endswith(".snmprec.bz2")):
                continue
            rel = f.relative_to(src)
            if wanted is not None and str(rel).split(".snmprec")[0] not in wanted:
                continue
            dest = target / prefix / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, dest)
            names.append(str((Path(prefix) / rel)).split(".snmprec")[0].lstrip("./"))
    return names


def _let_nobody_in(dirs: list[Path]) -> None:
    """snmpsim runs as nobody: it must traverse to its data and cache. Directories under the
    system temp dir (pytest's are 0700) are opened for traversal; anywhere else a closed parent
    is an error, never silently opened (think of /root)."""
    tmp = Path(tempfile.gettempdir()).resolve()
    for d in dirs:
        for parent in [d.resolve(), *d.resolve().parents]:
            mode = parent.stat().st_mode
            if mode & 0o001:
                continue
            if parent == tmp or tmp in parent.parents:
                os.chmod(parent, mode | 0o005)
            else:
                raise SimulatorError(f"{parent} is closed to other users and snmpsim runs as "
                                     f"nobody: use a work directory under {tmp}")


def start(data_dir: Path, *, host: str = "127.0.0.1", port: int | None = None,
          workdir: Path | None = None, timeout: float = 60.0,
          log: Path | None = None) -> Simulator:
    """Start snmpsim-command-responder serving ``data_dir``; waits until it answers."""
    exe = shutil.which("snmpsim-command-responder",
                       path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    if exe is None:
        raise SimulatorError("snmpsim-command-responder not found: pip install snmpsim")
    work = Path(workdir or tempfile.mkdtemp(prefix="vigie-snmpsim-"))
    cache = work / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    port = port or free_udp_port(host)
    cmd = [exe, f"--data-dir={data_dir}", f"--cache-dir={cache}",
           f"--agent-udpv4-endpoint={host}:{port}"]
    if os.geteuid() == 0:
        cmd += ["--process-user=nobody", "--process-group=nogroup"]
        for p in [work, cache, *data_dir.rglob("*"), data_dir]:
            os.chmod(p, 0o755 if p.is_dir() else 0o644)
        shutil.chown(cache, "nobody", "nogroup")
        _let_nobody_in([work, data_dir])
    log_path = log or work / "snmpsim.log"
    with open(log_path, "ab") as logf:  # the child keeps its own descriptor
        proc = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    communities = tuple(sorted(str(f.relative_to(data_dir)).split(".snmprec")[0]
                               for f in data_dir.rglob("*.snmprec*")))
    sim = Simulator(host, port, data_dir, proc, communities, log_path)
    _wait_ready(sim, communities[0] if communities else "public", timeout)
    return sim


def _wait_ready(sim: Simulator, community: str, timeout: float) -> None:
    from monitor.snmp import ber
    deadline = time.monotonic() + timeout
    request = ber.encode_request(version=1, community=community.encode(), pdu_type=0xA0,
                                 request_id=1, oids=["1.3.6.1.2.1.1.1.0"])
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.5)
        while time.monotonic() < deadline:
            if sim.process.poll() is not None:
                raise SimulatorError(f"snmpsim exited with code {sim.process.returncode}; "
                                     f"see {sim.log}")
            try:
                s.sendto(request, (sim.host, sim.port))
                s.recvfrom(65535)
                return
            except (socket.timeout, ConnectionRefusedError):
                continue
    sim.stop()
    raise SimulatorError(f"snmpsim did not answer within {timeout:.0f} s")


async def start_async(data_dir: Path, **kw) -> Simulator:
    return await asyncio.to_thread(start, data_dir, **kw)
