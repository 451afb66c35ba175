"""Asyncio scheduler: interval tiers, start jitter, deadlines, concurrency limits, lag.

One job per (asset, probe kind). A job runs its fast tier every ``fast`` seconds and, when its
slow period has elapsed, a full poll ("all": labels and inventory too) instead. A job is never
started while its previous poll is still in flight (the skip is counted). A global semaphore and
a per-asset semaphore bound concurrency; every poll has a deadline after which it is cancelled
and recorded as a timeout. The clock is injected.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from dataclasses import dataclass, field
from typing import Awaitable, Callable, Iterable

from monitor.probes.base import Reason, Result
from monitor.selfmetrics import SelfMetrics

log = logging.getLogger("vigie.scheduler")

RunFn = Callable[[str], Awaitable[Result]]  # tier ("fast" | "all") -> Result


@dataclass(eq=False)
class Job:
    asset: str
    probe: str
    run: RunFn
    fast: float                    # seconds between polls
    slow: float | None = None      # seconds between full polls; None: single tier
    next_due: float = 0.0
    next_slow: float = 0.0
    in_flight: bool = False
    key: tuple[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.key = (self.asset, self.probe)


def jitter_offset(key: tuple[str, str], interval: float) -> float:
    """Deterministic start offset in [0, interval): spreads polls, stable across restarts."""
    digest = hashlib.blake2b("/".join(key).encode(), digest_size=8).digest()
    return (int.from_bytes(digest, "big") / 2 ** 64) * interval


class Scheduler:
    def __init__(self, *, on_result: Callable[[Result], None], metrics: SelfMetrics,
                 concurrency: int = 64, per_device: int = 2, deadline: float = 30.0,
                 jitter: bool = True, clock: Callable[[], float] = time.monotonic) -> None:
        self._on_result = on_result
        self._metrics = metrics
        self._global = asyncio.Semaphore(concurrency)
        self._per_device_limit = per_device
        self._device: dict[str, asyncio.Semaphore] = {}
        self._deadline = deadline
        self._jitter = jitter
        self._clock = clock
        self._jobs: dict[tuple[str, str], Job] = {}
        self._wake = asyncio.Event()
        self._stopping = False
        self._tasks: set[asyncio.Task] = set()

    # --- job set -----------------------------------------------------------------------------
    def set_jobs(self, jobs: Iterable[Job]) -> None:
        """Install a new job set (start-up or reload). Jobs that already existed keep their
        timing; new ones start after their jitter offset; removed ones stop being scheduled."""
        now = self._clock()
        new: dict[tuple[str, str], Job] = {}
        for job in jobs:
            old = self._jobs.get(job.key)
            if old is not None:
                job.next_due, job.next_slow, job.in_flight = old.next_due, old.next_slow, old.in_flight
            else:
                job.next_due = now + (jitter_offset(job.key, job.fast) if self._jitter else 0.0)
                job.next_slow = job.next_due
            new[job.key] = job
        self._jobs = new
        self._metrics.jobs = len(new)
        self._wake.set()

    @property
    def jobs(self) -> dict[tuple[str, str], Job]:
        return self._jobs

    # --- main loop ---------------------------------------------------------------------------
    async def run(self) -> None:
        while not self._stopping:
            now = self._clock()
            soonest = None
            for job in list(self._jobs.values()):
                if job.next_due <= now:
                    self._dispatch(job, now)
                soonest = job.next_due if soonest is None else min(soonest, job.next_due)
            self._wake.clear()
            delay = 3600.0 if soonest is None else max(0.0, soonest - self._clock())
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
            except TimeoutError:
                pass

    async def stop(self, grace: float = 5.0) -> None:
        self._stopping = True
        self._wake.set()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=grace)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)

    async def run_once(self, job: Job, tier: str = "all") -> Result:
        """Poll one job now (for ``vigie probe``), under the same deadline."""
        return await self._guarded(job, tier)

    def _dispatch(self, job: Job, now: float) -> None:
        due = job.next_due
        behind = now - due
        job.next_due = due + job.fast if behind < job.fast else now + job.fast - (behind % job.fast)
        if job.in_flight:
            self._metrics.skipped[job.probe] += 1
            return
        tier = "fast"
        if job.slow is not None and now >= job.next_slow:
            tier = "all"
            job.next_slow = now + job.slow
        job.in_flight = True
        task = asyncio.create_task(self._poll(job, tier, due), name=f"poll {job.asset}/{job.probe}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _poll(self, job: Job, tier: str, due: float) -> None:
        sem = self._device.setdefault(job.asset, asyncio.Semaphore(self._per_device_limit))
        self._metrics.queue_length += 1
        queued = True
        try:
            async with self._global, sem:
                self._metrics.queue_length -= 1
                queued = False
                self._metrics.observe_lag(self._clock() - due)
                self._metrics.in_flight += 1
                try:
                    result = await self._guarded(job, tier)
                finally:
                    self._metrics.in_flight -= 1
            if job.key in self._jobs:  # still configured (a reload may have removed it)
                self._on_result(result)
        finally:
            if queued:
                self._metrics.queue_length -= 1
            job.in_flight = False
            current = self._jobs.get(job.key)
            if current is not None:
                current.in_flight = False

    async def _guarded(self, job: Job, tier: str) -> Result:
        start = self._clock()
        try:
            async with asyncio.timeout(self._deadline):
                return await job.run(tier)
        except TimeoutError:
            self._metrics.deadline_exceeded[job.probe] += 1
            return Result(job.probe, job.asset, Reason.TIMEOUT, self._clock() - start,
                          detail=f"deadline of {self._deadline:g} s exceeded")
        except asyncio.CancelledError:
            raise
        except Exception as err:  # a programming fault in a probe: report it, keep polling
            log.exception("probe %s of %s failed unexpectedly", job.probe, job.asset)
            return Result(job.probe, job.asset, Reason.ERROR, self._clock() - start,
                          detail=f"internal error: {type(err).__name__}: {err}")
