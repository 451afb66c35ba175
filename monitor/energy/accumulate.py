"""Energy in joules from timestamped readings: energy counters first, else power integrated over time.

Each interval between two readings is credited by the best method available for it:

1. **counter**: the device's energy counter read at both ends. Exact whatever the interval length
   (missed polls cost nothing), wrap/reset aware through :func:`monitor.counters.advance`. On a
   reset (PDU reboot) the energy between the last reading and the restart is lost on the device
   too: that time is reported as unmeasured (from the agent uptime when known, else the whole
   interval, while what the counter shows since the restart is still counted).
2. **power**: power read at both ends and the interval no longer than ``max_gap``: trapezoidal rule,
   ``E = (P0 + P1) / 2 x dt``.
3. otherwise nothing is credited and the interval is counted as **unmeasured seconds**: a gap is
   never guessed silently.

The state is a small frozen value: persist it (``to_record``) and resume exactly after a restart.
Pure code: time comes in with the readings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from enum import Enum, StrEnum
from typing import Any, Iterable, Mapping

from monitor.counters import CounterState, Discontinuity, advance

JOULES_PER_KWH = 3.6e6


class EnergyUnit(Enum):
    """Units energy counters come in, with their size in joules."""

    JOULE = ("J", 1.0)
    WATT_HOUR = ("Wh", 3600.0)
    HUNDREDTH_KWH = ("0.01kWh", 36_000.0)   # APC upsHighPrecOutputEnergyUsage
    TENTH_KWH = ("0.1kWh", 360_000.0)       # APC rPDU2 outlet/device energy
    KILOWATT_HOUR = ("kWh", JOULES_PER_KWH)

    def __init__(self, label: str, joules: float) -> None:
        self.label = label
        self.joules = joules

    @classmethod
    def parse(cls, label: str) -> EnergyUnit:
        for unit in cls:
            if unit.label == label:
                return unit
        raise ValueError(f"unknown energy unit {label!r} (known: {', '.join(u.label for u in cls)})")


class Method(StrEnum):
    FIRST = "first"        # first reading: nothing to credit yet
    COUNTER = "counter"
    POWER = "power"
    GAP = "gap"            # power at both ends but the interval exceeds max_gap
    NONE = "none"          # no usable pair of readings
    IGNORED = "ignored"    # timestamp not after the previous one


@dataclass(frozen=True, slots=True, kw_only=True)
class MeterConfig:
    unit: EnergyUnit = EnergyUnit.KILOWATT_HOUR
    bits: int = 0           # counter width: 32, 64, or 0 when unknown (a decrease is then a reset)
    max_gap: float          # longest interval (s) integrated from power, e.g. 3 x poll interval

    def __post_init__(self) -> None:
        if self.bits not in (0, 32, 64):
            raise ValueError("bits must be 0, 32 or 64")
        if not self.max_gap > 0:
            raise ValueError("max_gap must be > 0")


@dataclass(frozen=True, slots=True)
class Reading:
    """One poll of a power source: either or both of power (W) and an energy counter (raw units)."""

    t: float
    watts: float | None = None
    energy: float | None = None
    uptime: float | None = None   # agent uptime (s) at the reading, for reset detection


@dataclass(frozen=True, slots=True)
class MeterState:
    counter_j: float = 0.0        # joules credited from the energy counter
    power_j: float = 0.0          # joules credited by integrating power
    measured_s: float = 0.0
    unmeasured_s: float = 0.0
    t: float | None = None        # time of the last accepted reading
    watts: float | None = None
    watts_t: float | None = None
    counter: CounterState | None = None
    counter_t: float | None = None
    measured_at_counter: float = 0.0   # measured_s when the counter was last read
    unmeasured_at_counter: float = 0.0
    resets: int = 0
    wraps: int = 0

    @property
    def joules(self) -> float:
        return self.counter_j + self.power_j

    def to_record(self) -> dict[str, Any]:
        """Flat JSON-able record for the store."""
        c = self.counter
        return {"counter_j": self.counter_j, "power_j": self.power_j, "measured_s": self.measured_s,
                "unmeasured_s": self.unmeasured_s, "t": self.t, "watts": self.watts,
                "watts_t": self.watts_t, "counter_raw": c.raw if c else None,
                "counter_offset": c.offset if c else None, "counter_uptime": c.uptime if c else None,
                "counter_t": self.counter_t, "measured_at_counter": self.measured_at_counter,
                "unmeasured_at_counter": self.unmeasured_at_counter, "resets": self.resets,
                "wraps": self.wraps}

    @classmethod
    def from_record(cls, rec: Mapping[str, Any]) -> MeterState:
        counter = None
        if rec["counter_raw"] is not None:
            counter = CounterState(rec["counter_raw"], rec["counter_offset"], rec["counter_uptime"])
        return cls(counter_j=rec["counter_j"], power_j=rec["power_j"], measured_s=rec["measured_s"],
                   unmeasured_s=rec["unmeasured_s"], t=rec["t"], watts=rec["watts"],
                   watts_t=rec["watts_t"], counter=counter, counter_t=rec["counter_t"],
                   measured_at_counter=rec["measured_at_counter"],
                   unmeasured_at_counter=rec["unmeasured_at_counter"], resets=rec["resets"],
                   wraps=rec["wraps"])


@dataclass(frozen=True, slots=True)
class Step:
    """What one reading added: joules, newly measured and unmeasured seconds, and how."""

    method: Method
    joules: float = 0.0
    measured_s: float = 0.0
    unmeasured_s: float = 0.0
    discontinuity: Discontinuity = Discontinuity.NONE


def _check(name: str, value: float | None) -> None:
    if value is not None and not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")


def step(prev: MeterState, r: Reading, cfg: MeterConfig) -> tuple[MeterState, Step]:
    """Fold one reading into the meter. Invalid (negative, NaN) values are a caller fault and raise."""
    _check("watts", r.watts)
    _check("energy", r.energy)
    if prev.t is not None and r.t <= prev.t:
        return prev, Step(Method.IGNORED)
    counter, disc = prev.counter, Discontinuity.NONE
    if r.energy is not None:
        counter, disc = advance(prev.counter, r.energy, cfg.bits, r.uptime)
    nxt = _with_readings(prev, r, counter, disc)
    if prev.t is None:
        return _mark_counter(nxt, r), Step(Method.FIRST, discontinuity=disc)
    dt = r.t - prev.t

    # 1. Counter at both ends, and no time credited otherwise since the counter was last read.
    if (r.energy is not None and prev.counter is not None and prev.counter_t is not None
            and prev.measured_s == prev.measured_at_counter):
        assert counter is not None
        span = r.t - prev.counter_t
        dj = (counter.total - prev.counter.total) * cfg.unit.joules
        lost = 0.0
        if disc is Discontinuity.RESET:
            if r.uptime is not None:
                lost = min(max(r.t - r.uptime - prev.counter_t, 0.0), span)
            else:
                lost = span
        recovered = prev.unmeasured_s - prev.unmeasured_at_counter   # earlier gaps the counter covers
        measured = span - lost
        nxt = replace(nxt, counter_j=prev.counter_j + dj, measured_s=prev.measured_s + measured,
                      unmeasured_s=prev.unmeasured_s - recovered + lost)
        return _mark_counter(nxt, r), Step(Method.COUNTER, dj, measured, lost - recovered, disc)

    # 2. Power at both ends, interval short enough to interpolate.
    if r.watts is not None and prev.watts is not None and prev.watts_t == prev.t:
        if dt <= cfg.max_gap:
            dj = (prev.watts + r.watts) / 2.0 * dt
            nxt = replace(nxt, power_j=prev.power_j + dj, measured_s=prev.measured_s + dt)
            return _mark_counter(nxt, r), Step(Method.POWER, dj, dt, 0.0, disc)
        method = Method.GAP
    else:
        method = Method.NONE
    nxt = replace(nxt, unmeasured_s=prev.unmeasured_s + dt)
    return _mark_counter(nxt, r), Step(method, 0.0, 0.0, dt, disc)


def _with_readings(prev: MeterState, r: Reading, counter: CounterState | None,
                   disc: Discontinuity) -> MeterState:
    nxt = replace(prev, t=r.t, counter=counter,
                  resets=prev.resets + (disc is Discontinuity.RESET),
                  wraps=prev.wraps + (disc is Discontinuity.WRAP))
    if r.watts is not None:
        nxt = replace(nxt, watts=r.watts, watts_t=r.t)
    return nxt


def _mark_counter(state: MeterState, r: Reading) -> MeterState:
    if r.energy is None:
        return state
    return replace(state, counter_t=r.t, measured_at_counter=state.measured_s,
                   unmeasured_at_counter=state.unmeasured_s)


def fold(readings: Iterable[Reading], cfg: MeterConfig, state: MeterState | None = None) -> MeterState:
    """Fold readings (in time order) into a meter state."""
    s = state if state is not None else MeterState()
    for r in readings:
        s, _ = step(s, r, cfg)
    return s
