"""Configuration of energy.sobriety (placeholder: accepts an empty mapping)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class SobrietySection:
    pass
