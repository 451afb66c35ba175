"""A small town configuration with an sla section, for the sla tests."""

import textwrap
from pathlib import Path

from monitor.config.loader import load_config


def write_town(tmp: Path, *, listen: str = "127.0.0.1:0", extra_assets: str = "", sla_extra: str = "",
               token: bool = True) -> Path:
    (tmp / "token").write_text("s3cret-token\n")
    cfg = tmp / "vigie.yml"
    cfg.write_text(textwrap.dedent(f"""\
        daemon: {{listen: "{listen}", state_dir: {tmp / 'state'}, start_jitter: false, poll_deadline: 10s}}
        tiers: {{fast: 1s, slow: 1h}}
        sites:
          hdv: {{name: Hôtel de ville}}
        assets:
          - {{name: fibre, site: hdv, kind: link, criticality: high}}
          - {{name: fw, site: hdv, kind: firewall, criticality: high, parent: fibre}}
          - {{name: core, site: hdv, kind: switch, criticality: high, parent: fw}}
          - {{name: ap1, site: hdv, kind: access_point, criticality: low, parent: core}}
          - {{name: ap2, site: hdv, kind: access_point, criticality: low, parent: core}}
          - {{name: portail, site: hdv, kind: service, criticality: medium}}
        """) + extra_assets + textwrap.dedent(f"""\
        sla:
          author: dsi
          {"api_token: {file: token}" if token else ""}
          calendars:
            24x7: {{kind: 24x7}}
            8/5: {{kind: business}}
            psg: {{kind: weekly, holidays: true, ranges: {{mon-fri: ["09:00-12:00", "14:00-18:00"]}}}}
          services:
            internet: {{mode: all, members: [fw, core]}}
            wifi: {{mode: any, members: [ap1, ap2]}}
          contracts:
            saas:
              target: 99.9
              calendar: 24x7
              assets: [portail]
              criticality: high
              response:
                - {{asset: portail, objectives: "< 2 s for 80 %, < 5 s for 100 %"}}
              guarantees: {{P1: {{gti: 15m, gtr: 4h}}, P2: {{gti: 30m, gtr: 1d}}}}
            infra:
              target: 98
              calendar: 8/5
              services: [internet, wifi]
              assets: [core]
              guarantees:
                P1: {{gti: 15m, gtr: 4h}}
                P2: {{gti: 30m, gtr: 8h}}
                P3: {{gti: 2h, gtr: 24h}}
                P4: {{gti: 4h, gtr: 40h}}
          exclusions:
            - id: maint-fw
              assets: [fw]
              every: {{weekday: tue, nth: 1, start: "06:00", end: "08:00"}}
              reason: mise à jour mensuelle du pare-feu
              reference: GLPI-1000
        """) + sla_extra)
    return cfg


def town(tmp: Path, **kw):
    return load_config(write_town(tmp, **kw))
