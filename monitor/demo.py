"""``vigie demo``: the daemon on a small town's fleet, with real recordings and a local HTTPS service.

1. snmpsim serves the real recordings (``../shared/corpus`` and the ``snmpsim-data`` package) on a
   loopback port; every recording is a community.
2. A local HTTPS "SaaS" (the town's family portal) runs on loopback with a certificate chain made
   at start-up (root CA -> intermediate -> leaf).
3. A real Redfish emulator, ``sushy-static`` (sushy-tools), serves the DMTF ``public-rackmount1``
   mockup (the BMC of Nutanix node 1), and a FAKE Nutanix Prism Element v2 API, built from
   Nutanix's documented payloads since no cluster can run here, lists the town's 22 VMs
   (:mod:`monitor.demo_peers`).
4. The example inventory ``examples/town/`` is copied to the work directory with the real ports
   filled in, and the daemon runs on it with ``/metrics`` on loopback.

What the demo changes in the real data, so the figures move while one watches (docs/demo.md): the
printer's page counter advances (snmpsim ``numeric`` variation, 1 page every 2 s from the recorded
value), polls run every 15 s, and the ``pages`` baseline is dated the same month a year ago.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import signal
import socket
import ssl
import sys
import tempfile
from datetime import date, datetime, timezone
from pathlib import Path

from aiohttp import web

from monitor import simulator
from monitor.daemon import Daemon
from monitor.demo_peers import redfish
from monitor.demo_peers.nutanix import NutanixFake
from monitor.pki import make_pki
from monitor.webserve import serve

log = logging.getLogger("vigie.demo")
EXAMPLE = simulator.REPO_ROOT / "examples" / "town"
SNMP_TOKEN = "127.0.0.1:1161"
HTTPS_TOKEN = "https://127.0.0.1:8443"
REDFISH_TOKEN = "http://127.0.0.1:8000"
PRISM_TOKEN = "http://127.0.0.1:9440"
DEMO_FAST = "15s"
#: Recordings are snapshots: these counters are made to advance (snmpsim's numeric variation;
#: the rest of each recording is served verbatim) so that counter-derived figures move as on a
#: live device. (recording, OID, increase per second)
ANIMATED = (
    # the printer's lifetime page counter (prtMarkerLifeCount): one page every 2 s
    ("ricoh_mpc3002.snmprec", "1.3.6.1.2.1.43.10.2.1.4.1.1", 0.5),
    # the Raritan PDU's inlet and outlet-13 active energy (Wh) at their recorded power,
    # 1665 W and 390 W (measurementsInlet/OutletSensorValue, sensors 5 and 8)
    ("raritan-pdu_px3.snmprec", "1.3.6.1.4.1.13742.6.5.2.3.1.4.1.1.8", 1665 / 3600),
    ("raritan-pdu_px3.snmprec", "1.3.6.1.4.1.13742.6.5.4.3.1.4.1.13.8", 390 / 3600),
)
#: recordings of the snmpsim-data package the demo serves besides the corpus (indexing all 114 of
#: them takes minutes at first start): an Eaton 93E UPS (UPS-MIB) and an APC rack PDU (rPDU2).
BUNDLED = ("UPS/eaton-93e-80", "UPS/apc-8932")
PORTAL_HTML = ("<!doctype html><html lang=fr><title>Portail Famille</title>"
               "<h1>Portail Famille de Vigie-sur-Loire</h1><p>Inscriptions cantine ouvertes.</p></html>")


def _say(text: str) -> None:
    print(f"[demo] {text}", file=sys.stderr, flush=True)


async def start_portal(workdir: Path) -> tuple[web.AppRunner, int, Path]:
    pki = make_pki(workdir / "pki", now=datetime.now(timezone.utc).replace(microsecond=0),
                   leaf_days=45)
    app = web.Application()

    async def home(_: web.Request) -> web.Response:
        return web.Response(text=PORTAL_HTML, content_type="text/html")
    app.router.add_get("/", home)
    runner, port = await serve(app, ssl_context=pki.server_context(), access_log=None)
    return runner, port, pki.ca_file


def animate(data: Path, counters: tuple[tuple[str, str, float], ...] = ANIMATED) -> int:
    """Rewrite the recordings' lines of :data:`ANIMATED` as advancing counters; returns how many."""
    done = 0
    for name, oid, rate in counters:
        f = data / name
        if not f.exists():
            continue
        lines = f.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            got_oid, _, rest = line.partition("|")
            tag, _, value = rest.partition("|")
            if got_oid == oid and tag.isdigit():
                lines[i] = f"{oid}|{tag}:numeric|initial={int(value)},rate={rate:.6g}"
                f.write_text("\n".join(lines) + "\n", encoding="utf-8")
                done += 1
                break
    return done


def _closed_tcp_port() -> int:
    """A loopback TCP port the OS just handed out and released: nothing listens there."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _year_ago(today: date) -> str:
    return date(today.year - 1, today.month, 1).isoformat()


def write_config(workdir: Path, *, snmp_port: int, https_port: int, ca_file: Path,
                 listen: str, redfish_url: str = REDFISH_TOKEN, prism_url: str = PRISM_TOKEN,
                 today: date | None = None) -> Path:
    """Copy the example town with the demo's ports, state directory and listen address."""
    today = today or date.today()
    dest = workdir / "config"
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(EXAMPLE, dest)
    for f in dest.rglob("*.yml"):
        text = f.read_text(encoding="utf-8")
        text = text.replace(SNMP_TOKEN, f"127.0.0.1:{snmp_port}")
        text = text.replace(HTTPS_TOKEN, f"https://127.0.0.1:{https_port}")
        text = text.replace(REDFISH_TOKEN, redfish_url).replace(PRISM_TOKEN, prism_url)
        text = re.sub(r"(?m)^(\s*fast:)\s*1m\b", rf"\1 {DEMO_FAST}", text)
        # the pages KPI compares with the same month a year before
        text = re.sub(r'(name: pages,.*date: )"[0-9-]+"', rf'\1"{_year_ago(today)}"', text)
        text = text.replace("# ca_file: (the demo writes its CA here)", f"ca_file: {ca_file}")
        text = re.sub(r"(?m)^(\s*state_dir:).*$", rf"\1 {workdir / 'state'}", text)
        text = re.sub(r"(?m)^(\s*listen:).*$", rf'\1 "{listen}"', text)
        # A demo shows readings at once; production spreads first polls over the interval.
        text = re.sub(r"(?m)^daemon:\n", "daemon:\n  start_jitter: false\n", text)
        f.write_text(text, encoding="utf-8")
    return dest / "vigie.yml"


async def run_demo(*, listen: str = "127.0.0.1:9116", duration: float = 0.0,
                   workdir: str | None = None) -> int:
    work = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="vigie-demo-"))
    work.mkdir(parents=True, exist_ok=True)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):  # the daemon takes these over once it runs
        loop.add_signal_handler(sig, stop.set)
    sources = []
    corpus = simulator.corpus_dir()
    if corpus:
        sources.append((corpus, "."))
    bundled = simulator.snmpsim_data_dir()
    if bundled:
        sources.append((bundled, "snmpsim-data"))
    if not sources:
        _say("no recordings found: need ../shared/corpus or the snmpsim-data package")
        return 1
    data = work / "data"
    if data.exists():
        shutil.rmtree(data)
    names = simulator.prepare_data(data, sources, only={"snmpsim-data": BUNDLED})
    animate(data)
    _say(f"1/4 serving {len(names)} real recordings with snmpsim (first start indexes them)...")
    sim = await simulator.start_async(data, workdir=work / "snmpsim", timeout=120)
    runner = bmc = None
    prism = NutanixFake()
    try:
        _say(f"2/4 snmpsim on udp 127.0.0.1:{sim.port}; starting the HTTPS portal, Redfish, Prism...")
        runner, https_port, ca_file = await start_portal(work)
        redfish_url = f"http://127.0.0.1:{_closed_tcp_port()}"   # refused, unless sushy-static runs
        if redfish.available():
            bmc = await asyncio.to_thread(redfish.start_sushy_static, workdir=work / "redfish")
            redfish_url = bmc.base_url
            _say(f"    Redfish: sushy-static (sushy-tools) serving the DMTF public-rackmount1 "
                 f"mockup on {redfish_url}")
        else:
            _say("    Redfish: sushy-tools not installed (pip install sushy-tools): the BMC of "
                 "ntnx-node-1 will not answer")
        await prism.__aenter__()
        _say(f"    Nutanix: a FAKE Prism Element v2 API built from Nutanix's documented payloads "
             f"(no cluster can run here) on {prism.base_url}")
        config = write_config(work, snmp_port=sim.port, https_port=https_port, ca_file=ca_file,
                              listen=listen, redfish_url=redfish_url, prism_url=prism.base_url)
        _say(f"3/4 portal on https://127.0.0.1:{https_port}/ ; inventory: {config.parent}")
        if stop.is_set():
            return 130
        daemon = Daemon(config)
        task = asyncio.create_task(daemon.run())
        while not daemon.ready and not task.done():
            await asyncio.sleep(0.1)
        if task.done():
            await task
        _say(f"4/4 Vigie running: http://{listen.rsplit(':', 1)[0]}:{daemon.listen_port}/metrics "
             f"({'for %.0f s' % duration if duration else 'Ctrl-C to stop'})")
        await asyncio.wait([task], timeout=duration or None)
        daemon.request_stop()
        await task
        return 0
    finally:
        await prism.__aexit__()
        if bmc is not None:
            bmc.stop()
        if runner is not None:
            await runner.cleanup()
        sim.stop()
