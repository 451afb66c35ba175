"""Run a command inside a throw-away network namespace holding a large interface table.

    sudo python bench/netns.py --pairs 500 -- python bench/snmp_bench.py

creates ``vigie-bench-<pid>``, brings its loopback up, adds ``--pairs`` veth pairs (two
interfaces each) enslaved to one bridge, runs the command inside (``ip netns exec``) and
deletes the namespace on exit, whatever happens. Everything, SNMP agent and pollers, talks
over that namespace's 127.0.0.1: no traffic leaves it. Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True)


def create(name: str, pairs: int) -> None:
    """Create the namespace with lo up, a bridge and ``pairs`` veth pairs (all up)."""
    _ip("netns", "add", name)
    lines = ["link set lo up", "link add vb0 type bridge", "link set vb0 up"]
    for i in range(pairs):
        lines += [f"link add va{i} type veth peer name vb{i}x",
                  f"link set va{i} master vb0", f"link set va{i} up", f"link set vb{i}x up"]
    with tempfile.NamedTemporaryFile("w", suffix=".ip", delete=False) as batch:
        batch.write("\n".join(lines) + "\n")
    try:
        _ip("-netns", name, "-batch", batch.name)
    finally:
        os.unlink(batch.name)


def destroy(name: str) -> None:
    """Delete the namespace (its veth pairs and bridge go with it)."""
    subprocess.run(["ip", "netns", "delete", name], check=False)


def interface_count(name: str) -> int:
    out = subprocess.run(["ip", "-netns", name, "-o", "link", "show"], check=True,
                         capture_output=True, text=True).stdout
    return len(out.splitlines())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=500, help="veth pairs (2 interfaces each)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- command to run inside")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give a command after --")
    if os.geteuid() != 0:
        parser.error("needs root: network namespaces and veth pairs")
    name = f"vigie-bench-{os.getpid()}"
    # SIGTERM/SIGHUP become SystemExit so the finally below still removes the namespace.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda signum, _frame: sys.exit(128 + signum))
    try:
        create(name, args.pairs)
        print(f"# netns {name}: {interface_count(name)} interfaces "
              f"(lo + bridge + {args.pairs} veth pairs)", flush=True)
        child = subprocess.Popen(["ip", "netns", "exec", name, *command])
        try:
            return child.wait()
        finally:
            if child.poll() is None:  # interrupted: stop the benchmark before removing its netns
                child.terminate()
                child.wait(30)
    finally:
        destroy(name)


if __name__ == "__main__":
    sys.exit(main())
