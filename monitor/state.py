"""Asset state from probe outcomes: up, down, unreachable (its parent is down) or unmeasured.

Each probe's last Result gives a verdict:

* ``up``: the probe succeeded;
* ``down``: the asset did not answer or answered wrongly (timeout, refused, unreachable, DNS, TLS,
  bad status, body mismatch);
* ``unknown``: the probe failed for its own reasons (auth error, permission, malformed reply...):
  this says nothing about the asset.

An asset is ``down`` if any probe says down, ``up`` if at least one says up and none down, and
``unmeasured`` if no probe gave a verdict. A down asset whose parent (the asset it depends on) is
down or unreachable is ``unreachable``: its outage is explained upstream (applied by
:class:`monitor.pipeline.Pipeline`, incrementally along the dependency tree). Pure functions.
"""

from __future__ import annotations

from typing import Iterable

from monitor.probes.base import Reason, Result

UP, DOWN, UNREACHABLE, UNMEASURED = "up", "down", "unreachable", "unmeasured"
STATES = (UP, DOWN, UNREACHABLE, UNMEASURED)

_DOWN_REASONS = frozenset({
    Reason.TIMEOUT, Reason.REFUSED, Reason.UNREACHABLE, Reason.DNS_ERROR, Reason.TLS_ERROR,
    Reason.BAD_STATUS, Reason.BODY_MISMATCH,
})


def verdict(result: Result) -> str:
    if result.reason is Reason.OK:
        return UP
    if result.reason in _DOWN_REASONS:
        return DOWN
    return "unknown"


def own_state(results: Iterable[Result]) -> tuple[str, str]:
    """State of one asset from its probes' latest results, with a short reason."""
    verdicts = [(verdict(r), r) for r in results]
    downs = [r for v, r in verdicts if v == DOWN]
    if downs:
        return DOWN, ", ".join(f"{r.probe}: {r.reason}" for r in downs)
    if any(v == UP for v, _ in verdicts):
        return UP, ""
    if verdicts:
        return UNMEASURED, ", ".join(f"{r.probe}: {r.reason}" for _, r in verdicts)
    return UNMEASURED, "no poll yet"
