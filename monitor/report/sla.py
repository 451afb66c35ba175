"""The SLA report kind: gather (:mod:`.sla_data`), then render (:mod:`.sla_render`)."""

from __future__ import annotations

from pathlib import Path

from monitor.config.model import Config

from .files import ReportFiles
from .sla_data import from_config
from .sla_render import render_sla


def build(config: Config, db_path: str | Path, year: int, month: int, now: float,
          pdf: bool = True) -> ReportFiles:
    return render_sla(from_config(config, db_path, year, month, now), pdf=pdf)
