import asyncio

from monitor.probes.base import Reason, Result
from monitor.scheduler import Job, Scheduler, jitter_offset
from monitor.selfmetrics import SelfMetrics


def make(results, **kw):
    m = SelfMetrics()
    return Scheduler(on_result=results.append, metrics=m, **kw), m


async def test_tiers_overlap_deadline_and_concurrency():
    results, tiers = [], []
    running = {"now": 0, "max": 0}

    async def quick(tier):
        tiers.append(tier)
        running["now"] += 1
        running["max"] = max(running["max"], running["now"])
        await asyncio.sleep(0.01)
        running["now"] -= 1
        return Result("snmp", "sw", Reason.OK, 0.01)

    async def slow(tier):
        await asyncio.sleep(5)
        return Result("http", "saas", Reason.OK, 5)

    sched, m = make(results, concurrency=1, per_device=1, deadline=0.2, jitter=False)
    sched.set_jobs([Job(asset="sw", probe="snmp", run=quick, fast=0.05, slow=0.3),
                    Job(asset="saas", probe="http", run=slow, fast=0.05)])
    task = asyncio.create_task(sched.run())
    await asyncio.sleep(0.75)
    await sched.stop()
    task.cancel()
    snmp = [r for r in results if r.probe == "snmp"]
    http = [r for r in results if r.probe == "http"]
    assert len(snmp) >= 3
    assert tiers[0] == "all" and "fast" in tiers          # first poll is full, then fast ones
    assert tiers.count("all") < tiers.count("fast")
    assert http and all(r.reason is Reason.TIMEOUT for r in http)  # deadline enforced
    assert "deadline" in http[0].detail
    assert m.deadline_exceeded["http"] >= 1
    assert m.skipped["http"] >= 1                           # never two polls of the same job
    assert running["max"] == 1                              # global limit honoured


async def test_probe_exception_becomes_error_result():
    results = []

    async def broken(tier):
        raise ZeroDivisionError("boom")

    sched, _ = make(results, jitter=False)
    job = Job(asset="a", probe="icmp", run=broken, fast=60)
    r = await sched.run_once(job)
    assert r.reason is Reason.ERROR and "ZeroDivisionError" in r.detail


async def test_reload_keeps_timing_of_existing_jobs():
    results = []

    async def ok(tier):
        return Result("snmp", "a", Reason.OK, 0)

    sched, m = make(results, jitter=True)
    sched.set_jobs([Job(asset="a", probe="snmp", run=ok, fast=60)])
    due = sched.jobs[("a", "snmp")].next_due
    sched.set_jobs([Job(asset="a", probe="snmp", run=ok, fast=60),
                    Job(asset="b", probe="snmp", run=ok, fast=60)])
    assert sched.jobs[("a", "snmp")].next_due == due
    assert m.jobs == 2


def test_jitter_is_deterministic_and_bounded():
    a = jitter_offset(("sw1", "snmp"), 60)
    assert a == jitter_offset(("sw1", "snmp"), 60)
    assert 0 <= a < 60
    offsets = {round(jitter_offset((f"sw{i}", "snmp"), 60)) for i in range(200)}
    assert len(offsets) > 30  # spread, not all at once
