"""Reading one YAML file defensively: size cap, UTF-8 check, ``yaml.compose`` with line numbers kept.

Shared by the configuration, the device profiles and the energy profiles (a module of its own, so
that none of them imports another's package to read YAML).
"""

from __future__ import annotations

from pathlib import Path

import yaml
from yaml.nodes import Node

from monitor.errors import ConfigError

MAX_FILE_BYTES = 4 * 1024 * 1024


def compose_file(path: Path, display: str) -> Node | None:
    """The YAML node tree of ``path`` (``None`` for an empty file); ``ConfigError`` on any problem."""
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        raise ConfigError(f"cannot read file: {err.strerror or err}", file=display) from err
    if len(data) > MAX_FILE_BYTES:
        raise ConfigError(f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB", file=display)
    return compose_text(data, display)


def compose_text(data: bytes, display: str) -> Node | None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        raise ConfigError("not UTF-8 text (binary file?)", file=display, line=line) from err
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        what = " ".join(p for p in (err.context, err.problem) if p) or "invalid YAML"
        raise ConfigError(f"invalid YAML: {what}", file=display, line=mark.line + 1 if mark else None) from err
    except yaml.YAMLError as err:
        raise ConfigError(f"invalid YAML: {err}", file=display) from err
    except RecursionError as err:
        raise ConfigError("invalid YAML: nesting too deep", file=display) from err
