"""Monotonic totals from device counters: Counter32/Counter64 wraps and agent restarts.

A device counter is exported as ``raw + offset`` where the offset only grows:

* the raw value went down and the device's uptime went backwards (or the counter is 64-bit, where a
  wrap cannot happen in practice): the device restarted and its counter began again at zero, so the
  previous raw value is added to the offset (no data invented: the unseen increments between the last
  poll and the restart are lost, as they are on the device);
* the raw value went down on a 32-bit counter with no sign of restart: a wrap, 2**32 is added.

An uptime that went back while the raw value did not go down is *not* a reset: an SNMP agent
restarted (sysUpTime) while the kernel's counters ran on, or a 32-bit sysUpTime wrapped after 497
days; treating it as a reset would add the whole counter value again. (If the device really
restarted and counted past its previous value since, the increments before the restart are lost:
a bounded under-count, never a jump.)

So exported totals never decrease and ``rate()`` is never negative. The state is a plain value that the
store persists, which keeps totals exact across daemon restarts. Pure code: no clock, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Discontinuity(StrEnum):
    NONE = "none"
    WRAP = "wrap"
    RESET = "reset"


@dataclass(frozen=True, slots=True)
class CounterState:
    raw: float
    offset: float
    uptime: float | None  # agent uptime (s) at the reading, when known

    @property
    def total(self) -> float:
        return self.raw + self.offset


def advance(prev: CounterState | None, raw: float, bits: int,
            uptime: float | None) -> tuple[CounterState, Discontinuity]:
    """Next state of a counter given a new raw reading. ``bits`` is 32, 64 or 0 (unknown width)."""
    if prev is None:
        return CounterState(raw, 0.0, uptime), Discontinuity.NONE
    if raw >= prev.raw:
        return CounterState(raw, prev.offset, uptime), Discontinuity.NONE
    restarted = uptime is not None and prev.uptime is not None and uptime < prev.uptime
    if restarted:
        # Everything the counter shows now was counted since the restart.
        return CounterState(raw, prev.total, uptime), Discontinuity.RESET
    if bits == 32:
        return CounterState(raw, prev.offset + 2.0 ** 32, uptime), Discontinuity.WRAP
    # 64-bit (or unknown width) going down without a visible restart: treat as a reset.
    return CounterState(raw, prev.total, uptime), Discontinuity.RESET
