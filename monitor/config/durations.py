"""Durations: numbers of seconds or strings such as ``500ms``, ``30s``, ``5m``, ``1h``, ``1d``, ``1h30m``."""

from __future__ import annotations

import math
import re

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_WHOLE = re.compile(r"(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+")


def parse_duration(text: str) -> float:
    """Seconds for ``text``; raises ``ValueError`` when it is not a duration."""
    s = text.strip()
    if not _WHOLE.fullmatch(s):
        raise ValueError(f"expected a duration such as 500ms, 30s, 5m, 1h or 1d, got {text[:40]!r}")
    seconds = sum(float(n) * _UNITS[u] for n, u in _PART.findall(s))
    if not math.isfinite(seconds):
        raise ValueError(f"duration {text[:40]!r} is too large")
    return seconds
