"""The exclusion ledger: append-only, hash-chained, in its own table of the state SQLite file.

An entry removes time from NHT for the assets, services or contracts in its scope: planned
maintenance (one-off or recurring), force majeure, third party (*tiers*) or client. Entries are
never edited: a correction, a withdrawal, or the confirmation/rejection of a *proposed* tiers
entry is a new entry that ``supersedes`` the old one. Each row stores the canonical JSON of its
entry, the previous row's hash and ``sha256(prev_hash + json)``; :meth:`Ledger.verify` recomputes
the chain and names the first bad row. Deleting the *last* rows, or rewriting the whole chain
(triggers dropped, hashes recomputed), leaves a valid chain: ``verify(expected=(n, hash))``
compares with a head published earlier (the monthly report prints it as ``N:HASH``), and a
configured key (``sla.ledger_key``) adds an HMAC per row that a rewrite cannot recompute.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Iterable, Literal, Sequence

from monitor.errors import ConfigError, VigieError
from monitor.sla import intervals as iv
from monitor.sla.calendar import local_date, local_ts, parse_hhmm

TYPES = ("planned_maintenance", "force_majeure", "third_party", "client")
STATUSES = ("declared", "proposed", "confirmed", "rejected", "withdrawn")
APPLIED = frozenset({"declared", "confirmed"})
GENESIS = "0" * 64

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sla_ledger (
    seq INTEGER PRIMARY KEY, entry TEXT NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS sla_ledger_no_update BEFORE UPDATE ON sla_ledger
BEGIN SELECT RAISE(ABORT, 'sla_ledger is append-only'); END;
CREATE TRIGGER IF NOT EXISTS sla_ledger_no_delete BEFORE DELETE ON sla_ledger
BEGIN SELECT RAISE(ABORT, 'sla_ledger is append-only'); END;
CREATE TABLE IF NOT EXISTS sla_ledger_mac (seq INTEGER PRIMARY KEY, mac TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS sla_ledger_mac_no_update BEFORE UPDATE ON sla_ledger_mac
BEGIN SELECT RAISE(ABORT, 'sla_ledger_mac is append-only'); END;
CREATE TRIGGER IF NOT EXISTS sla_ledger_mac_no_delete BEFORE DELETE ON sla_ledger_mac
BEGIN SELECT RAISE(ABORT, 'sla_ledger_mac is append-only'); END;
"""


class LedgerError(VigieError):
    """The ledger cannot be opened, or an entry is refused."""


@dataclass(frozen=True, slots=True)
class Recurrence:
    """Every ``weekday`` (0 = Monday) from ``start`` to ``end`` Paris time (``end <= start``: next
    day); ``nth`` = 1..5 for the n-th such weekday of the month, -1 for the last, None for every week."""

    weekday: int
    start: str
    end: str
    nth: int | None = None
    since: str | None = None  # ISO dates, inclusive
    until: str | None = None

    def __post_init__(self) -> None:
        parse_hhmm(self.start), parse_hhmm(self.end)
        if not 0 <= self.weekday <= 6 or self.nth not in (None, -1, 1, 2, 3, 4, 5):
            raise ConfigError("recurrence: weekday 0..6, nth 1..5, -1 or none")

    def expand(self, start: float, end: float) -> iv.Intervals:
        return iv.clip(self.spans(start, end), start, end)

    def spans(self, start: float, end: float) -> iv.Intervals:
        """Whole occurrences (not clipped) overlapping ``[start, end)``."""
        s, e = parse_hhmm(self.start), parse_hhmm(self.end)
        lo = date.fromisoformat(self.since) if self.since else date.min
        hi = date.fromisoformat(self.until) if self.until else date.max
        out: iv.Intervals = []
        d, last = local_date(start) - timedelta(days=1), local_date(end)
        while d <= last:
            if d.weekday() == self.weekday and lo <= d <= hi and self._nth_ok(d):
                out.append((local_ts(d, s), local_ts(d + timedelta(days=1 if e <= s else 0), e)))
            d += timedelta(days=1)
        return [(a, b) for a, b in iv.normalize(out) if b > start and a < end]

    def _nth_ok(self, d: date) -> bool:
        if self.nth is None:
            return True
        if self.nth == -1:
            return (d + timedelta(days=7)).month != d.month
        return (d.day - 1) // 7 + 1 == self.nth


@dataclass(frozen=True, slots=True)
class Entry:
    type: Literal["planned_maintenance", "force_majeure", "third_party", "client"]
    author: str
    reason: str
    declared_at: float
    intervals: tuple[iv.Interval, ...] = ()
    recurrence: Recurrence | None = None
    assets: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    contracts: tuple[str, ...] = ()
    reference: str = ""
    status: Literal["declared", "proposed", "confirmed", "rejected", "withdrawn"] = "declared"
    supersedes: int | None = None
    id: int = 0  # given by the ledger

    def __post_init__(self) -> None:
        object.__setattr__(self, "intervals", tuple((float(a), float(b)) for a, b in self.intervals))
        object.__setattr__(self, "declared_at", float(self.declared_at))
        if self.type not in TYPES:
            raise ConfigError(f"exclusion type must be one of {TYPES}")
        if self.status not in STATUSES:
            raise ConfigError(f"exclusion status must be one of {STATUSES}")
        if not (self.assets or self.services or self.contracts):
            raise ConfigError("exclusion scope is empty")
        if not self.intervals and self.recurrence is None:
            raise ConfigError("exclusion has no interval and no recurrence")
        if any(b <= a for a, b in self.intervals):
            raise ConfigError("exclusion interval ends before it starts")
        if not self.author or not self.reason:
            raise ConfigError("exclusion needs an author and a reason")

    def canonical(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "Entry":
        d = json.loads(text)
        d["intervals"] = tuple(tuple(i) for i in d["intervals"])
        d["recurrence"] = Recurrence(**d["recurrence"]) if d["recurrence"] else None
        for k in ("assets", "services", "contracts"):
            d[k] = tuple(d[k])
        return cls(**d)

    def covers(self, name: str, contract: str | None = None) -> bool:
        return name in self.assets or name in self.services or (
            contract is not None and contract in self.contracts)


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One applied exclusion interval, with what explains it."""

    entry: int
    type: str
    start: float
    end: float
    late: bool  # declared after the interval started
    author: str
    reason: str
    reference: str


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    rows: int
    head: str
    first_bad: int | None = None
    problem: str = ""


def effective(entries: Sequence[Entry]) -> list[Entry]:
    """Entries in force: not superseded by a later entry, and declared or confirmed."""
    gone = {e.supersedes for e in entries if e.supersedes is not None}
    return [e for e in entries if e.id not in gone and e.status in APPLIED]


def occurrences(entries: Sequence[Entry], start: float, end: float) -> list[Occurrence]:
    """Applied exclusion intervals inside ``[start, end)`` (recurrences expanded), sorted."""
    out: list[Occurrence] = []
    if end <= start:
        return out
    for e in effective(entries):
        whole = list(e.intervals) + (e.recurrence.spans(start, end) if e.recurrence else [])
        # ``late`` compares with the whole occurrence's start, not with the part inside the period
        out.extend(Occurrence(e.id, e.type, max(a, start), min(b, end), e.declared_at > a, e.author,
                              e.reason, e.reference)
                   for a, b in iv.normalize(whole) if b > start and a < end)
    return sorted(out, key=lambda o: (o.start, o.entry))


class Ledger:
    """The ledger table of the state file. With ``key`` (``sla.ledger_key``) each row appended also
    gets an HMAC of ``seq:hash`` in ``sla_ledger_mac``: a chain rewritten without the key fails
    :meth:`verify`."""

    def __init__(self, path: str | Path, *, key: bytes | None = None) -> None:
        self._key = key
        try:
            self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as err:
            raise LedgerError(f"cannot open exclusion ledger {path}: {err}") from err

    def close(self) -> None:
        self._db.close()

    def _read(self, sql: str, args: tuple = ()) -> list[tuple]:
        try:
            return self._db.execute(sql, args).fetchall()
        except sqlite3.Error as err:
            raise LedgerError(f"exclusion ledger: {err}") from err

    def append(self, entry: Entry) -> Entry:
        """Store ``entry`` (its ``id`` is assigned) at the end of the chain."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute("SELECT seq, hash FROM sla_ledger ORDER BY seq DESC LIMIT 1").fetchone()
                seq, prev = (row[0] + 1, row[1]) if row else (1, GENESIS)
                if entry.supersedes is not None:
                    self._check_supersedes(entry)
                stored = replace(entry, id=seq)
                text = stored.canonical()
                digest = _hash(prev, text)
                self._db.execute("INSERT INTO sla_ledger VALUES (?, ?, ?, ?)", (seq, text, prev, digest))
                if self._key is not None:
                    self._db.execute("INSERT INTO sla_ledger_mac VALUES (?, ?)",
                                     (seq, _mac(self._key, seq, digest)))
                self._db.execute("COMMIT")
                return stored
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        except sqlite3.Error as err:
            raise LedgerError(f"exclusion ledger: cannot append: {err}") from err

    def _check_supersedes(self, entry: Entry) -> None:
        row = self._db.execute("SELECT entry FROM sla_ledger WHERE seq = ?",
                               (entry.supersedes,)).fetchone()
        if row is None:
            raise LedgerError(f"entry {entry.supersedes} does not exist")
        old = Entry.from_json(row[0])
        if any(e.supersedes == old.id for e in self.entries()):
            raise LedgerError(f"entry {old.id} is already superseded")
        if entry.status in ("confirmed", "rejected") and old.status != "proposed":
            raise LedgerError(f"entry {old.id} is not a proposal: cannot confirm or reject it")
        if entry.status == "proposed" and old.status != "proposed":
            raise LedgerError("a proposal cannot supersede an applied entry")

    def confirm(self, entry_id: int, *, author: str, reason: str, now: float,
                status: str = "confirmed") -> Entry:
        """Confirm (or reject, with ``status="rejected"``) a proposed tiers entry."""
        old = self.get(entry_id)
        return self.append(replace(old, author=author, reason=reason, declared_at=now,
                                   status=status, supersedes=entry_id, id=0))  # type: ignore[arg-type]

    def get(self, entry_id: int) -> Entry:
        rows = self._read("SELECT entry FROM sla_ledger WHERE seq = ?", (entry_id,))
        if not rows:
            raise LedgerError(f"entry {entry_id} does not exist")
        return Entry.from_json(rows[0][0])

    def entries(self) -> list[Entry]:
        return self.snapshot()[0]

    def head(self) -> tuple[int, str]:
        rows = self._read("SELECT seq, hash FROM sla_ledger ORDER BY seq DESC LIMIT 1")
        return (rows[0][0], rows[0][1]) if rows else (0, GENESIS)

    def snapshot(self) -> tuple[list[Entry], tuple[int, str]]:
        """Every entry and the head ``(rows, hash)`` they end at, from one read (one statement)."""
        rows = self._read("SELECT seq, entry, hash FROM sla_ledger ORDER BY seq")
        head = (rows[-1][0], rows[-1][2]) if rows else (0, GENESIS)
        return [Entry.from_json(t) for _, t, _ in rows], head

    def verify(self, expected: tuple[int, str] | None = None) -> Verification:
        """Recompute the chain; with a key, check the HMACs; with ``expected`` (a head published
        earlier, see :func:`format_head`), check that row ``n`` still has that hash."""
        try:
            self._db.execute("BEGIN")
            try:
                rows = self._db.execute("SELECT seq, entry, prev, hash FROM sla_ledger ORDER BY seq").fetchall()
                macs = dict(self._db.execute("SELECT seq, mac FROM sla_ledger_mac"))
            finally:
                self._db.execute("COMMIT")
        except sqlite3.Error as err:
            raise LedgerError(f"exclusion ledger: {err}") from err
        v = verify_rows(rows)
        if not v.ok:
            return v
        if self._key is not None:
            v = _verify_macs(v, rows, macs, self._key)
            if not v.ok:
                return v
        if expected is not None:
            n, digest = expected
            if n > v.rows:
                return Verification(False, v.rows, v.head, v.rows + 1,
                                    f"published head has {n} rows, the ledger only {v.rows} (rows removed)")
            if n > 0 and rows[n - 1][3] != digest or n == 0 and digest != GENESIS:
                return Verification(False, v.rows, v.head, n,
                                    f"row {n} no longer has the published hash (chain rewritten)")
        return v


def _verify_macs(v: Verification, rows: Sequence[tuple[int, str, str, str]], macs: dict[int, str],
                 key: bytes) -> Verification:
    """Every HMAC present must match and the last row must have one: its hash covers every earlier
    row, so a rewritten chain fails without the key."""
    for seq, _text, _prev, digest in rows:
        mac = macs.get(seq)
        if mac is not None and not hmac.compare_digest(mac, _mac(key, seq, digest)):
            return Verification(False, v.rows, v.head, seq, "HMAC mismatch (chain rewritten, or another key)")
    if rows and rows[-1][0] not in macs:
        return Verification(False, v.rows, v.head, rows[-1][0], "last row has no HMAC (appended without the key, "
                            "key configured since the last entry, or HMACs removed)")
    return v


def format_head(rows: int, digest: str) -> str:
    """The published form of a ledger head, accepted by ``vigie exclusion verify --expect-head``."""
    return f"{rows}:{digest}"


def parse_head(text: str) -> tuple[int, str]:
    """``N:HASH`` (see :func:`format_head`); ``LedgerError`` when malformed."""
    n, sep, digest = text.strip().partition(":")
    digest = digest.lower()
    if not sep or not n.isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise LedgerError(f"expected a ledger head as N:HASH (64 hex digits), got {text[:80]!r}")
    return int(n), digest


def verify_rows(rows: Iterable[tuple[int, str, str, str]]) -> Verification:
    """Recompute the chain over ``(seq, entry_json, prev, hash)`` rows read in ``seq`` order."""
    prev, n = GENESIS, 0
    for seq, text, stored_prev, stored_hash in rows:
        n += 1
        if seq != n:
            return Verification(False, n - 1, prev, n, f"row {n} is missing (next row is {seq})")
        if stored_prev != prev:
            return Verification(False, n - 1, prev, seq, "previous-hash link broken (row deleted or moved)")
        try:
            entry = Entry.from_json(text)
        except (ValueError, TypeError, KeyError, ConfigError) as err:
            return Verification(False, n - 1, prev, seq, f"unreadable entry: {err}")
        if entry.id != seq or entry.canonical() != text:
            return Verification(False, n - 1, prev, seq, "entry is not the one stored at this position")
        if _hash(prev, text) != stored_hash:
            return Verification(False, n - 1, prev, seq, "hash mismatch (entry edited)")
        prev = stored_hash
    return Verification(True, n, prev)


def _hash(prev: str, text: str) -> str:
    return hashlib.sha256((prev + text).encode("utf-8")).hexdigest()


def _mac(key: bytes | None, seq: int, digest: str) -> str:
    assert key is not None
    return hmac.new(key, f"{seq}:{digest}".encode("ascii"), hashlib.sha256).hexdigest()
