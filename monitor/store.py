"""Vigie's own state, in one SQLite file (WAL): asset state transitions, daemon runs, counter state.

Designed for the SLA and energy engines that read it back:

* ``transitions(asset, ts, state, reason)``: one row each time an asset's state changes
  (up, down, unreachable, unmeasured). The time the daemon was not running is written as
  ``unmeasured`` at start-up (from the last heartbeat), never assumed up.
* ``runs(id, started, heartbeat, stopped)``: one row per daemon run; the heartbeat is refreshed
  every few seconds so that a crash leaves a bounded gap.
* ``counters(key, raw, offset, uptime, ts)``: the wrap/reset-aware counter state of
  :mod:`monitor.counters`, so exported totals stay exact across restarts.

All timestamps are UTC seconds since the epoch (float). Writes are batched by the caller
(:meth:`Store.flush`), never issued from a Prometheus scrape.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from monitor.counters import CounterState
from monitor.errors import VigieError

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started REAL NOT NULL, heartbeat REAL NOT NULL, stopped REAL
);
CREATE TABLE IF NOT EXISTS transitions (
    asset TEXT NOT NULL, ts REAL NOT NULL, state TEXT NOT NULL, reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS transitions_asset_ts ON transitions (asset, ts);
CREATE TABLE IF NOT EXISTS counters (
    key TEXT PRIMARY KEY, raw REAL NOT NULL, offset REAL NOT NULL, uptime REAL, ts REAL NOT NULL
);
"""


class StoreError(VigieError):
    """The state database cannot be opened or written."""


@dataclass(frozen=True, slots=True)
class Transition:
    asset: str
    ts: float
    state: str
    reason: str = ""


class Store:
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            # A short busy timeout: the daemon's event loop must not wait long on a CLI's lock;
            # a failed write raises StoreError and the caller keeps what it could not write.
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                       timeout=1.0)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                             (str(SCHEMA_VERSION),))
        except sqlite3.Error as err:
            raise StoreError(f"cannot open state database {self.path}: {err}") from err
        self._run_id: int | None = None

    def close(self) -> None:
        self._db.close()

    # --- daemon runs -------------------------------------------------------------------------
    def start_run(self, now: float, assets: Iterable[str]) -> None:
        """Record a new run. Assets whose last state was measured get an ``unmeasured`` transition
        at the previous run's last heartbeat: the daemon was not looking from then until now."""
        with self._tx():
            row = self._db.execute(
                "SELECT id, heartbeat, stopped FROM runs ORDER BY id DESC LIMIT 1").fetchone()
            if row is not None:
                gap_start = row[2] if row[2] is not None else row[1]
                if row[2] is None:
                    self._db.execute("UPDATE runs SET stopped = heartbeat WHERE id = ?", (row[0],))
                for asset in assets:
                    last = self.last_state(asset)
                    if last is not None and last.state != "unmeasured":
                        # A transition written after the last heartbeat proves the daemon ran
                        # until then: the blind time starts at the later of the two.
                        self._db.execute("INSERT INTO transitions VALUES (?, ?, 'unmeasured', ?)",
                                         (asset, max(gap_start, last.ts), "daemon not running"))
            cur = self._db.execute("INSERT INTO runs (started, heartbeat) VALUES (?, ?)", (now, now))
            self._run_id = cur.lastrowid

    def heartbeat(self, now: float) -> None:
        if self._run_id is not None:
            try:
                self._db.execute("UPDATE runs SET heartbeat = ? WHERE id = ?", (now, self._run_id))
            except sqlite3.Error as err:
                raise StoreError(f"heartbeat not written: {err}") from err

    def stop_run(self, now: float, assets: Iterable[str]) -> None:
        """Clean stop: every asset becomes unmeasured from now on."""
        with self._tx():
            for asset in assets:
                last = self.last_state(asset)
                if last is not None and last.state != "unmeasured":
                    self._db.execute("INSERT INTO transitions VALUES (?, ?, 'unmeasured', ?)",
                                     (asset, now, "daemon stopped"))
            if self._run_id is not None:
                self._db.execute("UPDATE runs SET heartbeat = ?, stopped = ? WHERE id = ?",
                                 (now, now, self._run_id))

    def runs(self) -> list[tuple[float, float, float | None]]:
        return [tuple(r) for r in self._db.execute(
            "SELECT started, heartbeat, stopped FROM runs ORDER BY id")]

    # --- transitions -------------------------------------------------------------------------
    def record_transitions(self, rows: Iterable[Transition]) -> None:
        with self._tx():
            self._db.executemany("INSERT INTO transitions VALUES (?, ?, ?, ?)",
                                 [(t.asset, t.ts, t.state, t.reason) for t in rows])

    def last_state(self, asset: str) -> Transition | None:
        row = self._db.execute(
            "SELECT asset, ts, state, reason FROM transitions WHERE asset = ? "
            "ORDER BY ts DESC, rowid DESC LIMIT 1", (asset,)).fetchone()
        return Transition(*row) if row else None

    def transitions(self, asset: str | None = None, start: float | None = None,
                    end: float | None = None) -> Iterator[Transition]:
        sql, args = "SELECT asset, ts, state, reason FROM transitions WHERE 1=1", []
        if asset is not None:
            sql += " AND asset = ?"
            args.append(asset)
        if start is not None:
            sql += " AND ts >= ?"
            args.append(start)
        if end is not None:
            sql += " AND ts < ?"
            args.append(end)
        for row in self._db.execute(sql + " ORDER BY asset, ts, rowid", args):
            yield Transition(*row)

    # --- counters ----------------------------------------------------------------------------
    def load_counters(self) -> dict[str, CounterState]:
        return {key: CounterState(raw, offset, uptime) for key, raw, offset, uptime in
                self._db.execute("SELECT key, raw, offset, uptime FROM counters")}

    def save_counters(self, states: dict[str, CounterState], now: float) -> None:
        with self._tx():
            self._db.executemany(
                "INSERT INTO counters VALUES (?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET "
                "raw = excluded.raw, offset = excluded.offset, uptime = excluded.uptime, ts = excluded.ts",
                [(k, s.raw, s.offset, s.uptime, now) for k, s in states.items()])

    # --- helpers -----------------------------------------------------------------------------
    def _tx(self) -> "_Tx":
        return _Tx(self._db)


class _Tx:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as err:
            raise StoreError(f"state database busy or unwritable: {err}") from err

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            self._db.execute("COMMIT" if exc_type is None else "ROLLBACK")
        except sqlite3.Error as err:
            if exc_type is None:
                raise StoreError(f"state database commit failed: {err}") from err
        if isinstance(exc, sqlite3.Error):
            raise StoreError(f"state database write failed: {exc}") from exc
