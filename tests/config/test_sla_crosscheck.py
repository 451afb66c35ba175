"""Names used in the sla section are checked against the inventory at load time."""

import pytest

from monitor.config import load_config
from monitor.errors import ConfigErrors


def test_unknown_member_is_reported_with_file_line_and_path(tmp_path):
    cfg = tmp_path / "v.yml"
    cfg.write_text("sites: {hdv: {name: Mairie}}\n"
                   "assets:\n  - {name: fw, site: hdv, kind: firewall}\n"
                   "sla:\n  services:\n    internet:\n      mode: all\n      members:\n"
                   "        - fw\n        - fibre\n")
    with pytest.raises(ConfigErrors) as info:
        load_config(cfg)
    assert str(info.value) == f"{cfg}:10: sla.services.internet.members[1]: unknown asset 'fibre'"


def test_known_members_load(tmp_path):
    cfg = tmp_path / "v.yml"
    cfg.write_text("sites: {hdv: {name: Mairie}}\n"
                   "assets:\n  - {name: fw, site: hdv, kind: firewall}\n"
                   "sla:\n  services:\n    internet: {mode: all, members: [fw]}\n")
    assert load_config(cfg).sla.services["internet"].members == ("fw",)
