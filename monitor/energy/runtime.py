"""The energy engine inside the daemon (see monitor.extensions)."""

from __future__ import annotations

from monitor.extensions import DaemonContext, Extension


def build(ctx: DaemonContext) -> Extension | None:
    """Nothing to run until the energy section configures something."""
    return None
