"""Contracts and composite services.

A :class:`Contract` names a target rate, a :class:`~monitor.sla.calendar.Calendar`, the assets and
services it covers, and the policy for unmeasured time. The reference period is the calendar
month in Europe/Paris.

A :class:`Service` is k-of-n over members (assets or other services): all-of is k = n, any-of is
k = 1. A member counts as *available* only when ``up``; ``down`` and ``unreachable`` both make it
unavailable (an unreachable asset is unavailable to its users: removing that time from NHI is the
job of a declared, confirmed third-party exclusion, not of the state). At each instant:

* ``up`` when at least k members are up;
* ``down`` when fewer than k members could be up even if every unmeasured member were;
* ``unmeasured`` otherwise (the verdict depends on members nobody measured).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Mapping

from monitor.errors import ConfigError
from monitor.sla.calendar import Calendar

Policy = Literal["down", "exclude", "up"]
POLICIES: tuple[str, ...] = ("down", "exclude", "up")


@dataclass(frozen=True, slots=True)
class Service:
    name: str
    members: tuple[str, ...]
    mode: Literal["all", "any", "k_of_n"] = "all"
    k: int | None = None

    def __post_init__(self) -> None:
        if not self.members:
            raise ConfigError(f"service {self.name}: no members")
        if len(set(self.members)) != len(self.members):
            raise ConfigError(f"service {self.name}: duplicate members")
        if self.mode not in ("all", "any", "k_of_n"):
            raise ConfigError(f"service {self.name}: mode must be all, any or k_of_n")
        if self.mode == "k_of_n" and (self.k is None or not 1 <= self.k <= len(self.members)):
            raise ConfigError(f"service {self.name}: k must be between 1 and {len(self.members)}")
        if self.mode != "k_of_n" and self.k is not None:
            raise ConfigError(f"service {self.name}: k is only for mode k_of_n")

    @property
    def needed(self) -> int:
        """How many members must be up."""
        if self.mode == "all":
            return len(self.members)
        if self.mode == "any":
            return 1
        return self.k or 1


@dataclass(frozen=True, slots=True)
class Contract:
    name: str
    target_percent: float
    calendar: Calendar
    assets: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    unmeasured: Policy = "exclude"

    def __post_init__(self) -> None:
        if not 0 < self.target_percent <= 100:
            raise ConfigError(f"contract {self.name}: target must be in (0, 100]")
        if self.unmeasured not in POLICIES:
            raise ConfigError(f"contract {self.name}: unmeasured policy must be one of {POLICIES}")
        if not self.assets and not self.services:
            raise ConfigError(f"contract {self.name}: covers no asset and no service")


def service_order(services: Mapping[str, Service]) -> list[str]:
    """Services sorted so that every service comes after the services it uses; cycles raise."""
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(name: str, path: tuple[str, ...]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            raise ConfigError("service cycle: " + " -> ".join((*path, name)))
        state[name] = 1
        for m in services[name].members:
            if m in services:
                visit(m, (*path, name))
        state[name] = 2
        order.append(name)

    for name in services:
        visit(name, ())
    return order
