"""snmpsim serving the real corpus recordings on 127.0.0.1 at an OS-chosen UDP port.

Usage::

    with Snmpsim() as agent:
        agent.host, agent.port       # community = recording name without .snmprec

A thin test wrapper over :mod:`monitor.simulator` (the same code the demo uses).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from monitor import simulator

CORPUS = simulator.corpus_dir() or simulator.shared_dir() / "corpus"


def responder() -> str | None:
    return shutil.which("snmpsim-command-responder",
                        path=f"{Path(__import__('sys').executable).parent}:"
                             f"{__import__('os').environ.get('PATH', '')}")


class Snmpsim:
    def __init__(self, *, workdir: Path | None = None, corpus: Path = CORPUS,
                 host: str = "127.0.0.1") -> None:
        self._own = workdir is None
        self.workdir = Path(tempfile.mkdtemp(prefix="vigie-snmpsim-")) if workdir is None else Path(workdir)
        self.corpus = corpus
        self.host = host
        self._sim: simulator.Simulator | None = None

    @property
    def port(self) -> int:
        return self._sim.port if self._sim else 0

    def __enter__(self) -> "Snmpsim":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, timeout: float = 60.0) -> None:
        data = self.workdir / "data"
        simulator.prepare_data(data, [(self.corpus, ".")])
        self._sim = simulator.start(data, host=self.host, workdir=self.workdir / "snmpsim",
                                    timeout=timeout)

    def stop(self) -> None:
        if self._sim is not None:
            self._sim.stop()
            self._sim = None
        if self._own:
            shutil.rmtree(self.workdir, ignore_errors=True)
