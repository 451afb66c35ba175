"""The sla engine's own tables in the state SQLite file (the store's and the ledger's are untouched).

* ``http_samples(asset, check, ts, seconds, ok)``: total duration of each HTTP check, for the
  response-time objectives (``seconds`` is NULL when the check failed); pruned after
  ``sla.retention`` by the daemon, once a day.
* ``sla_config_exclusions(key, entry, digest)``: which ledger entry holds each exclusion declared
  in the configuration, so it is appended once (and superseded when its text changes).
* ``sla_proposals(parent, start, entry)``: third-party proposals already made, once per outage.
* ``sla_incidents``: incident ids, priorities, acknowledgement and ticket data (see incidents.py).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Iterable, Iterator

from monitor.errors import VigieError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS http_samples (
    asset TEXT NOT NULL, "check" TEXT NOT NULL, ts REAL NOT NULL, seconds REAL, ok INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS http_samples_key ON http_samples (asset, "check", ts);
CREATE INDEX IF NOT EXISTS http_samples_ts ON http_samples (ts);
CREATE TABLE IF NOT EXISTS sla_config_exclusions (
    key TEXT PRIMARY KEY, entry INTEGER NOT NULL, digest TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sla_proposals (
    parent TEXT NOT NULL, start REAL NOT NULL, entry INTEGER NOT NULL, PRIMARY KEY (parent, start)
);
CREATE TABLE IF NOT EXISTS sla_incidents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    contract TEXT NOT NULL, scope_type TEXT NOT NULL, scope TEXT NOT NULL, start REAL NOT NULL,
    end REAL, priority TEXT NOT NULL,
    ack_at REAL, ack_by TEXT, intervention_at REAL, restored_at REAL,
    ticket TEXT, ticket_opened REAL, ticket_title TEXT, ticket_priority TEXT,
    UNIQUE (contract, scope_type, scope, start)
);
"""


class SlaDbError(VigieError):
    """The sla tables cannot be opened or written."""


class SlaDb:
    def __init__(self, path: str | Path) -> None:
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.executescript(_SCHEMA)
        except (sqlite3.Error, OSError) as err:
            raise SlaDbError(f"cannot open sla tables in {path}: {err}") from err

    def close(self) -> None:
        self.db.close()

    def execute(self, sql: str, args: Iterable = ()) -> sqlite3.Cursor:
        try:
            return self.db.execute(sql, tuple(args))
        except sqlite3.Error as err:
            raise SlaDbError(f"sla tables: {err}") from err

    # --- http samples --------------------------------------------------------------------------
    def add_samples(self, rows: Iterable[tuple[str, str, float, float | None, bool]]) -> None:
        rows = list(rows)
        if rows:
            try:
                self.db.executemany("INSERT INTO http_samples VALUES (?, ?, ?, ?, ?)",
                                    [(a, c, t, s, int(ok)) for a, c, t, s, ok in rows])
            except sqlite3.Error as err:
                raise SlaDbError(f"sla tables: {err}") from err

    def prune_samples(self, before: float) -> int:
        """Delete the samples older than ``before`` (``sla.retention``); returns how many."""
        return self.execute("DELETE FROM http_samples WHERE ts < ?", (before,)).rowcount

    def samples(self, asset: str, check: str, start: float, end: float
                ) -> Iterator[tuple[float, float | None]]:
        """``(ts, seconds or None when failed)`` of one check in ``[start, end)``; any check when ``check`` is ''."""
        sql = "SELECT ts, seconds, ok FROM http_samples WHERE asset = ? AND ts >= ? AND ts < ?"
        args: list = [asset, start, end]
        if check:
            sql += ' AND "check" = ?'
            args.append(check)
        for ts, secs, ok in self.execute(sql + " ORDER BY ts, rowid", args):
            yield ts, (secs if ok else None)

    # --- config exclusions and proposals -------------------------------------------------------
    def config_exclusion(self, key: str) -> tuple[int, str] | None:
        row = self.execute("SELECT entry, digest FROM sla_config_exclusions WHERE key = ?", (key,)).fetchone()
        return (row[0], row[1]) if row else None

    def set_config_exclusion(self, key: str, entry: int, digest: str) -> None:
        self.execute("INSERT INTO sla_config_exclusions VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE "
                     "SET entry = excluded.entry, digest = excluded.digest", (key, entry, digest))

    def proposal(self, parent: str, start: float) -> int | None:
        row = self.execute("SELECT entry FROM sla_proposals WHERE parent = ? AND start = ?",
                           (parent, start)).fetchone()
        return row[0] if row else None

    def add_proposal(self, parent: str, start: float, entry: int) -> None:
        self.execute("INSERT OR IGNORE INTO sla_proposals VALUES (?, ?, ?)", (parent, start, entry))
