"""The Grafana dashboards (dashboards/*.json): structure, and every panel query against a REAL
Prometheus scraping ``vigie demo`` every second with the rules of rules/*.yml loaded.

Template variables are substituted as Grafana would with "All" selected (``$site`` -> ``.*``);
``$__range`` becomes 10m and ``$__rate_interval`` 1m (the demo has only a minute of data, and
``increase()`` extrapolates from two samples). Each query goes through ``/api/v1/query`` and must
return at least one series. The sobriety figures of the month are recomputed every 60 s by the
daemon, so the wait ends after the second computation (about 70 s after the start).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
from pathlib import Path

import pytest

from tests.e2e.peers import Prometheus, free_tcp_port, http_json

REPO = Path(__file__).resolve().parents[2]
DASHBOARDS = {p.name: json.loads(p.read_text(encoding="utf-8"))
              for p in sorted((REPO / "dashboards").glob("*.json"))}
RULES = sorted((REPO / "rules").glob("*.yml"))
#: panels that stay empty on the demo, with the reason. The test also checks they ARE empty, so
#: this list cannot silently go stale.
EMPTY_ON_DEMO = {
    ("vigie-sobriete.json", "PUE partiel par local technique"):
        "no real recording reports UPS input true power (Eaton 93E: 0 W; APC PowerNet has none)",
}
SUBST = {"$__rate_interval": "1m", "$__interval": "15s", "$__range": "10m"}


def panels(dashboard: dict) -> list[dict]:
    out = []
    for p in dashboard["panels"]:
        out.append(p)
        out.extend(p.get("panels", []))   # collapsed rows hold their panels
    return out


def queries() -> list[tuple[str, str, str]]:
    """(dashboard file, panel title, expr with variables substituted) for every target."""
    out = []
    for name, d in DASHBOARDS.items():
        variables = [v["name"] for v in d["templating"]["list"] if v["type"] == "query"]
        for p in panels(d):
            for t in p.get("targets", []):
                expr = t["expr"]
                for k, v in SUBST.items():
                    expr = expr.replace(k, v)
                for v in variables:
                    expr = re.sub(rf"\$\{{{v}\}}|\${v}\b", ".*", expr)
                assert "$" not in expr, f"{name}: panel {p['title']!r}: unsubstituted variable in {expr}"
                out.append((name, p["title"], expr))
    return out


def test_dashboards_exist() -> None:
    assert set(DASHBOARDS) == {"vigie-sla.json", "vigie-sobriete.json"}


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_structure(name: str) -> None:
    d = DASHBOARDS[name]
    assert d["schemaVersion"] >= 36 and d["uid"] and d["title"]
    variables = {v["name"]: v for v in d["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    for v in variables.values():
        if v["type"] == "query":
            assert v["definition"].startswith("label_values("), v["name"]
            assert v["datasource"]["uid"] == "${datasource}", v["name"]
    ids = [p["id"] for p in panels(d)]
    assert len(ids) == len(set(ids)), f"{name}: duplicate panel ids"
    for p in panels(d):
        where = f"{name}: panel {p['id']} {p.get('title')!r}"
        assert {"x", "y", "w", "h"} <= set(p["gridPos"]), where
        assert p["gridPos"]["x"] + p["gridPos"]["w"] <= 24, where
        if p["type"] == "row":
            continue
        assert p["title"], where
        assert p["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, where
        assert p["targets"], where
        refids = [t["refId"] for t in p["targets"]]
        assert len(refids) == len(set(refids)), where
        for t in p["targets"]:
            assert t["expr"].strip() and t["datasource"]["uid"] == "${datasource}", where


def _query(url: str, expr: str) -> list:
    q = urllib.parse.quote(expr)
    try:
        return http_json(f"{url}/api/v1/query?query={q}", timeout=5)["data"]["result"]
    except urllib.error.HTTPError as err:   # a PromQL error: fail with Prometheus' message
        pytest.fail(f"query rejected by Prometheus ({err.code}): {expr}\n{err.read().decode()}")


def test_every_panel_query_returns_data_on_the_demo(tmp_path: Path) -> None:
    if not (Path("/usr/bin/prometheus").exists()):
        pytest.skip("Debian package prometheus not installed")
    port = free_tcp_port()
    demo = subprocess.Popen([sys.executable, "-m", "monitor.cli", "demo", "--duration", "200",
                             "--listen", f"127.0.0.1:{port}", "--workdir", str(tmp_path / "demo")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO)
    todo = queries()
    empty: list[tuple[str, str, str]] = todo
    try:
        # alerts go to a loopback port nobody listens on: this test is about queries only
        with Prometheus(workdir=tmp_path / "prom", targets=[f"127.0.0.1:{port}"], rule_files=RULES,
                        alertmanager=f"127.0.0.1:{free_tcp_port()}") as prom:
            deadline = time.monotonic() + 150
            while time.monotonic() < deadline and demo.poll() is None:
                empty = [q for q in todo if not _query(prom.url, q[2])]
                if {(n, t) for n, t, _ in empty} <= set(EMPTY_ON_DEMO):
                    break
                time.sleep(2)
            health = prom.rules_health()
    finally:
        demo.terminate()
        log = demo.communicate(timeout=30)[0]
    assert health and all(h == "ok" for h in health.values()), health
    unexpected = [f"{n}: panel {t!r}: {e}" for n, t, e in empty if (n, t) not in EMPTY_ON_DEMO]
    assert not unexpected, ("panel queries with no data on the demo:\n  " + "\n  ".join(unexpected)
                            + f"\ndemo log tail:\n{log[-2000:]}")
    still = {(n, t) for n, t, _ in empty}
    stale = [k for k in EMPTY_ON_DEMO if k not in still]
    assert not stale, f"these panels now have data on the demo: remove them from EMPTY_ON_DEMO: {stale}"
