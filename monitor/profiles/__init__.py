"""Device profiles: device knowledge as data (YAML under ``probes/``), interpreted generically.

- ``model``: frozen dataclasses of a profile.
- ``loader``: strict YAML loading with file/line/option-path errors.
- ``detect``: choose profiles from sysObjectID / sysDescr.
- ``evaluate``: turn GET/walk data into Samples.
- ``snmp_exporter``: convert snmp_exporter generator output (v0.21) into profiles.
"""

from monitor.profiles.detect import select_profiles
from monitor.profiles.loader import load_profile_file, load_profile_text, load_profiles
from monitor.profiles.model import Group, IndexPart, LabelColumn, Match, Metric, Profile, Table, Transform

__all__ = [
    "Group", "IndexPart", "LabelColumn", "Match", "Metric", "Profile", "Table", "Transform",
    "load_profile_file", "load_profile_text", "load_profiles", "select_profiles",
]
