"""Modelled power where nothing is metered, consolidated as measurements come in.

* Workstations: on / sleep / off over time from reachability (ICMP or SNMP answering) and uptime,
  times the kind's (or model's) profile power.
* Servers: the linear model of Cloud Carbon Footprint, ``W = Wmin + u x (Wmax - Wmin)`` with CPU
  utilisation ``u`` in [0, 1]; Wmin/Wmax start from the profile (per vCPU) and are refitted per
  hardware model by least squares on measured (u, W) pairs, bounded to physical values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Iterable, Sequence

from monitor.energy.figure import Figure, Provenance, total
from monitor.energy.profiles import KindProfile, PowerState


class WorkstationState(StrEnum):
    ON = "on"
    SLEEP = "sleep"      # not answering, and no reboot seen when it answered again
    OFF = "off"          # not answering, and it had rebooted when it answered again
    UNKNOWN = "unknown"  # not answering, and not known yet (or no uptime to tell)


@dataclass(frozen=True, slots=True)
class Observation:
    t: float
    reachable: bool
    uptime: float | None = None   # seconds since boot (hrSystemUptime / sysUpTime), when answered


@dataclass(frozen=True, slots=True)
class Segment:
    start: float
    end: float
    state: WorkstationState

    @property
    def seconds(self) -> float:
        return self.end - self.start


def classify(observations: Sequence[Observation]) -> tuple[Segment, ...]:
    """Time segments with their state, from observations in time order.

    Between two answered polls the machine was on, except that a boot inside the interval (uptime
    shorter than the interval) means off until the boot. A silent stretch ended by an answer is
    ``off`` until the boot if the machine rebooted meanwhile, else ``sleep``; a stretch not ended
    yet, or ended by an answer without uptime, is ``unknown``.
    """
    segs: list[Segment] = []

    def add(start: float, end: float, state: WorkstationState) -> None:
        if end <= start:
            return
        if segs and segs[-1].state is state and segs[-1].end == start:
            segs[-1] = Segment(segs[-1].start, end, state)
        else:
            segs.append(Segment(start, end, state))

    last: Observation | None = None
    silence_start: float | None = None   # last time it answered before the current silence
    for ob in observations:
        if last is not None and ob.t <= last.t:
            raise ValueError("observations must be in strictly increasing time order")
        if last is not None:
            if ob.reachable:   # a silence is decided when it ends (or left unknown at the end)
                start = silence_start if silence_start is not None else last.t
                if ob.uptime is None:
                    add(start, ob.t, WorkstationState.ON if silence_start is None else WorkstationState.UNKNOWN)
                else:
                    boot = ob.t - ob.uptime
                    if boot > start:
                        add(start, boot, WorkstationState.OFF)
                        add(boot, ob.t, WorkstationState.ON)
                    else:
                        add(start, ob.t, WorkstationState.ON if silence_start is None
                            else WorkstationState.SLEEP)
        if ob.reachable:
            silence_start = None
        elif silence_start is None:
            silence_start = last.t if last is not None else ob.t
        last = ob
    if last is not None and silence_start is not None:
        add(silence_start, last.t, WorkstationState.UNKNOWN)
    return tuple(segs)


def state_power(profile: KindProfile, state: WorkstationState) -> Figure | None:
    """Modelled power for a state (None when the profile has nothing for it)."""
    p = profile.power

    def get(*states: PowerState) -> Figure | None:
        for s in states:
            if s in p:
                return p[s].figure(Provenance.MODELLED)
        return None

    if state is WorkstationState.ON:
        return get(PowerState.ACTIVE, PowerState.AVERAGE)
    if state is WorkstationState.SLEEP:
        return get(PowerState.SLEEP)
    if state is WorkstationState.OFF:
        return get(PowerState.OFF)
    sleep, off = get(PowerState.SLEEP), get(PowerState.OFF)
    if sleep is None or off is None:
        return None
    # Asleep or off, unknown which: the midpoint, with the union of both ranges.
    return Figure((sleep.value + off.value) / 2, "W", Provenance.MODELLED, min(sleep.low, off.low),
                  max(sleep.high, off.high), sleep.sources + tuple(s for s in off.sources
                                                                    if s not in sleep.sources))


@dataclass(frozen=True, slots=True)
class ModelledEnergy:
    energy: Figure | None     # J, modelled (None when no segment could be modelled)
    unmodelled_s: float       # time in states the profile has no power for


def modelled_energy(segments: Iterable[Segment], profile: KindProfile) -> ModelledEnergy:
    parts: list[Figure] = []
    unmodelled = 0.0
    for seg in segments:
        w = state_power(profile, seg.state)
        if w is None:
            unmodelled += seg.seconds
        else:
            parts.append(w.scaled(seg.seconds, "J"))
    return ModelledEnergy(total(parts, "J") if parts else None, unmodelled)


# --- servers: the linear model and its refit -------------------------------------------------------

@dataclass(frozen=True, slots=True)
class LinearModel:
    wmin: float
    wmax: float
    provenance: Provenance
    sources: tuple[str, ...]
    wmin_low: float
    wmin_high: float
    wmax_low: float
    wmax_high: float

    @classmethod
    def point(cls, wmin: float, wmax: float, provenance: Provenance, sources: tuple[str, ...],
              spread: float = 0.0) -> LinearModel:
        return cls(wmin, wmax, provenance, sources, max(wmin - spread, 0.0), wmin + spread,
                   max(wmax - spread, 0.0), wmax + spread)


def model_from_profile(profile: KindProfile, vcpus: int) -> LinearModel:
    """Wmin/Wmax = vCPUs x the profile's per-vCPU idle/active watts (factor)."""
    idle, active = profile.power_per_vcpu[PowerState.IDLE], profile.power_per_vcpu[PowerState.ACTIVE]
    return LinearModel(idle.value * vcpus, active.value * vcpus, Provenance.FACTOR,
                       idle.citations + tuple(c for c in active.citations if c not in idle.citations),
                       idle.low * vcpus, idle.high * vcpus, active.low * vcpus, active.high * vcpus)


def _check_u(u: float) -> float:
    if not (math.isfinite(u) and 0.0 <= u <= 1.0):
        raise ValueError(f"CPU utilisation must be in [0, 1], got {u!r}")
    return u


def linear_power(model: LinearModel, u: float) -> Figure:
    """W = Wmin + u x (Wmax - Wmin); range from the bounds of Wmin and Wmax."""
    _check_u(u)
    value = model.wmin + u * (model.wmax - model.wmin)
    low = model.wmin_low + u * (model.wmax_low - model.wmin_low)
    high = model.wmin_high + u * (model.wmax_high - model.wmin_high)
    prov = Provenance.MODELLED if model.provenance is Provenance.MEASURED else model.provenance
    return Figure(value, "W", prov, min(low, value), max(high, value), model.sources)


def server_power(model: LinearModel, u: float, measured_w: float | None = None) -> Figure:
    """A measured wall power when there is one, else the linear model."""
    if measured_w is not None:
        return Figure.exact(measured_w, "W", Provenance.MEASURED)
    return linear_power(model, u)


@dataclass(frozen=True, slots=True)
class FitState:
    """Running least-squares moments of (u, W) pairs (Welford: stable, mergeable, persistable)."""

    n: int = 0
    mean_u: float = 0.0
    mean_w: float = 0.0
    c_uu: float = 0.0
    c_uw: float = 0.0
    c_ww: float = 0.0


def fit_add(s: FitState, u: float, w: float) -> FitState:
    """Add one measured pair: CPU utilisation u in [0, 1] and wall power w (W)."""
    _check_u(u)
    if not (math.isfinite(w) and w >= 0):
        raise ValueError(f"power must be finite and >= 0, got {w!r}")
    n = s.n + 1
    du, dw = u - s.mean_u, w - s.mean_w
    mean_u, mean_w = s.mean_u + du / n, s.mean_w + dw / n
    return FitState(n, mean_u, mean_w, s.c_uu + du * (u - mean_u), s.c_uw + du * (w - mean_w),
                    s.c_ww + dw * (w - mean_w))


def refit(prior: LinearModel, fit: FitState, *, min_points: int = 20, min_u_std: float = 0.05,
          max_w: float | None = None) -> LinearModel:
    """Consolidate ``prior`` with measurements: least squares W = a + b u, bounded.

    Fewer than ``min_points`` pairs: the prior is kept. Utilisation spread below ``min_u_std``: the
    slope is not identifiable, the prior's slope is kept and only the intercept is fitted. Bounds:
    slope >= 0, Wmin >= 0, Wmax <= ``max_w`` (e.g. the PSU rating) when given. The range is
    +/- 2 residual standard deviations.
    """
    if fit.n < min_points:
        return prior
    var_u = fit.c_uu / fit.n
    if var_u < min_u_std ** 2:
        b = prior.wmax - prior.wmin
    else:
        b = max(fit.c_uw / fit.c_uu, 0.0)
    a = max(fit.mean_w - b * fit.mean_u, 0.0)
    if max_w is not None and a + b > max_w:
        b = max(max_w - a, 0.0)
    off = fit.mean_w - a - b * fit.mean_u
    sse = max(fit.c_ww - 2 * b * fit.c_uw + b * b * fit.c_uu + fit.n * off * off, 0.0)
    sigma = math.sqrt(sse / max(fit.n - 2, 1))
    return LinearModel.point(a, a + b, Provenance.MEASURED,
                             (f"least-squares fit of {fit.n} measured (u, W) pairs",), 2 * sigma)
