"""Configuration: typed, immutable inventory and daemon options loaded from YAML (see docs/configuration.md)."""

from .check import check_config
from .loader import load_config
from .model import (Asset, Config, Credential, DaemonOptions, HttpCredential, ProbeSet, Secret, Site, SnmpCredential,
                    SnmpDefaults, SnmpOptions, Tiers, parse_address)

__all__ = ["Asset", "Config", "Credential", "DaemonOptions", "HttpCredential", "ProbeSet", "Secret", "Site",
           "SnmpCredential", "SnmpDefaults", "SnmpOptions", "Tiers", "check_config", "load_config", "parse_address"]
