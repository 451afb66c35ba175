"""The Prometheus rules pass ``promtool check rules`` and their ``promtool test rules`` unit tests."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def _promtool() -> str:
    exe = shutil.which("promtool")
    if exe is None:
        pytest.fail("promtool missing: the setup script installs Debian's prometheus package")
    return exe


def test_rule_files_pass_promtool_check():
    files = sorted(str(p) for p in (ROOT / "rules").glob("*.yml"))
    assert files, "no rule files under rules/"
    out = subprocess.run([_promtool(), "check", "rules", *files], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.count("SUCCESS") == len(files)


@pytest.mark.parametrize("unit", sorted(p.name for p in HERE.glob("*_test.yml")))
def test_rule_unit_tests_pass(unit):
    out = subprocess.run([_promtool(), "test", "rules", unit], cwd=HERE, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "SUCCESS" in out.stdout


def test_every_alert_is_unit_tested_or_listed():
    """Alerts without a unit test are named here on purpose, so a new rule is not forgotten."""
    alerts = {r["alert"] for g in yaml.safe_load((ROOT / "rules/vigie-alerts.yml").read_text())["groups"]
              for r in g["rules"] if "alert" in r}
    tested = {t["alertname"] for p in HERE.glob("*_test.yml")
              for case in yaml.safe_load(p.read_text())["tests"] for t in case.get("alert_rule_test", [])}
    untested = {"VigieSlaCoverageLow", "VigieProbeBadResponse", "VigiePollsMissingDeadline"}
    assert alerts - tested == untested


def test_example_prometheus_config_passes_promtool():
    out = subprocess.run([_promtool(), "check", "config", "examples/prometheus/prometheus.yml"],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_example_alertmanager_config_passes_amtool():
    amtool = shutil.which("amtool")
    if amtool is None:
        pytest.fail("amtool missing: the setup script installs Debian's prometheus-alertmanager")
    out = subprocess.run([amtool, "check-config", "examples/alertmanager/alertmanager.yml"],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "3 inhibit rules" in out.stdout


def test_alert_labels_match_the_alertmanager_routes():
    """Every alert has a severity the example routes, and the inhibit labels exist."""
    am = yaml.safe_load((ROOT / "examples/alertmanager/alertmanager.yml").read_text())
    routed = {m.split("=", 1)[1].strip('"') for r in am["route"]["routes"] for m in r["matchers"]}
    rules = [r for g in yaml.safe_load((ROOT / "rules/vigie-alerts.yml").read_text())["groups"]
             for r in g["rules"] if "alert" in r]
    assert {r["labels"]["severity"] for r in rules} <= routed
