"""Choose the profiles that apply to a device from its sysObjectID and sysDescr."""

from __future__ import annotations

from typing import Sequence

from monitor.profiles.model import Profile


def _prefix_arcs(sys_object_id: str, prefix: str) -> int:
    """Number of arcs of ``prefix`` when it is a whole-arc prefix of the OID, else 0."""
    oid = sys_object_id.lstrip(".")
    if oid == prefix or oid.startswith(prefix + "."):
        return prefix.count(".") + 1
    return 0


def specificity(profile: Profile, sys_object_id: str, sys_descr: str) -> int | None:
    """How specifically a profile matches (None: no match).

    Longest sysObjectID prefix scores its arc count x 10; a sysDescr match scores 5; a generic
    profile scores 0. A generic profile that also names prefixes/regex scores like a vendor one.
    """
    m = profile.match
    score = max((_prefix_arcs(sys_object_id, p) * 10 for p in m.sys_object_id), default=0)
    if m.sys_descr is not None and m.sys_descr.search(sys_descr or ""):
        score = max(score, 5)
    if score:
        return score
    return 0 if m.generic else None


def select_profiles(sys_object_id: str, sys_descr: str, available: Sequence[Profile]) -> list[Profile]:
    """Matching profiles, most specific first; a selected profile drops those it ``overrides``.

    Order: priority, then specificity, then name (stable). Earlier profiles win when two
    define the same sample (see the evaluator).
    """
    scored = []
    for p in available:
        s = specificity(p, sys_object_id, sys_descr)
        if s is not None:
            scored.append((p.match.priority, s, p))
    scored.sort(key=lambda t: (-t[0], -t[1], t[2].name))
    chosen = [p for _, _, p in scored]
    dropped = {name for p in chosen for name in p.overrides}
    return [p for p in chosen if p.name not in dropped]
