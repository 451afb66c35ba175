"""The files a monthly report is made of, CSV/JSON encoders, and writing them (the only I/O).

* CSV: ``;`` separator, UTF-8 with BOM, CRLF, decimal comma, no thousands separator: what French
  spreadsheet software opens directly (the CSV is the spreadsheet format; the JSON is the
  machine format). Durations are seconds, instants ISO 8601 with the Paris offset.
* JSON: UTF-8, sorted keys, 2-space indent, numbers as numbers (seconds, percent), ISO 8601.
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence


@dataclass(frozen=True, slots=True)
class ReportFiles:
    """Contents of one report: ``stem`` is the file name without extension."""

    stem: str           # e.g. "vigie-sla-2026-10"
    html: bytes
    csv: bytes
    json: bytes
    pdf: bytes | None = None

    def items(self) -> list[tuple[str, bytes]]:
        out = [(f"{self.stem}.html", self.html), (f"{self.stem}.csv", self.csv),
               (f"{self.stem}.json", self.json)]
        if self.pdf is not None:
            out.append((f"{self.stem}.pdf", self.pdf))
        return out


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(header)
    w.writerows(rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def json_bytes(data: object) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, allow_nan=False)
            + "\n").encode("utf-8")


def write_report(files: ReportFiles, out_dir: str | Path) -> list[Path]:
    """Write every file atomically (temp file + rename) into ``out_dir``; return the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in files.items():
        path = out / name
        tmp = out / f".{name}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, path)
        paths.append(path)
    return paths
