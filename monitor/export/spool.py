"""Durable FIFO of line-protocol points, in its own SQLite file (``synchronous=FULL``: fsync per commit).

Points are appended before any send, read back in order, and deleted by id only after the endpoint
acknowledged them (2xx). A restart resumes from what is on disk. The spool is bounded: when an
append would exceed ``max_points``, the OLDEST points are deleted to make room and counted in
``dropped`` (the caller exports it and logs the transition to full). Recent data is kept because
it is what operators look at during and after an outage; the bound is sized in days of points.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Sequence

from monitor.errors import VigieError


class SpoolError(VigieError):
    """The spool file cannot be opened or written."""


class Spool:
    def __init__(self, path: str | Path, *, max_points: int) -> None:
        if max_points < 1:
            raise ValueError("max_points must be >= 1")
        self.max_points = max_points
        self.dropped = 0
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("CREATE TABLE IF NOT EXISTS points (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                             "line TEXT NOT NULL)")
            self._count = self._db.execute("SELECT COUNT(*) FROM points").fetchone()[0]
        except sqlite3.Error as err:
            raise SpoolError(f"cannot open the InfluxDB spool {path}: {err}") from err

    def __len__(self) -> int:
        return self._count

    def append(self, lines: Sequence[str]) -> int:
        """Store ``lines`` durably (one transaction, fsync); returns how many old points were dropped."""
        if not lines:
            return 0
        cut = max(0, len(lines) - self.max_points)
        lines = list(lines)[cut:]
        over = max(0, self._count + len(lines) - self.max_points)
        try:
            self._db.execute("BEGIN IMMEDIATE")
            if over:
                self._db.execute("DELETE FROM points WHERE id IN (SELECT id FROM points ORDER BY id LIMIT ?)",
                                 (over,))
            self._db.executemany("INSERT INTO points (line) VALUES (?)", [(x,) for x in lines])
            self._db.execute("COMMIT")
        except sqlite3.Error as err:
            self._db.execute("ROLLBACK") if self._db.in_transaction else None
            raise SpoolError(f"cannot write the InfluxDB spool: {err}") from err
        dropped = over + cut
        self._count += len(lines) - over
        self.dropped += dropped
        return dropped

    def peek(self, n: int) -> list[tuple[int, str]]:
        """The ``n`` oldest points as (id, line)."""
        return self._db.execute("SELECT id, line FROM points ORDER BY id LIMIT ?", (n,)).fetchall()

    def delete(self, ids: Sequence[int]) -> None:
        """Forget acknowledged points (by id: points dropped meanwhile are not counted twice)."""
        if not ids:
            return
        cur = self._db.executemany("DELETE FROM points WHERE id = ?", [(i,) for i in ids])
        self._count = max(0, self._count - cur.rowcount) if cur.rowcount >= 0 else \
            self._db.execute("SELECT COUNT(*) FROM points").fetchone()[0]

    def close(self) -> None:
        self._db.close()
