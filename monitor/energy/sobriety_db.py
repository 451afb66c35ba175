"""The sobriety engine's tables in the daemon's SQLite file, and the recorder that fills them.

* ``sobriety_windows(kpi, subject, site, start, end, on_s, observed_s)``: per subject and
  outside-hours window, seconds seen on and seconds covered by polls.
* ``sobriety_last(kpi, subject, ts, is_on)``: last observation, so a restart resumes (a gap longer
  than ``max_gap`` is not observed, never guessed).
* ``sobriety_days(asset, site, day, on_s, other_s)``: workstation on / not-on seconds per local day
  (average W per workstation).
* ``sobriety_pages(asset, month, counter, pages)`` and ``sobriety_counters``: page counters per month
  (``total``, ``duplex``, ``mono``), reset-aware through :func:`monitor.counters.advance`.
* ``sobriety_density(day, hosts, vms_on, n)``: running VMs and hosts summed over samples per day.
* ``sobriety_energy(asset, month, first_j, last_j)``: measured energy of an asset (meters runtime)
  at the first and last reading of each month; their difference is the month's measured energy.
* ``sobriety_meters(asset, meter, role, month, first_j, first_s, last_j, last_s)``: a meter of the
  meters runtime (``ups_input`` / ``ups_output`` of a UPS, ``ap`` for a meter feeding a Wi-Fi AP)
  at the first and last reading of each month: joules and measured seconds (both monotonic), so
  ``Δj / Δs`` is the mean W over the metered time. A month's first row starts where the previous
  month's ended.
* ``sobriety_vms(day, host, provenance, w_s, low_s, high_s, vm_s)``: allocated W per powered-on VM
  integrated over daemon ticks (W x s, and powered-on VM x s), per local day.
* ``sobriety_baselines``: see :mod:`monitor.energy.baselines`.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from monitor.counters import CounterState, advance
from monitor.energy import baselines
from monitor.energy.sobriety_kpi import WindowCache
from monitor.errors import VigieError
from monitor.sla.calendar import PARIS, Calendar, local_date, local_ts

SCHEMA = baselines.SCHEMA + """
CREATE TABLE IF NOT EXISTS sobriety_windows (
    kpi TEXT NOT NULL, subject TEXT NOT NULL, site TEXT NOT NULL, start REAL NOT NULL, end REAL NOT NULL,
    on_s REAL NOT NULL, observed_s REAL NOT NULL, PRIMARY KEY (kpi, subject, start)
);
CREATE INDEX IF NOT EXISTS sobriety_windows_start ON sobriety_windows (start);
CREATE TABLE IF NOT EXISTS sobriety_last (
    kpi TEXT NOT NULL, subject TEXT NOT NULL, ts REAL NOT NULL, is_on INTEGER NOT NULL,
    PRIMARY KEY (kpi, subject)
);
CREATE TABLE IF NOT EXISTS sobriety_days (
    asset TEXT NOT NULL, site TEXT NOT NULL, day TEXT NOT NULL, on_s REAL NOT NULL, other_s REAL NOT NULL,
    PRIMARY KEY (asset, day)
);
CREATE TABLE IF NOT EXISTS sobriety_pages (
    asset TEXT NOT NULL, month TEXT NOT NULL, counter TEXT NOT NULL, pages REAL NOT NULL,
    PRIMARY KEY (asset, month, counter)
);
CREATE TABLE IF NOT EXISTS sobriety_counters (
    key TEXT PRIMARY KEY, raw REAL NOT NULL, offset REAL NOT NULL, uptime REAL
);
CREATE TABLE IF NOT EXISTS sobriety_energy (
    asset TEXT NOT NULL, month TEXT NOT NULL, first_j REAL NOT NULL, last_j REAL NOT NULL,
    PRIMARY KEY (asset, month)
);
CREATE TABLE IF NOT EXISTS sobriety_meters (
    asset TEXT NOT NULL, meter TEXT NOT NULL, role TEXT NOT NULL, month TEXT NOT NULL, first_j REAL NOT NULL,
    first_s REAL NOT NULL, last_j REAL NOT NULL, last_s REAL NOT NULL, PRIMARY KEY (asset, meter, role, month)
);
CREATE TABLE IF NOT EXISTS sobriety_vms (
    day TEXT NOT NULL, host TEXT NOT NULL, provenance TEXT NOT NULL, w_s REAL NOT NULL, low_s REAL NOT NULL,
    high_s REAL NOT NULL, vm_s REAL NOT NULL, PRIMARY KEY (day, host, provenance)
);
CREATE TABLE IF NOT EXISTS sobriety_density (
    day TEXT PRIMARY KEY, hosts REAL NOT NULL, vms_on REAL NOT NULL, n INTEGER NOT NULL
);
"""


class SobrietyDbError(VigieError):
    """The sobriety tables cannot be opened."""


def connect(path: str | Path) -> sqlite3.Connection:
    try:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(SCHEMA)
        return db
    except (sqlite3.Error, OSError) as err:
        raise SobrietyDbError(f"cannot open sobriety tables in {path}: {err}") from err


def month_key(ts: float) -> str:
    return datetime.fromtimestamp(ts, PARIS).strftime("%Y-%m")


@dataclass
class Recorder:
    """Turns observations into rows. Single-threaded (the daemon's event loop); writes are immediate
    but small (one upsert per observation), in autocommit WAL."""

    db: sqlite3.Connection
    max_gap: float
    windows: WindowCache = field(default_factory=WindowCache)

    def observe(self, kpi: str, subject: str, site: str, cal: Calendar, t: float, is_on: bool) -> None:
        """One poll saw ``subject`` on or not at ``t``: credit the interval since the previous one.

        The interval is observed when it is at most ``max_gap`` long; it counts as on only when both
        ends saw the subject on (a lower bound on the on-time, as the switch moment is unknown).
        """
        row = self.db.execute("SELECT ts, is_on FROM sobriety_last WHERE kpi=? AND subject=?",
                              (kpi, subject)).fetchone()
        self.db.execute("INSERT OR REPLACE INTO sobriety_last VALUES (?, ?, ?, ?)",
                        (kpi, subject, t, int(is_on)))
        if row is None or t <= row[0]:
            return
        t0, was_on = row[0], bool(row[1])
        if t - t0 > self.max_gap:
            return
        both_on = was_on and is_on
        for (a, b), seconds in self.windows.split(cal, t0, t):
            self.db.execute(
                "INSERT INTO sobriety_windows VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kpi, subject, start) "
                "DO UPDATE SET on_s = on_s + excluded.on_s, observed_s = observed_s + excluded.observed_s, "
                "end = excluded.end, site = excluded.site",
                (kpi, subject, site, a, b, seconds if both_on else 0.0, seconds))
        if kpi == "workstations_off":
            self._days(subject, site, t0, t, both_on)

    def _days(self, asset: str, site: str, t0: float, t1: float, on: bool) -> None:
        a = t0
        while a < t1:
            d = local_date(a)
            b = min(t1, local_ts(d, 86400))
            self.db.execute(
                "INSERT INTO sobriety_days VALUES (?, ?, ?, ?, ?) ON CONFLICT (asset, day) DO UPDATE SET "
                "on_s = on_s + excluded.on_s, other_s = other_s + excluded.other_s",
                (asset, site, d.isoformat(), (b - a) if on else 0.0, 0.0 if on else (b - a)))
            a = b

    def pages(self, asset: str, counter: str, key: str, t: float, raw: float, uptime: float | None) -> None:
        """A page counter reading: its increase since the previous one goes to the month of ``t``."""
        ck = f"{asset}|{counter}|{key}"
        row = self.db.execute("SELECT raw, offset, uptime FROM sobriety_counters WHERE key=?",
                              (ck,)).fetchone()
        prev = CounterState(*row) if row else None
        state, _ = advance(prev, raw, 0, uptime)
        self.db.execute("INSERT OR REPLACE INTO sobriety_counters VALUES (?, ?, ?, ?)",
                        (ck, state.raw, state.offset, state.uptime))
        if prev is None:
            return
        delta = state.total - prev.total
        if delta > 0:
            self.db.execute(
                "INSERT INTO sobriety_pages VALUES (?, ?, ?, ?) ON CONFLICT (asset, month, counter) "
                "DO UPDATE SET pages = pages + excluded.pages", (asset, month_key(t), counter, delta))

    def density(self, t: float, hosts: int, vms_on: int) -> None:
        """One sample of running VMs over hosts (summed per local day, averaged when read)."""
        if hosts <= 0:
            return
        self.db.execute(
            "INSERT INTO sobriety_density VALUES (?, ?, ?, 1) ON CONFLICT (day) DO UPDATE SET "
            "hosts = hosts + excluded.hosts, vms_on = vms_on + excluded.vms_on, n = n + 1",
            (local_date(t).isoformat(), float(hosts), float(vms_on)))

    def energy(self, asset: str, t: float, joules: float) -> None:
        """The meters runtime's measured energy of ``asset`` since metering began, read at ``t``."""
        self.db.execute(
            "INSERT INTO sobriety_energy VALUES (?, ?, ?, ?) ON CONFLICT (asset, month) DO UPDATE SET "
            "last_j = excluded.last_j", (asset, month_key(t), joules, joules))

    def meter(self, asset: str, meter: str, role: str, t: float, joules: float, measured_s: float) -> None:
        """A meter's accumulated joules and measured seconds read at ``t`` (meters runtime).

        A new month starts from the previous month's last reading; a decrease (meter state lost) keeps
        the month's increase so far and goes on from the new value.
        """
        m = month_key(t)
        row = self.db.execute("SELECT first_j, first_s, last_j, last_s FROM sobriety_meters WHERE asset=? "
                              "AND meter=? AND role=? AND month=?", (asset, meter, role, m)).fetchone()
        if row is None:
            prev = self.db.execute("SELECT last_j, last_s FROM sobriety_meters WHERE asset=? AND meter=? AND "
                                   "role=? AND month<? ORDER BY month DESC LIMIT 1",
                                   (asset, meter, role, m)).fetchone()
            fj, fs = prev if prev and prev[0] <= joules and prev[1] <= measured_s else (joules, measured_s)
        else:
            fj, fs, lj, ls = row
            if (lj, ls) == (joules, measured_s):
                return
            if joules < lj or measured_s < ls:
                fj, fs = joules - (lj - fj), measured_s - (ls - fs)
        self.db.execute("INSERT OR REPLACE INTO sobriety_meters VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (asset, meter, role, m, fj, fs, joules, measured_s))

    def vms(self, t: float, host: str, provenance: str, watts: tuple[float, float, float], vms_on: int,
            dt: float) -> None:
        """Allocated power of ``host``'s powered-on VMs (sum of value, low, high W) held for ``dt`` s."""
        if vms_on <= 0 or dt <= 0:
            return
        w, lo, hi = watts
        self.db.execute(
            "INSERT INTO sobriety_vms VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (day, host, provenance) DO UPDATE "
            "SET w_s = w_s + excluded.w_s, low_s = low_s + excluded.low_s, high_s = high_s + excluded.high_s, "
            "vm_s = vm_s + excluded.vm_s",
            (local_date(t).isoformat(), host, provenance, w * dt, lo * dt, hi * dt, vms_on * dt))
