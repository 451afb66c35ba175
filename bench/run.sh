#!/usr/bin/env bash
# Run the SNMP benchmarks in throw-away network namespaces. Needs root (ip netns).
#   bash bench/run.sh            # defaults: 500 veth pairs (1002 interfaces), 10 cycles; fleet of 1000
#   PAIRS=100 CYCLES=3 ASSETS=200 bash bench/run.sh
# Prints figures; it is not a test. See docs/benchmark.md.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
PAIRS=${PAIRS:-500}
CYCLES=${CYCLES:-10}
ASSETS=${ASSETS:-1000}
FLEET_PAIRS=${FLEET_PAIRS:-24}

echo "== snmp_bench: one agent with a large interface table, three pollers =="
"$PY" bench/netns.py --pairs "$PAIRS" -- "$PY" -m bench.snmp_bench --cycles "$CYCLES"
echo
echo "== fleet_rss: $ASSETS assets through the scheduler and pipeline =="
"$PY" bench/netns.py --pairs "$FLEET_PAIRS" -- "$PY" -m bench.fleet_rss --assets "$ASSETS" --cycles 2
