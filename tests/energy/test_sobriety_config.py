"""energy.sobriety and influxdb sections through the real strict loader (file, line, option path)."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import load_config
from monitor.errors import ConfigErrors

BASE = """\
daemon: {state_dir: STATE}
sites:
  mairie: {name: Mairie}
assets:
  - {name: pc1, site: mairie, kind: workstation, address: 127.0.0.1}
energy:
  sobriety:
    hours:
      default: {kind: weekly, ranges: {mon-fri: ["08:00-19:00"]}, holidays: true}
    eligible: {vms: ["test-*"], wifi_sites: [mairie]}
    targets: {workstations_off: 0.85}
    grace: 10m
    tariff: {eur_per_kwh: 0.2516, source: "Contrat EDF", year: 2026}
    baselines:
      - {name: workstation_power, value: 42.0, unit: W, date: "2025-10-01", source: "Audit DSI 2025"}
    actions:
      - {title: "Extinction PoE ecoles", owner: DSI, status: in_progress, due: "2026-12-31"}
influxdb:
  url: http://127.0.0.1:8086
  org: mairie
  bucket: vigie
  token: {env: INFLUX_TOKEN}
"""


def write(tmp: Path, text: str) -> Path:
    p = tmp / "vigie.yml"
    p.write_text(text.replace("STATE", str(tmp / "state")))
    return p


def test_binds(tmp_path: Path) -> None:
    c = load_config(write(tmp_path, BASE), environ={"INFLUX_TOKEN": "tok"})
    s = c.energy.sobriety
    assert s.configured and s.targets.workstations_off == 0.85 and s.targets.vms_off == 0.80
    assert s.grace == 600 and s.tariff is not None and s.tariff.tariff().eur_per_kwh == 0.2516
    assert s.calendar("mairie") is not None and s.actions[0].status == "in_progress"
    assert c.influxdb is not None and c.influxdb.token.reveal() == "tok" and str(c.influxdb.token) == "<secret>"


@pytest.mark.parametrize("old,new,where", [
    ("workstations_off: 0.85}", "workstations_off: 1.5}", "energy.sobriety.targets.workstations_off"),
    ("status: in_progress", "status: ongoing", "energy.sobriety.actions[0].status"),
    ("grace: 10m", "grace: 10m\n    bogus: 1", "energy.sobriety.bogus"),
    ("url: http://127.0.0.1:8086", "url: 127.0.0.1:8086", "influxdb"),
])
def test_errors_name_the_option(tmp_path: Path, old: str, new: str, where: str) -> None:
    with pytest.raises(ConfigErrors) as exc:
        load_config(write(tmp_path, BASE.replace(old, new)), environ={"INFLUX_TOKEN": "tok"})
    assert where in str(exc.value)
