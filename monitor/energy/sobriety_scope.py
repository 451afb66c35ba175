"""Measured energy of every metered asset over a month, net of what it delivers to other assets.

Recorded on ticks (:func:`monitor.energy.sobriety_infra.record_meters`) in ``sobriety_meters``:

* role ``asset``: each meter the meters runtime attributes to an asset (its own wall-power meter, e.g.
  Redfish, or a configured ``energy.meters.feeds`` entry, e.g. a PDU outlet), keyed by the fed asset
  and ``<polled asset>/<meter id>``; role ``ap`` for Wi-Fi APs (same keys);
* role ``pdu_input``: a PDU's inlet meter when no feed attributes it (the PDU's total).

No double counting (pure over the month's rows, :func:`metered_assets`):

* an asset's energy is its own wall meter when it has one (polled on the asset itself), else the sum of
  its feeds (:func:`monitor.energy.meters.counted_meters`, the rule of the live runtime too), **minus**
  what its own meters deliver to other attributed assets (a switch's wall power includes the PoE of
  its APs, a PDU's inlet its outlets);
* a PDU whose inlet is not attributed is counted as ``<pdu> (non attribué)``, kind
  :data:`UNATTRIBUTED_PDU`: inlet minus its attributed outlets (equipment plugged in but not declared);
* UPS meters never enter (their output is the load of the room, already counted; they give the PUE).

A difference that comes out negative (meters covering different times) counts as zero. Each entry carries
its **coverage**: the seconds its meters measured (the least of them) / the month so far. The energy stays
measured for that time; it is not scaled up, and the report lists the entries below :data:`FULL`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from monitor.config.model import Asset
from monitor.energy.figure import Figure, Provenance
from monitor.energy.meters import counted_meters
from monitor.energy.profiles import EnergyProfiles, PowerState

UNATTRIBUTED_PDU = "pdu (non attribué)"
#: Kinds that never enter the consumption by kind: UPSes (PUE), services and links (no own device).
EXCLUDED_KINDS = frozenset({"ups", "service", "link"})
#: Kinds the month handles with their own method (modelled workstations, printers, Wi-Fi APs).
OWN_METHOD_KINDS = frozenset({"workstation", "printer", "access_point"})
FED_ROLES = ("asset", "ap")
#: Coverage from which a measured entry counts as covering the whole month (a poll interval or two short).
FULL = 0.99

Row = tuple[str, str, str, float, float]     # asset, meter, role, joules, seconds over the month


@dataclass(frozen=True, slots=True)
class Metered:
    """One metered entry of the month: an asset, or a PDU's unattributed remainder."""

    name: str
    site: str
    kind: str
    kwh: Figure
    coverage: float = 1.0   # metered seconds / the month so far (1.0 for a factor over the whole span)


def _kwh(j: float, sources: tuple[str, ...]) -> Figure:
    return Figure.exact(max(0.0, j) / 3.6e6, "kWh", Provenance.MEASURED, sources)


def coverage(seconds: float, span: float) -> float:
    """Metered share of ``span`` (capped at 1; 1 for an empty span)."""
    return min(1.0, max(0.0, seconds) / span) if span > 0 else 1.0


def _polled(meter: tuple[str, float, float]) -> str:
    return meter[0].split("/", 1)[0]


def metered_assets(rows: list[Row], assets: Mapping[str, Asset], span: float = 0.0) -> dict[str, Metered]:
    """Name -> measured kWh of the month (net of energy delivered downstream), for every metered asset.

    ``span``: the month so far in seconds, for each entry's coverage. Assets of :data:`EXCLUDED_KINDS`
    are left out; unknown assets (removed from the configuration) keep their energy with an empty site
    and kind ``autre``.
    """
    own: dict[str, list[tuple[str, float, float]]] = {}
    delivered: dict[str, list[tuple[str, float]]] = {}
    inlet: dict[str, list[tuple[str, float, float]]] = {}
    for asset, meter, role, dj, ds in rows:
        if role in FED_ROLES:
            polled = meter.split("/", 1)[0]
            if role == "asset":
                own.setdefault(asset, []).append((meter, dj, ds))
            if polled != asset:     # still delivered by the PDU / switch even when the asset's own meter wins
                delivered.setdefault(polled, []).append((asset, dj))
        elif role == "pdu_input":
            inlet.setdefault(asset, []).append((meter, dj, ds))
    out: dict[str, Metered] = {}

    def place(name: str) -> tuple[str, str]:
        a = assets.get(name)
        return (a.site, a.kind) if a is not None else ("", "autre")

    def net(name: str, meters: list[tuple[str, float, float]], prefix: str
            ) -> tuple[float, tuple[str, ...], float]:
        gross = math.fsum(j for _, j, _ in meters)
        down = delivered.get(name, [])
        minus = math.fsum(j for _, j in down)
        srcs = tuple(f"{prefix}{m}" for m, _, _ in sorted(meters))
        if down:
            srcs += (f"moins {minus / 3.6e6:.3f} kWh délivrés à " + ", ".join(sorted({a for a, _ in down})),)
        return gross - minus, srcs, coverage(min(s for _, _, s in meters), span)

    for name in sorted(own):
        site, kind = place(name)
        if kind in EXCLUDED_KINDS:
            continue
        j, srcs, cov = net(name, counted_meters(name, own[name], _polled), "")
        out[name] = Metered(name, site, kind, _kwh(j, srcs), cov)
    for pdu in sorted(inlet):
        if pdu in own:
            continue        # the inlet is attributed to the PDU itself: counted above
        site, _ = place(pdu)
        j, srcs, cov = net(pdu, inlet[pdu], f"{pdu}/")
        name = f"{pdu} (non attribué)"
        out[name] = Metered(name, site, UNATTRIBUTED_PDU, _kwh(j, srcs), cov)
    return out


def factor_estimates(assets: list[Asset], covered: set[str], profiles: EnergyProfiles, span: float
                     ) -> tuple[dict[str, Metered], tuple[str, ...]]:
    """Unmetered assets: the kind's average power x ``span`` s where ``data/energy_profiles.yml`` has a
    profile named like the kind with an ``average`` power (factor), else listed as unmeasured.

    Kinds of :data:`OWN_METHOD_KINDS` and :data:`EXCLUDED_KINDS` are left to their own method.
    """
    est: dict[str, Metered] = {}
    missing: list[str] = []
    for a in sorted(assets, key=lambda a: a.name):
        if a.name in covered or a.kind in EXCLUDED_KINDS or a.kind in OWN_METHOD_KINDS:
            continue
        prof = profiles.kinds.get(a.kind)
        avg = prof.power.get(PowerState.AVERAGE) if prof is not None else None
        if avg is None:
            missing.append(a.name)
            continue
        est[a.name] = Metered(a.name, a.site, a.kind, avg.figure().scaled(span / 3.6e6, "kWh"))
    return est, tuple(missing)
