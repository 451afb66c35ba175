"""The profiles a running daemon knows: the YAML profile directories plus snmp_exporter files.

Paths come resolved from the configuration loader (beside the main file, else in Vigie's tree).
Profile names must be unique across the catalog.
"""

from __future__ import annotations

from monitor.config.model import Config
from monitor.errors import ConfigError
from monitor.profiles.loader import load_profiles
from monitor.profiles.model import Profile


def load_catalog(config: Config) -> list[Profile]:
    profiles: list[Profile] = []
    for d in config.profile_dirs:
        profiles.extend(load_profiles(d))
    if config.snmp_exporter_files:
        from monitor.profiles.snmp_exporter import load_snmp_exporter_file
        for f in config.snmp_exporter_files:
            profiles.extend(load_snmp_exporter_file(f))
    seen: set[str] = set()
    for p in profiles:
        if p.name in seen:
            raise ConfigError(f"profile {p.name!r} is defined twice", path="profile_dirs")
        seen.add(p.name)
    return profiles
