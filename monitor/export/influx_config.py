"""The ``influxdb:`` section: an InfluxDB v2 endpoint (``/api/v2/write``), batching and the spool bound.

Example::

    influxdb:
      url: http://127.0.0.1:8086
      org: mairie
      bucket: vigie
      token: {env: INFLUX_TOKEN}
      include: ["*_watts", "*_joules_total", "*pages_total", "vm_power_state", "poe_*", "ups_*"]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from monitor.secrets import Secret


def _dur(default: float) -> object:
    return field(default=default, metadata={"duration": True, "min": 0.0, "exclusive_min": True})


@dataclass(frozen=True, kw_only=True)
class InfluxSection:
    url: str
    org: str
    bucket: str
    token: Secret
    include: tuple[str, ...] = ("*",)      # sample names (without ``vigie_``), shell patterns
    batch_size: int = field(default=5000, metadata={"min": 1, "max": 100000})
    flush_interval: float = _dur(5.0)        # how often pending points are spooled and sent
    timeout: float = _dur(10.0)
    retry_min: float = _dur(1.0)
    retry_max: float = _dur(300.0)
    spool_max_points: int = field(default=2_000_000, metadata={"min": 1})
    spool_file: str = ""                     # default: <state_dir>/influx_spool.db

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ValueError("url must start with http:// or https://")
        if self.retry_max < self.retry_min:
            raise ValueError("retry_max must be >= retry_min")

    def wanted(self, name: str) -> bool:
        return any(fnmatchcase(name, p) for p in self.include)
