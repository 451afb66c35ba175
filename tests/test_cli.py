"""The ``vigie`` command, run through its entry point against real peers."""

import re
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
    assert "OK:" in out and "15 assets" in out


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
                  'vigie_up{asset="portail-famille"', 'vigie_up{asset="imprimante-mediatheque"',
                  'vigie_up{asset="prism-ct"', 'vigie_up{asset="bmc-ntnx-node-1"',
                  'vigie_up{asset="poste-accueil-1"']
        # energy sources of the demo, each with its provenance (docs/demo.md)
        energy = [r'vigie_energy_joules_total\{asset="bmc-ntnx-node-1",.*meter="server:chassis=1U",.*source="redfish"',
                  r'vigie_energy_joules_total\{asset="sw-poe-ecole",.*meter="poe_port:group=1,port=3",.*source="snmp"',
                  r'vigie_asset_power_watts\{asset="bmc-ntnx-node-1",.*provenance="measured"',   # Redfish
                  r'vigie_asset_power_watts\{asset="esxi-ct",.*provenance="measured"',           # PDU outlet
                  r'vigie_asset_power_watts\{asset="ap-ecole-1",.*provenance="measured"',        # PoE port
                  r'vigie_vm_power_watts\{basis="cpu_usage",host="ntnx-node-1",method="allocated",provenance="modelled"',
                  r'vigie_vm_power_watts\{basis="vcpu_share",host="esxi-ct",method="allocated",provenance="modelled"',
                  r'vigie_sobriety_kpi_ratio\{kpi="vm_density_gain",provenance="measured",site="fleet"\}',
                  r'vigie_sobriety_kpi_target_ratio\{kpi="workstations_off"\} 0\.9$',
                  r'vigie_co2e_grams_total\{provenance="factor",scope="printer"\}',
                  r'vigie_energy_cost_euros_total\{provenance="\w+",scope="total"\}']
        text, deadline = "", time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
            except OSError:
                text = ""
            lines = text.splitlines()
            missing = [w for w in wanted if not any(ln.startswith(w) and ln.endswith(" 1.0") for ln in lines)]
            missing += [e for e in energy if not any(re.match(e, ln) for ln in lines)]
            if not missing:
                break
            time.sleep(1)
        else:
            proc.terminate()
            pytest.fail(f"demo never showed {missing}:\n{proc.communicate()[0][-3000:]}\n{text[-2000:]}")
        assert 'vigie_up{asset="poste-compta",kind="workstation",site="hotel-de-ville"} 0.0' in lines  # "off"
        # W per VM conservation on every host: P = sum(allocated) + unallocated
        residual = {m.group(1): float(m.group(2)) for ln in lines
                    if (m := re.match(r'vigie_vm_attribution_residual_watts\{host="([^"]+)"\} (\S+)$', ln))}
        assert set(residual) == {"ntnx-node-1", "ntnx-node-2", "ntnx-node-3", "esxi-ct"}, residual
        assert all(abs(r) < 1e-6 for r in residual.values()), residual
        assert "vigie_ups_output_power_watts{" in text          # APC Smart-UPS recording
        assert "vigie_http_tls_cert" in text                      # the portal's chain
        check = subprocess.run([shutil.which("promtool"), "check", "metrics"], input=text,
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
    finally:
        proc.terminate()
        proc.wait(30)
