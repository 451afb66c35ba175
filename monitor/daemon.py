"""The daemon: wires config -> scheduler -> probes -> pipeline -> store/exporter, and signals.

SIGHUP reloads the configuration atomically (the old one stays if the new one is invalid);
SIGTERM/SIGINT stop cleanly (in-flight polls get a grace period, state is flushed, every asset
becomes unmeasured from that instant). systemd readiness and watchdog via sd_notify.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from pathlib import Path
from typing import Callable

from prometheus_client import CollectorRegistry

from monitor.config.loader import load_config
from monitor.config.model import Config
from monitor.errors import VigieError
from monitor.exporter import SnapshotCollector, make_app
from monitor.extensions import BUILDERS, DaemonContext, Extension, build_extensions
from monitor.pipeline import AssetInfo, Pipeline
from monitor.probes.http import make_session
from monitor.probes.registry import Resources, build_jobs
from monitor.profiles.catalog import load_catalog
from monitor.scheduler import Scheduler
from monitor.sdnotify import Notifier
from monitor.selfmetrics import SelfMetrics
from monitor.snmp.client import SnmpClient
from monitor.store import Store
from monitor.webserve import serve

log = logging.getLogger("vigie")

HEARTBEAT_SECONDS = 10.0


def inventory(config: Config) -> dict[str, AssetInfo]:
    return {a.name: AssetInfo(a.name, a.site, a.kind, a.parent, frozenset(a.probes.enabled()))
            for a in config.assets}


class _ExtensionGuard:
    """Errors of an extension never stop the daemon: each is counted and logged once when a hook
    starts failing (with its traceback) and once when it works again, not on every call."""

    def __init__(self, metrics: SelfMetrics) -> None:
        self._metrics = metrics
        self._failing: set[tuple[str, str]] = set()

    def failed(self, ext: Extension, hook: str, err: BaseException) -> None:
        self._metrics.extension_errors[(ext.name, hook)] += 1
        if (ext.name, hook) not in self._failing:
            self._failing.add((ext.name, hook))
            log.error("%s.%s failed (logged once until it works again): %s", ext.name, hook, err,
                      exc_info=not isinstance(err, VigieError))

    def worked(self, ext: Extension, hook: str) -> None:
        if (ext.name, hook) in self._failing:
            self._failing.discard((ext.name, hook))
            log.info("%s.%s works again", ext.name, hook)

    def call(self, ext: Extension, hook: str, *args: object) -> None:
        try:
            getattr(ext, hook)(*args)
        except Exception as err:  # noqa: BLE001 - the boundary: an engine bug must not kill polling
            self.failed(ext, hook, err)
        else:
            self.worked(ext, hook)

    async def call_async(self, ext: Extension, hook: str, *args: object) -> None:
        try:
            await getattr(ext, hook)(*args)
        except Exception as err:  # noqa: BLE001
            self.failed(ext, hook, err)
        else:
            self.worked(ext, hook)


class _Frozen:
    """A collector that replays families materialised in the event-loop thread."""

    def __init__(self) -> None:
        self.families: list = []

    def collect(self):
        return iter(self.families)


class Daemon:
    def __init__(self, config_path: str | Path, *, wall: Callable[[], float] = time.time,
                 notifier: Notifier | None = None, extensions: tuple[str, ...] = BUILDERS) -> None:
        self.config_path = Path(config_path)
        self.wall = wall
        self.notifier = notifier or Notifier()
        self.metrics = SelfMetrics()
        self.config: Config | None = None
        self.ready = False
        self.listen_port: int | None = None
        self.extensions: list[Extension] = []
        self._guard = _ExtensionGuard(self.metrics)
        self._builders = extensions
        self._reload_task: asyncio.Task | None = None
        self._reload_again = False
        self._stop = asyncio.Event()

    def request_stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        config = load_config(self.config_path)
        self.config = config
        logging.getLogger().setLevel(config.daemon.log_level.upper())
        profiles = load_catalog(config)
        store = Store(Path(config.daemon.state_dir) / "vigie.db")
        frozen = _Frozen()
        async with SnmpClient() as snmp, make_session() as http:
            res = Resources(snmp=snmp, http=http, profiles=profiles)
            jobs = build_jobs(config, res)
            pipeline = Pipeline(assets=inventory(config), store=store, metrics=self.metrics,
                                wall=self.wall)
            store.start_run(self.wall(), [a.name for a in config.assets])
            ctx = DaemonContext(config=config, store=store, metrics=self.metrics, http=http,
                                wall=self.wall, states=pipeline.states,
                                snapshot=lambda: pipeline.snapshot)
            self.extensions = extensions = build_extensions(ctx, self._builders)
            guard = self._guard

            def on_result(result) -> None:
                pipeline.handle(result)
                for ext in extensions:
                    guard.call(ext, "on_result", result)

            sched = Scheduler(on_result=on_result, metrics=self.metrics,
                              concurrency=config.daemon.concurrency,
                              per_device=config.daemon.per_device_concurrency,
                              deadline=config.daemon.poll_deadline,
                              jitter=config.daemon.start_jitter)
            sched.set_jobs(jobs)

            registry = CollectorRegistry(auto_describe=False)
            registry.register(SnapshotCollector(lambda: pipeline.snapshot))
            registry.register(frozen)
            app_routes = []
            for ext in extensions:
                for collector in ext.collectors():
                    registry.register(collector)
                app_routes.extend(ext.routes())

            def before_scrape() -> None:  # loop thread: copy the live self-metrics
                frozen.families = list(self.metrics.collect())

            app = make_app(registry, ready=lambda: self.ready, before_scrape=before_scrape)
            app.router.add_routes(app_routes)
            host, _, port = config.daemon.listen.rpartition(":")
            runner, self.listen_port = await serve(app, host=host.strip("[]") or "127.0.0.1",
                                                   port=int(port), access_log=None)
            log.info("Vigie started: %d assets, %d jobs, /metrics on %s:%d", len(config.assets),
                     len(jobs), host, self.listen_port)

            loop = asyncio.get_running_loop()
            loop.add_signal_handler(signal.SIGTERM, self._stop.set)
            loop.add_signal_handler(signal.SIGINT, self._stop.set)
            loop.add_signal_handler(signal.SIGHUP, lambda: self._request_reload(res, pipeline, sched))
            sched_task = asyncio.create_task(sched.run(), name="scheduler")
            house_task = asyncio.create_task(
                self._housekeeping(store, pipeline, extensions, sched_task), name="housekeeping")
            self.ready = True
            self.notifier.ready()
            self.notifier.status(f"polling {len(config.assets)} assets")
            try:
                await self._stop.wait()
            finally:
                self.ready = False
                self.notifier.stopping()
                log.info("stopping")
                for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                    loop.remove_signal_handler(sig)
                if self._reload_task is not None:  # never apply a config to a closing store
                    self._reload_task.cancel()
                    await asyncio.gather(self._reload_task, return_exceptions=True)
                await sched.stop()
                sched_task.cancel()
                house_task.cancel()
                await asyncio.gather(sched_task, house_task, return_exceptions=True)
                for ext in extensions:
                    await self._guard.call_async(ext, "close")
                await res.close()
                pipeline.flush()
                store.stop_run(self.wall(), [a.name for a in self.config.assets])
                store.close()
                await runner.cleanup()

    def _request_reload(self, res: Resources, pipeline: Pipeline, sched: Scheduler) -> None:
        """SIGHUP: one reload at a time, in order; a SIGHUP during a reload runs one more after."""
        if self._reload_task is not None and not self._reload_task.done():
            self._reload_again = True
            return

        async def reloads() -> None:
            while True:
                self._reload_again = False
                await self.reload(res, pipeline, sched)
                if not self._reload_again:
                    return

        self._reload_task = asyncio.create_task(reloads(), name="reload")

    async def reload(self, res: Resources, pipeline: Pipeline, sched: Scheduler) -> bool:
        """Load the config again; install it only if it is valid and every probe builds."""
        self.notifier.reloading()
        old_profiles = res.profiles
        try:
            config = await asyncio.to_thread(load_config, self.config_path)
            res.profiles = await asyncio.to_thread(load_catalog, config)
            jobs = build_jobs(config, res)
        except Exception as err:  # noqa: BLE001 - whatever failed, the running config stays
            res.profiles = old_profiles
            self.metrics.reloads["failure"] += 1
            log.error("reload failed, keeping the running configuration:\n%s", err,
                      exc_info=not isinstance(err, VigieError))
            self.notifier.ready()
            return False
        if self.config and config.daemon.listen != self.config.daemon.listen:
            log.warning("daemon.listen changed: takes effect at the next restart")
        self.config = config
        pipeline.set_assets(inventory(config), ts=self.wall())
        sched.set_jobs(jobs)
        for ext in self.extensions:
            self._guard.call(ext, "reload", config)
        self.metrics.reloads["success"] += 1
        log.info("configuration reloaded: %d assets, %d jobs", len(config.assets), len(jobs))
        self.notifier.ready()
        return True

    async def _housekeeping(self, store: Store, pipeline: Pipeline, extensions: list[Extension],
                            sched_task: asyncio.Task) -> None:
        """Heartbeat, flushes and extension ticks; the systemd watchdog is fed only while the
        scheduler runs, and before the (possibly slow) ticks."""
        interval = HEARTBEAT_SECONDS
        wd = self.notifier.watchdog_interval()
        if wd:
            interval = min(interval, wd)
        while True:
            await asyncio.sleep(interval)
            if sched_task.done():
                log.error("the scheduler stopped: %r; no more watchdog pings, systemd will "
                          "restart Vigie", sched_task.exception() if not sched_task.cancelled()
                          else "cancelled")
                return
            self.notifier.watchdog()
            try:
                store.heartbeat(self.wall())
                pipeline.flush()
            except VigieError as err:
                log.error("state store: %s", err)
            for ext in extensions:
                await self._guard.call_async(ext, "tick", self.wall())
