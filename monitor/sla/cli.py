"""``vigie exclusion ...``, ``vigie incident ...`` and ``vigie sla status``: the ledger and incidents by hand.

Every command reads the configuration (``-c``) for the state file and the sla section, and first
appends the exclusions the configuration declares (once).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Callable

from monitor.sla.calendar import PARIS, local_date

DEFAULT_CONFIG = "/etc/vigie/vigie.yml"
Handler = Callable[[argparse.Namespace], int]


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("-c", "--config", default=DEFAULT_CONFIG)


def register(sub: argparse._SubParsersAction) -> dict[str, Handler]:
    """Add subcommands to the ``vigie`` parser; return command name -> handler."""
    ex = sub.add_parser("exclusion", help="the SLA exclusion ledger (maintenance, tiers...)")
    exs = ex.add_subparsers(dest="action", required=True)
    add = exs.add_parser("add", help="declare an exclusion")
    sup = exs.add_parser("supersede", help="replace an entry by a corrected one")
    sup.add_argument("id", type=int)
    sup.add_argument("--withdraw", action="store_true", help="withdraw the entry instead of correcting it")
    for p in (add, sup):
        _common(p)
        p.add_argument("--type", default=None,
                       choices=["planned_maintenance", "force_majeure", "third_party", "client"])
        p.add_argument("--asset", action="append", default=[])
        p.add_argument("--service", action="append", default=[])
        p.add_argument("--contract", action="append", default=[])
        p.add_argument("--start", help="ISO date-time, Europe/Paris unless an offset is given")
        p.add_argument("--end")
        p.add_argument("--author")
        p.add_argument("--reason")
        p.add_argument("--reference", default=None, help="e.g. GLPI-1234")
    lst = exs.add_parser("list", help="list entries (with --month, those touching it)")
    _common(lst)
    lst.add_argument("--month", help="YYYY-MM")
    lst.add_argument("--json", action="store_true")
    ver = exs.add_parser("verify", help="check the hash chain; non-zero exit when broken")
    _common(ver)
    ver.add_argument("--expect-head", metavar="N:HASH",
                     help="a head published earlier (monthly report): row N must still have HASH")
    for name in ("confirm", "reject"):
        d = exs.add_parser(name, help=f"{name} a proposed third-party entry")
        _common(d)
        d.add_argument("id", type=int)
        d.add_argument("--author", required=True)
        d.add_argument("--reason", required=True)

    inc = sub.add_parser("incident", help="SLA incidents: list, acknowledge, import GLPI tickets")
    incs = inc.add_subparsers(dest="action", required=True)
    il = incs.add_parser("list", help="incidents of a month with priority and GTI/GTR compliance")
    _common(il)
    il.add_argument("--month", help="YYYY-MM (default: current month)")
    ack = incs.add_parser("ack", help="record the acknowledgement / intervention of an incident")
    _common(ack)
    ack.add_argument("id", type=int)
    ack.add_argument("--at", help="ISO date-time (default: now)")
    ack.add_argument("--by")
    ack.add_argument("--intervention", help="first intervention time, if different")
    imp = incs.add_parser("import-glpi", help="link GLPI tickets (CSV export) to incidents")
    _common(imp)
    imp.add_argument("csv")

    st = sub.add_parser("sla", help="SLA figures month to date (or of --month)")
    sts = st.add_subparsers(dest="action", required=True)
    show = sts.add_parser("status")
    _common(show)
    show.add_argument("--month", help="YYYY-MM")
    return {"exclusion": run_exclusion, "incident": run_incident, "sla": run_sla}


def _service(args: argparse.Namespace, now: float):
    from monitor.config.loader import load_config
    from monitor.sla.service import SlaService
    svc = SlaService(load_config(args.config), clock=lambda: now)
    svc.sync_config_exclusions(now)
    return svc


def _fmt(ts: float | None) -> str:
    return "-" if ts is None else datetime.fromtimestamp(ts, PARIS).strftime("%Y-%m-%d %H:%M:%S")


def run_exclusion(args: argparse.Namespace, *, clock: Callable[[], float] = time.time) -> int:
    from monitor.sla.api import entry_from_json, entry_json, month_filter
    from monitor.sla.ledger import format_head, parse_head
    now = clock()
    svc = _service(args, now)
    try:
        led = svc.ledger
        if args.action == "verify":
            v = led.verify(parse_head(args.expect_head) if args.expect_head else None)
            if v.ok:
                print(f"OK: {v.rows} entries, head {format_head(v.rows, v.head)}")
                return 0
            print(f"BROKEN at row {v.first_bad}: {v.problem} ({v.rows} rows verified before it)",
                  file=sys.stderr)
            return 3
        if args.action == "list":
            entries = month_filter(led.entries(), args.month)
            if args.json:
                print(json.dumps([entry_json(e) for e in entries], ensure_ascii=False, indent=1))
                return 0
            gone = {e.supersedes for e in led.entries() if e.supersedes is not None}
            for e in entries:
                d = entry_json(e)
                spans = ", ".join(f"{_fmt(a)} -> {_fmt(b)}" for a, b in e.intervals) or str(e.recurrence)
                flags = ("late " if d["late"] else "") + ("superseded " if e.id in gone else "")
                print(f"#{e.id} {e.type} [{e.status}] {flags}{'/'.join(e.assets + e.services + e.contracts)} "
                      f"{spans} by {e.author}: {e.reason}"
                      + (f" ({e.reference})" if e.reference else "")
                      + (f" supersedes #{e.supersedes}" if e.supersedes else ""))
            return 0
        if args.action in ("confirm", "reject"):
            e = led.confirm(args.id, author=args.author, reason=args.reason, now=now,
                            status="confirmed" if args.action == "confirm" else "rejected")
            print(f"#{e.id} {e.status} #{args.id}")
            return 0
        body: dict = {}
        if args.action == "supersede":
            old = led.get(args.id)
            body = {k: v for k, v in entry_json(old).items() if k in (
                "type", "assets", "services", "contracts", "intervals", "reason", "reference")}
            body["supersedes"] = args.id
            if args.withdraw:
                body["status"] = "withdrawn"
            if args.start or args.end:
                body["intervals"] = []
        for key, value in (("type", args.type), ("author", args.author), ("reason", args.reason),
                           ("reference", args.reference), ("start", args.start), ("end", args.end)):
            if value is not None:
                body[key] = value
        for key, value in (("assets", args.asset), ("services", args.service), ("contracts", args.contract)):
            if value:
                body[key] = value
        entry = entry_from_json(body, now=now, default_author=svc.sla.author)
        if args.action == "supersede" and old.recurrence is not None and not (args.start or args.end):
            entry = replace(entry, recurrence=old.recurrence)
        stored = led.append(entry)
        late = " (declared late)" if entry_json(stored)["late"] else ""
        print(f"#{stored.id} {stored.type} recorded{late}")
        return 0
    finally:
        svc.close()


def run_incident(args: argparse.Namespace, *, clock: Callable[[], float] = time.time) -> int:
    from monitor.sla import incidents as inc
    from monitor.sla.api import parse_when
    from monitor.sla.tickets import import_tickets, read_tickets
    now = clock()
    svc = _service(args, now)
    try:
        if args.action == "ack":
            at = parse_when(args.at) if args.at else now
            interv = parse_when(args.intervention) if args.intervention else None
            if not inc.record(svc.db, args.id, ack_at=at, ack_by=args.by, intervention_at=interv):
                print(f"error: no incident {args.id}", file=sys.stderr)
                return 1
            print(f"incident {args.id} acknowledged at {_fmt(at)}")
            return 0
        if args.action == "import-glpi":
            tickets = read_tickets(Path(args.csv).read_text(encoding="utf-8-sig"))
            for y, m in sorted({(d.year, d.month) for d in (local_date(x.opened) for x in tickets)}):
                svc.month(y, m, now)  # records the incidents of the tickets' months
            res = import_tickets(svc.db, tickets)
            for t, i in res.linked:
                print(f"ticket {t} -> incident {i}")
            for t in res.unmatched:
                print(f"ticket {t}: no matching incident", file=sys.stderr)
            return 0
        month = _month(args.month, svc, now)  # also records the incidents seen so far
        for c in month.contracts:
            for r in c.incidents:
                i, k = r.incident, r.compliance
                print(f"{i.id} {c.name} {i.priority} {i.scope_type}:{i.scope} {_fmt(i.start)} -> {_fmt(i.end)} "
                      f"ack {_fmt(i.ack_at)} GTI {_ok(k.gti_met)} GTR {_ok(k.gtr_met)}"
                      + (f" ticket {i.ticket}" if i.ticket else ""))
        return 0
    finally:
        svc.close()


def _ok(met: bool | None) -> str:
    return "n/a" if met is None else "ok" if met else "BREACHED"


def _month(text: str | None, svc, now: float):
    if text:
        y, m = (int(x) for x in text.split("-"))
        return svc.month(y, m, now)
    return svc.current(now)


def run_sla(args: argparse.Namespace, *, clock: Callable[[], float] = time.time) -> int:
    from monitor.sla.ledger import format_head
    now = clock()
    svc = _service(args, now)
    try:
        month = _month(args.month, svc, now)
        print(f"{month.period.label} up to {_fmt(month.until)} (ledger head "
              f"{format_head(month.ledger_rows, month.ledger_head)})")
        for c in month.contracts:
            for kind, name, t in [("contract", c.name, c.totals)] + [
                    (m.scope_type, m.scope, m.figure.totals) for m in c.members]:
                rate = "n/a" if t.rate is None else f"{t.rate:.3f} %"
                print(f"{c.name} {kind}:{name} NHT {t.nht / 3600:.2f} h NHI {t.nhi / 3600:.2f} h rate {rate} "
                      f"target {c.target_percent} % coverage "
                      f"{'n/a' if t.coverage is None else f'{t.coverage:.1f} %'}")
        return 0
    finally:
        svc.close()
