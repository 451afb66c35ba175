"""The ``vigie`` command: run, check-config, probe, import-glpi, demo."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from monitor import __version__
from monitor.errors import ConfigError, VigieError

DEFAULT_CONFIG = "/etc/vigie/vigie.yml"
#: modules adding subcommands: each has ``register(subparsers) -> {command: handler}``.
COMMAND_MODULES = ("monitor.sla.cli", "monitor.energy.cli", "monitor.report.cli")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="vigie", description="Supervision and digital-sobriety daemon.")
    p.add_argument("--version", action="version", version=f"vigie {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the daemon")
    run.add_argument("-c", "--config", default=DEFAULT_CONFIG)

    chk = sub.add_parser("check-config", help="validate the configuration and exit (non-zero on error)")
    chk.add_argument("config", nargs="?", default=DEFAULT_CONFIG)

    probe = sub.add_parser("probe", help="poll one asset once and print what it read")
    probe.add_argument("asset")
    probe.add_argument("-c", "--config", default=DEFAULT_CONFIG)
    probe.add_argument("--probe", help="only this probe kind (snmp, http, icmp, meraki)")

    glpi = sub.add_parser("import-glpi", help="turn a GLPI asset export (CSV) into inventory YAML")
    glpi.add_argument("csv")
    glpi.add_argument("-o", "--output", help="write here instead of standard output")

    demo = sub.add_parser("demo", help="run Vigie on a demo town fleet (snmpsim + local HTTPS)")
    demo.add_argument("--listen", default="127.0.0.1:9116")
    demo.add_argument("--duration", type=float, default=0.0,
                      help="stop after this many seconds (default: run until Ctrl-C)")
    demo.add_argument("--workdir", help="where to keep the demo's files (default: a temp dir)")
    return p


def main(argv: list[str] | None = None) -> int:
    import importlib
    parser = _parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    handlers = {}
    for module in COMMAND_MODULES:
        handlers.update(importlib.import_module(module).register(sub))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        if args.command in handlers:
            return handlers[args.command](args)
        if args.command == "run":
            from monitor.daemon import Daemon
            asyncio.run(Daemon(args.config).run())
            return 0
        if args.command == "check-config":
            return _check_config(args.config)
        if args.command == "probe":
            from monitor.oneshot import probe_asset
            return asyncio.run(probe_asset(args.config, args.asset, only=args.probe))
        if args.command == "import-glpi":
            from monitor.config.glpi import glpi_csv_to_inventory
            text = glpi_csv_to_inventory(Path(args.csv).read_text(encoding="utf-8-sig"))
            if args.output:
                Path(args.output).write_text(text, encoding="utf-8")
            else:
                sys.stdout.write(text)
            return 0
        if args.command == "demo":
            from monitor.demo import run_demo
            return asyncio.run(run_demo(listen=args.listen, duration=args.duration,
                                        workdir=args.workdir))
    except ConfigError as err:
        print(f"configuration error:\n{err}", file=sys.stderr)
        return 2
    except VigieError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


def _check_config(path: str) -> int:
    """Validate the configuration, then build every probe exactly as ``run`` would (no traffic)."""
    from monitor.config.check import check_config, has_errors
    messages = check_config(path)
    for m in messages:
        print(m, file=sys.stderr if m.startswith("error: ") else sys.stdout)
    if has_errors(messages):
        return 2
    return asyncio.run(_check_probes(path))


async def _check_probes(path: str) -> int:
    from monitor.config.loader import load_config
    from monitor.probes.http import make_session
    from monitor.probes.registry import Resources, build_jobs
    from monitor.profiles.catalog import load_catalog
    from monitor.snmp.client import SnmpClient
    config = load_config(path)
    profiles = load_catalog(config)
    async with SnmpClient() as snmp, make_session() as http:
        res = Resources(snmp=snmp, http=http, profiles=profiles)
        try:
            jobs = build_jobs(config, res)
        finally:
            await res.close()
    print(f"OK: {len(config.files)} file(s), {len(config.sites)} sites, {len(config.assets)} assets, "
          f"{len(jobs)} probes, {len(profiles)} profiles")
    return 0


if __name__ == "__main__":
    sys.exit(main())
