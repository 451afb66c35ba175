"""``check_config``: validate a configuration and return human-readable findings (for ``vigie check-config``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from monitor.errors import ConfigError, ConfigErrors

from monitor.sla.config import overlap_warnings

from .loader import load_config


def check_config(path: str | Path, *, environ: Mapping[str, str] | None = None,
                 credentials_dir: str | None = None) -> list[str]:
    """Findings, each prefixed ``error: `` or ``warning: ``; the command fails when any starts with ``error:``.

    Never prints secret values: messages come from the loader, which does not echo them.
    """
    try:
        config = load_config(path, environ=environ, credentials_dir=credentials_dir)
    except ConfigErrors as err:
        return [f"error: {e}" for e in err.errors]
    except ConfigError as err:
        return [f"error: {err}"]
    messages = [f"warning: {w}" for w in config.warnings]
    messages += [f"warning: {w}" for w in overlap_warnings(config.sla)]
    if not config.assets:
        messages.append(f"warning: {path}: no assets defined")
    return messages


def has_errors(messages: list[str]) -> bool:
    return any(m.startswith("error: ") for m in messages)
