"""Placeholder extension (see monitor.extensions): nothing to run until configured."""

from __future__ import annotations

from monitor.extensions import DaemonContext, Extension


def build(ctx: DaemonContext) -> Extension | None:
    return None
