"""The ``energy:`` section of the configuration. Each part lives beside the code that uses it."""

from __future__ import annotations

from dataclasses import dataclass, field

from monitor.energy.meters_config import MetersSection
from monitor.energy.sobriety_config import SobrietySection
from monitor.energy.vms_config import VmsSection


@dataclass(frozen=True, kw_only=True)
class EnergySection:
    meters: MetersSection = field(default_factory=MetersSection)      # power/energy sources -> joules
    vms: VmsSection = field(default_factory=VmsSection)               # W per VM from host power
    sobriety: SobrietySection = field(default_factory=SobrietySection)  # hours, targets, tariffs
