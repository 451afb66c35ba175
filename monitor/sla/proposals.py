"""Third-party (*tiers*) proposals: children unreachable because a parent (operator link, UPS...) was down.

When a parent of a kind in ``sla.tiers_parent_kinds`` has been down and has recovered, the outage
of the assets behind it (their ``unreachable`` time that began during the parent's outage) is
proposed as a ``third_party`` ledger entry with status ``proposed``: it is never applied until
someone confirms it (``vigie exclusion confirm ID``). One proposal per parent outage, keyed by
``(parent, outage start)`` in ``sla_proposals``; an outage still in progress is proposed when it ends.
"""

from __future__ import annotations

from datetime import datetime
from typing import Mapping, Sequence

from monitor.sla import intervals as iv
from monitor.sla.calendar import PARIS
from monitor.sla.db import SlaDb
from monitor.sla.ledger import Entry, Ledger
from monitor.sla.timeline import build
from monitor.state import DOWN, UNREACHABLE
from monitor.store import Transition


def descendants(parents: Mapping[str, str | None], name: str) -> list[str]:
    kids = sorted(n for n, p in parents.items() if p == name)
    out = list(kids)
    for k in kids:
        out.extend(descendants(parents, k))
    return out


def find(*, kinds: Mapping[str, str], parents: Mapping[str, str | None], tiers_kinds: Sequence[str],
         transitions: Mapping[str, Sequence[Transition]], start: float, now: float
         ) -> list[tuple[str, float, float, tuple[str, ...], iv.Intervals]]:
    """Finished parent outages in ``[start, now)`` with children unreachable during them:
    ``(parent, outage start, outage end, children, children's unreachable intervals)``."""
    out = []
    for parent in sorted(n for n, k in kinds.items() if k in tiers_kinds):
        kids = descendants(parents, parent)
        if not kids:
            continue
        down = build(transitions.get(parent, ()), start, now).of(DOWN, UNREACHABLE)
        kid_tl = {k: build(transitions.get(k, ()), start, now).of(UNREACHABLE) for k in kids}
        for a, b in down:
            if b >= now or a <= start:
                continue  # still in progress, or began before the window (already handled)
            hit = {k: [s for s in spans if a <= s[0] < b] for k, spans in kid_tl.items()}
            hit = {k: s for k, s in hit.items() if s}
            if hit:
                spans = iv.normalize(x for s in hit.values() for x in s)
                out.append((parent, a, b, tuple(sorted(hit)), spans))
    return out


def propose(ledger: Ledger, db: SlaDb, found: Sequence[tuple[str, float, float, tuple[str, ...], iv.Intervals]],
            *, author: str, now: float) -> list[Entry]:
    """Append one proposed ``third_party`` entry per outage not proposed yet."""
    added = []
    for parent, a, b, kids, spans in found:
        if db.proposal(parent, a) is not None:
            continue
        when = f"{_fmt(a)} - {_fmt(b)}"
        entry = ledger.append(Entry(
            type="third_party", status="proposed", author=author, declared_at=now,
            reason=f"{parent} down {when}: {', '.join(kids)} unreachable behind it (proposed, to confirm)",
            intervals=tuple(spans), assets=kids))
        db.add_proposal(parent, a, entry.id)
        added.append(entry)
    return added


def _fmt(ts: float) -> str:
    return datetime.fromtimestamp(ts, PARIS).strftime("%Y-%m-%d %H:%M:%S")
