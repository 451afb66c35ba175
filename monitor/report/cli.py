"""``vigie report <kind> --month YYYY-MM``: write a monthly report's HTML, PDF, CSV and JSON.

Each report kind is one line of :data:`REPORTS`: ``kind -> (help, "module:function")``; the
function is ``build(config, db_path, year, month, now, pdf) -> ReportFiles``. The clock is read
here, once; everything below gets ``now``.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
import time
from pathlib import Path
from typing import Callable

from monitor.errors import ConfigError

DEFAULT_CONFIG = "/etc/vigie/vigie.yml"
REPORTS: dict[str, tuple[str, str]] = {
    "sla": ("monthly SLA report (availability per contract, exclusions, incidents)",
            "monitor.report.sla:build"),
    "sobriety": ("monthly sobriety report", "monitor.report.sobriety:build"),
}


def register(sub: argparse._SubParsersAction) -> dict[str, Callable[[argparse.Namespace], int]]:
    rep = sub.add_parser("report", help="write a monthly report (HTML, PDF, CSV, JSON, in French)")
    kinds = rep.add_subparsers(dest="report_kind", required=True)
    for kind, (text, _) in REPORTS.items():
        p = kinds.add_parser(kind, help=text)
        p.add_argument("--month", required=True, help="YYYY-MM, e.g. 2026-10")
        p.add_argument("-c", "--config", default=DEFAULT_CONFIG)
        p.add_argument("--out", default=".", help="output directory (default: current directory)")
        p.add_argument("--db", help="state database (default: <daemon.state_dir>/vigie.db)")
        p.add_argument("--no-pdf", action="store_true", help="skip the PDF")
    return {"report": run}


def parse_month(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if not m or not 1 <= int(m[2]) <= 12:
        raise ConfigError(f"--month: expected YYYY-MM, got {text!r}")
    return int(m[1]), int(m[2])


def run(args: argparse.Namespace, now: float | None = None) -> int:
    from monitor.config.loader import load_config
    from monitor.report.files import write_report
    from monitor.sla.calendar import month_bounds
    now = time.time() if now is None else now
    year, month = parse_month(args.month)
    if month_bounds(year, month)[0] > now:
        raise ConfigError(f"--month {args.month} has not started yet")
    config = load_config(args.config)
    db = Path(args.db) if args.db else Path(config.daemon.state_dir) / "vigie.db"
    module, func = REPORTS[args.report_kind][1].split(":")
    build = getattr(importlib.import_module(module), func)
    files = build(config, db, year, month, now, not args.no_pdf)
    for path in write_report(files, args.out):
        print(path)
    if month_bounds(year, month)[1] > now:
        print("note: month in progress, figures are provisional", file=sys.stderr)
    return 0
