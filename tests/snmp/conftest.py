"""Fixtures: real net-snmp agents on loopback (see tests/peers/snmpd.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.peers.snmpd import Snmpd


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Snmpd]:
    """A shared agent for tests that do not stop or reconfigure it."""
    with Snmpd(workdir=tmp_path_factory.mktemp("snmpd")) as snmpd:
        yield snmpd


@pytest.fixture
def own_agent(tmp_path) -> Iterator[Snmpd]:
    """An agent a test may stop, pause or restart."""
    with Snmpd(workdir=tmp_path) as snmpd:
        yield snmpd
