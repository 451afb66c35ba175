"""The ``vigie`` command, run through its entry point against real peers."""

import shutil
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.simulator import corpus_dir, free_udp_port
from tests.peers.snmpd import Snmpd

REPO = Path(__file__).resolve().parent.parent
TOWN = REPO / "examples" / "town" / "vigie.yml"


def test_check_config_accepts_the_example_town(capsys):
    assert main(["check-config", str(TOWN)]) == 0
    out = capsys.readouterr().out
    assert "OK:" in out and "9 assets" in out


def test_check_config_names_file_line_and_path(tmp_path, capsys):
    bad = tmp_path / "bad.yml"
    bad.write_text("sites:\n  hdv: {name: Mairie}\nassets:\n  - name: sw\n    site: hdv\n"
                   "    kind: switch\n    criticality: urgent\n")
    assert main(["check-config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:7: assets[0].criticality:" in err


def test_check_config_rejects_unknown_profile(tmp_path, capsys):
    (tmp_path / "c").write_text("public")
    cfg = tmp_path / "v.yml"
    cfg.write_text(textwrap.dedent("""\
        credentials: {c: {snmp: {version: 2c, community: {file: c}}}}
        sites: {hdv: {name: Mairie}}
        assets:
          - {name: sw, site: hdv, kind: switch, address: 127.0.0.1, credentials: c,
             profiles: [if_mibb]}
        """))
    assert main(["check-config", str(cfg)]) == 1
    assert "unknown profile 'if_mibb'" in capsys.readouterr().err


def test_import_glpi_writes_loadable_yaml(tmp_path):
    csv = tmp_path / "glpi.csv"
    csv.write_text("\ufeffNom;Lieu;Adresse IP;Type;Numéro de série;Modèle\n"
                   "Onduleur baie;Hôtel de ville;127.0.0.1;Onduleur;AS1;Smart-UPS 1500\n",
                   encoding="utf-8")
    out = tmp_path / "inventory.yml"
    assert main(["import-glpi", str(csv), "-o", str(out)]) == 0
    text = out.read_text()
    assert "kind: ups" in text and "hotel-de-ville" in text
    assert main(["check-config", str(out)]) == 0


def test_probe_prints_a_table_from_a_real_agent(tmp_path, capsys):
    with Snmpd(workdir=tmp_path / "snmpd") as agent:
        (tmp_path / "community").write_text(agent.community)
        cfg = tmp_path / "v.yml"
        cfg.write_text(textwrap.dedent(f"""\
            credentials: {{c: {{snmp: {{version: 2c, community: {{file: community}}}}}}}}
            sites: {{hdv: {{name: Mairie}}}}
            assets:
              - {{name: srv, site: hdv, kind: server, address: "127.0.0.1:{agent.port}", credentials: c}}
            """))
        assert main(["probe", "srv", "-c", str(cfg)]) == 0
        out = capsys.readouterr().out
        assert out.startswith("# srv snmp: ok")
        assert "vigie_if_received_bytes_total" in out and 'ifname="lo"' in out
        assert main(["probe", "nope", "-c", str(cfg)]) == 2
        agent.stop()
        assert main(["probe", "srv", "-c", str(cfg)]) == 1
        assert "# srv snmp: refused" in capsys.readouterr().out


@pytest.mark.skipif(corpus_dir() is None, reason="needs ../shared/corpus")
def test_demo_exports_real_readings_and_passes_promtool(tmp_path):
    """`vigie demo` end to end: snmpsim with the real recordings, the HTTPS portal, the daemon."""
    port = free_udp_port()  # a free TCP port is very likely free too; the daemon fails loudly if not
    proc = subprocess.Popen([sys.executable, "-m", "monitor.cli", "demo", "--duration", "60",
                             "--listen", f"127.0.0.1:{port}", "--workdir", str(tmp_path / "demo")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wanted = ['vigie_up{asset="ondul-mairie"', 'vigie_up{asset="sw-poe-ecole"',
                  'vigie_up{asset="portail-famille"', 'vigie_up{asset="imprimante-mediatheque"']
        text, deadline = "", time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
            except OSError:
                text = ""
            if all(any(line.startswith(w) and line.endswith(" 1.0") for line in text.splitlines())
                   for w in wanted):
                break
            time.sleep(1)
        else:
            proc.terminate()
            pytest.fail(f"demo never showed the assets up:\n{proc.communicate()[0][-3000:]}\n{text[-2000:]}")
        assert "vigie_ups_output_power_watts{" in text          # APC Smart-UPS recording
        assert "vigie_http_tls_cert" in text                      # the portal's chain
        check = subprocess.run([shutil.which("promtool"), "check", "metrics"], input=text,
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
    finally:
        proc.terminate()
        proc.wait(30)
