"""Sobriety baselines (stored reference values with date and source) and gains against them.

Baselines come from the configuration (``energy.sobriety.baselines``) and are kept in the
``sobriety_baselines`` table so that a report states the value it compared with even after the
configuration changed: a changed value is a new row (the newest of a name and scope is in force).
Gains convert a saved energy into kWh, euros (tariff) and kgCO2e (ADEME factor), keeping provenance.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Iterable

from monitor.energy.figure import Figure
from monitor.energy.indicators import Tariff, co2e, cost
from monitor.energy.profiles import EmissionFactor

SCHEMA = """
CREATE TABLE IF NOT EXISTS sobriety_baselines (
    name TEXT NOT NULL, scope TEXT NOT NULL, value REAL NOT NULL, unit TEXT NOT NULL,
    date TEXT NOT NULL, source TEXT NOT NULL, recorded REAL NOT NULL,
    UNIQUE (name, scope, value, unit, date, source)
);
"""


@dataclass(frozen=True, slots=True)
class Baseline:
    name: str
    scope: str
    value: float
    unit: str
    date: str
    source: str


def save(db: sqlite3.Connection, baselines: Iterable[Baseline], now: float) -> None:
    """Record baselines (idempotent: an identical row is not added twice)."""
    db.executemany("INSERT OR IGNORE INTO sobriety_baselines VALUES (?, ?, ?, ?, ?, ?, ?)",
                   [(b.name, b.scope, b.value, b.unit, b.date, b.source, now) for b in baselines])


def current(db: sqlite3.Connection, at: float | None = None) -> dict[tuple[str, str], Baseline]:
    """Baselines in force, by (name, scope): the latest recorded (before ``at`` when given)."""
    rows = db.execute("SELECT name, scope, value, unit, date, source FROM sobriety_baselines "
                      "WHERE recorded <= ? ORDER BY recorded, rowid",
                      (float("inf") if at is None else at,)).fetchall()
    return {(r[0], r[1]): Baseline(*r) for r in rows}


@dataclass(frozen=True, slots=True)
class Gains:
    """Energy saved vs a baseline (negative: more was used), with its cost and emissions."""

    kwh: Figure
    eur: Figure | None
    kgco2e: Figure | None


def gains(saved_kwh: Figure, tariff: Tariff | None, factor: EmissionFactor | None) -> Gains:
    """Convert saved kWh (may be negative) with the tariff and the grid factor."""
    if saved_kwh.unit != "kWh":
        raise ValueError(f"expected kWh, got {saved_kwh.unit}")
    sign = -1.0 if saved_kwh.value < 0 else 1.0
    mag = Figure(abs(saved_kwh.value), "kWh", saved_kwh.provenance,
                 min(abs(saved_kwh.low), abs(saved_kwh.high)) if saved_kwh.low * saved_kwh.high > 0 else 0.0,
                 max(abs(saved_kwh.low), abs(saved_kwh.high)), saved_kwh.sources)

    def signed(f: Figure) -> Figure:
        if sign > 0:
            return f
        return Figure(-f.value, f.unit, f.provenance, -f.high, -f.low, f.sources)

    return Gains(saved_kwh,
                 signed(cost(mag, tariff)) if tariff is not None else None,
                 signed(co2e(mag, factor)) if factor is not None else None)


def power_saving_kwh(baseline_w: float, current_w: Figure, seconds: float, count: int,
                     source: str) -> Figure:
    """kWh saved by ``count`` assets running at ``current_w`` instead of ``baseline_w`` for ``seconds``.

    The baseline is taken as exact (a stored reference); the range comes from the current figure.
    """
    k = seconds * count / 3.6e6
    return Figure((baseline_w - current_w.value) * k, "kWh", current_w.provenance,
                  (baseline_w - current_w.high) * k, (baseline_w - current_w.low) * k,
                  tuple(dict.fromkeys(current_w.sources + (source,))))


def energy_saving_kwh(baseline_kwh: float, current_kwh: Figure, source: str) -> Figure:
    """kWh saved on a scope whose baseline energy over the same length of period is ``baseline_kwh``."""
    return Figure(baseline_kwh - current_kwh.value, "kWh", current_kwh.provenance,
                  baseline_kwh - current_kwh.high, baseline_kwh - current_kwh.low,
                  tuple(dict.fromkeys(current_kwh.sources + (source,))))
