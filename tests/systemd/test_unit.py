"""The shipped systemd unit, checked by systemd-analyze itself (offline, no PID 1 needed)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "systemd" / "vigie.service"
RAW_ICMP_DROPIN = ROOT / "systemd" / "vigie.service.d" / "icmp-raw.conf.example"
MAX_EXPOSURE = 2.5

ANALYZE = shutil.which("systemd-analyze")
pytestmark = pytest.mark.skipif(ANALYZE is None,
                                reason="systemd-analyze not installed (apt-get install systemd)")


def _unit_copy(tmp_path: Path, *, dropin: bool = False) -> Path:
    """The unit with ExecStart pointing at an existing binary, so verify can check it here."""
    text = UNIT.read_text()
    assert "ExecStart=/usr/bin/vigie " in text
    target = tmp_path / "vigie.service"
    target.write_text(text.replace("ExecStart=/usr/bin/vigie ", f"ExecStart={shutil.which('true')} "))
    if dropin:
        d = tmp_path / "vigie.service.d"
        d.mkdir()
        (d / "icmp-raw.conf").write_text(RAW_ICMP_DROPIN.read_text())
    return target


def _analyze(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ANALYZE, *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def _exposure(unit: Path) -> float:
    proc = _analyze("security", "--offline=yes", f"--threshold={int(MAX_EXPOSURE * 10)}",
                    str(unit), cwd=unit.parent)
    match = re.search(r"Overall exposure level for vigie\.service: (\d+\.\d+)", proc.stdout)
    assert match, proc.stdout + proc.stderr
    return float(match.group(1))


def test_verify_clean(tmp_path: Path) -> None:
    unit = _unit_copy(tmp_path)
    proc = _analyze("verify", "--man=no", "--recursive-errors=no", str(unit), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    ours = [line for line in proc.stderr.splitlines() if "vigie" in line]
    assert ours == [], ours


def test_verify_flags_a_missing_binary(tmp_path: Path) -> None:
    """The check above can fail: the unshipped /usr/bin/vigie is reported."""
    target = tmp_path / "vigie.service"
    target.write_text(UNIT.read_text().replace("/usr/bin/vigie ", f"{tmp_path}/absent "))
    proc = _analyze("verify", "--man=no", "--recursive-errors=no", str(target), cwd=tmp_path)
    assert proc.returncode != 0
    assert "absent" in proc.stderr


def test_security_exposure(tmp_path: Path) -> None:
    exposure = _exposure(_unit_copy(tmp_path))
    print(f"systemd-analyze security exposure: {exposure}")
    assert exposure <= MAX_EXPOSURE


def test_raw_icmp_dropin_verifies_and_loosens(tmp_path: Path) -> None:
    (tmp_path / "base").mkdir()
    (tmp_path / "dropin").mkdir()
    base = _exposure(_unit_copy(tmp_path / "base"))
    with_dropin = _unit_copy(tmp_path / "dropin", dropin=True)
    proc = _analyze("verify", "--man=no", "--recursive-errors=no", str(with_dropin), cwd=with_dropin.parent)
    assert proc.returncode == 0, proc.stderr
    loosened = _exposure(with_dropin)
    print(f"exposure without / with CAP_NET_RAW drop-in: {base} / {loosened}")
    assert base < loosened <= MAX_EXPOSURE


def test_credentials_and_notify_settings() -> None:
    lines = [line.strip() for line in UNIT.read_text().splitlines()]
    settings = [line for line in lines if line and not line.startswith(("#", "["))]
    keys = {line.split("=", 1)[0]: line.split("=", 1)[1] for line in settings}
    creds = [line.split("=", 1)[1] for line in settings if line.startswith("LoadCredential=")]
    assert keys["Type"] == "notify" and keys["NotifyAccess"] == "main"
    assert keys["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert keys["CapabilityBoundingSet"] == "" and keys["AmbientCapabilities"] == ""
    assert sorted(c.split(":", 1)[0] for c in creds) == ["meraki-api-key", "snmp-community"]
    assert all(c.split(":", 1)[1].startswith("/etc/vigie/credentials/") for c in creds)
