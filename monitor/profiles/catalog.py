"""The profiles a running daemon knows: the YAML profile directories plus snmp_exporter files.

Relative paths are looked up beside the main configuration file first, then in Vigie's own tree
(where ``probes/`` ships). Names must be unique across the catalog.
"""

from __future__ import annotations

from pathlib import Path

from monitor.config.model import Config
from monitor.errors import ConfigError
from monitor.profiles.loader import load_profiles
from monitor.profiles.model import Profile

SHIPPED_ROOT = Path(__file__).resolve().parent.parent.parent


def _resolve(path: str, config: Config) -> Path:
    p = Path(path)
    if p.is_absolute():
        return p
    bases = [Path(config.files[0]).parent] if config.files else []
    bases.append(SHIPPED_ROOT)
    for base in bases:
        if (base / p).exists():
            return base / p
    raise ConfigError(f"not found beside the configuration nor in {SHIPPED_ROOT}",
                      path=f"profile path {path!r}")


def load_catalog(config: Config) -> list[Profile]:
    profiles: list[Profile] = []
    for d in config.profile_dirs:
        profiles.extend(load_profiles(_resolve(d, config)))
    if config.snmp_exporter_files:
        from monitor.profiles.snmp_exporter import load_snmp_exporter_file
        for f in config.snmp_exporter_files:
            profiles.extend(load_snmp_exporter_file(_resolve(f, config)))
    seen: dict[str, Profile] = {}
    for p in profiles:
        if p.name in seen:
            raise ConfigError(f"profile {p.name!r} is defined twice")
        seen[p.name] = p
    return profiles
