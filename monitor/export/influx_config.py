"""Configuration of the ``influxdb:`` section (placeholder: accepts an empty mapping)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class InfluxSection:
    pass
