"""InfluxDB v2 writer against tests/peers/influx_fake.py: a real local aiohttp server implementing the
documented ``/api/v2/write`` contract (no InfluxDB >= 1.8 or 2.x installs here; Debian has 1.6.7)."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Callable

import pytest

from monitor.config.model import Asset
from monitor.secrets import Secret
from monitor.export.influx import InfluxExport, result_lines
from monitor.export.influx_config import InfluxSection
from monitor.export.spool import Spool
from monitor.probes.base import Reason, Result, Sample
from tests.peers.influx_fake import InfluxFake, parse_line

ASSETS = {"ups1": Asset(name="ups1", site="mairie", kind="ups")}


def conf(url: str, **kw: object) -> InfluxSection:
    base = dict(url=url, org="mairie", bucket="vigie", token=Secret("secret-token"), flush_interval=0.05,
                retry_min=0.05, retry_max=0.2)
    return InfluxSection(**{**base, **kw})  # type: ignore[arg-type]


def result(v: float) -> Result:
    return Result("snmp", "ups1", Reason.OK, 0.1, [
        Sample("vigie_ups_output_power_watts", v, (("line", "1"),)),
        Sample("vigie_ups battery,odd=name", v, (("tag with space", "a=b,c"),))])


async def until(cond: Callable[[], bool], limit: float = 20.0) -> None:
    """Wait for a condition (the limit only stops a broken test from hanging; nothing is timed)."""
    for _ in range(int(limit / 0.02)):
        if cond():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not reached")


def make(c: InfluxSection, tmp: Path, clock: Callable[[], float]) -> InfluxExport:
    return InfluxExport(c, state_dir=tmp, assets=ASSETS, wall=clock)


def expected(values: range) -> set:
    return {parse_line(x) for i in values for x in result_lines(result(float(i)), ASSETS["ups1"],
                                                               1_000_000 + i, conf("http://x"))}


async def test_outage_loses_nothing_across_a_restart(tmp_path: Path) -> None:
    ticks = itertools.count(1_000_000)
    clock = lambda: float(next(ticks))  # noqa: E731  one second per point produced
    async with InfluxFake() as fake:
        port = fake.port
        fake.fail_with = (503, 1)                                    # InfluxDB answering 503
        w = make(conf(fake.url), tmp_path, clock)
        await w.tick(0)
        for i in range(50):
            w.on_result(result(float(i)))
        await until(lambda: len(w.spool) == 100 and 503 in fake.requests)
        await w.close()                                              # daemon stops
    # Endpoint down (connection refused); the daemon restarts and goes on producing.
    w = make(conf(f"http://127.0.0.1:{port}"), tmp_path, clock)
    assert len(w.spool) == 100                                       # the spool survived
    await w.tick(0)
    for i in range(50, 80):
        w.on_result(result(float(i)))
    await until(lambda: len(w.spool) == 160 and w.errors.get("unreachable", 0) > 0)
    assert w.written == 0 and not fake.points
    fake = InfluxFake()
    await fake.start(port)                                           # endpoint back
    try:
        w.wake()
        await until(lambda: len(w.spool) == 0)
        assert len(fake.points) == 160 == w.written
        assert len(set(fake.points)) == len(fake.points)             # no duplicates
        assert set(fake.points) == expected(range(80))               # no loss
        assert w.errors.get("server_error", 0) == 0                  # second run saw no 503
    finally:
        await w.close()
        await fake.stop()


async def test_bad_token_keeps_points_then_413_halves_batch(tmp_path: Path) -> None:
    async with InfluxFake(max_body=2000) as fake:
        w = make(conf(fake.url, token=Secret("wrong"), batch_size=100), tmp_path, lambda: 5e6)
        await w.tick(0)
        for i in range(20):
            w.on_result(result(float(i)))
        await until(lambda: w.errors.get("auth", 0) > 0 and len(w.spool) == 40)
        await w.close()
        w = make(conf(fake.url, batch_size=100), tmp_path, lambda: 5e6)
        await w.tick(0)
        await until(lambda: len(w.spool) == 0)
        await w.close()
        assert 413 in fake.requests and w.errors.get("too_large", 0) > 0
        assert len(fake.points) == 40 == len(set(fake.points))


async def test_spool_bound_drops_oldest_and_counts(tmp_path: Path) -> None:
    s = Spool(tmp_path / "s.db", max_points=5)
    assert s.append([f"m v={i} {i}" for i in range(4)]) == 0
    assert s.append([f"m v={i} {i}" for i in range(4, 8)]) == 3
    assert [x for _, x in s.peek(10)] == [f"m v={i} {i}" for i in range(3, 8)]
    s.delete([i for i, _ in s.peek(2)])
    assert len(s) == 3 and s.dropped == 3
    s.close()
    s = Spool(tmp_path / "s.db", max_points=5)
    assert len(s) == 3
    s.close()


def test_line_protocol_escaping_round_trips() -> None:
    (line, odd) = result_lines(result(2.5), ASSETS["ups1"], 1234, conf("http://x"))
    assert line == "ups_output_power_watts,asset=ups1,kind=ups,line=1,site=mairie value=2.5 1234"
    m, tags, fields, ts = parse_line(odd)
    assert m == "ups battery,odd=name" and ("tag with space", "a=b,c") in tags and ts == 1234


def test_include_filter() -> None:
    lines = result_lines(result(1.0), ASSETS["ups1"], 1, conf("http://x", include=("ups_output_*",)))
    assert len(lines) == 1


@pytest.mark.parametrize("bad", ["ftp://x", "127.0.0.1:8086"])
def test_config_rejects_bad_url(bad: str) -> None:
    with pytest.raises(ValueError):
        conf(bad)


async def test_a_malformed_point_is_isolated_and_counted(tmp_path: Path) -> None:
    async with InfluxFake() as fake:
        w = make(conf(fake.url), tmp_path, lambda: 7e6)
        for i in range(3):
            w.on_result(result(float(i)))
        w.add(["not line protocol"])
        for i in range(3, 6):
            w.on_result(result(float(i)))
        await w.tick(0)
        await until(lambda: len(w.spool) == 0 and w.written == 12)
        await w.close()
        assert w.errors.get("rejected") == 1
        assert len(fake.points) == 12 == len(set(fake.points))
