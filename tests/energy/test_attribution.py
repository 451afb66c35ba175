"""VM attribution: hand-worked split, edge cases, and conservation within 1e-9."""

from __future__ import annotations

import random

import pytest

from monitor.energy.attribution import VmUsage, attribute, marginal_residual, residual, vm_figure
from monitor.energy.figure import Figure, Provenance

VMS = [VmUsage("a", 4, 600.0), VmUsage("b", 2, 300.0), VmUsage("c", 2, 0.0)]


def test_hand_worked_split() -> None:
    # host 300 W, idle 120 W -> dynamic 180 W. vCPUs 4/2/2 of 8; host busy 1,000 CPU-s of which
    # the VMs used 900 (100 s hypervisor overhead).
    # a: 120 x 4/8 + 180 x 600/1000 = 60 + 108 = 168 W
    # b: 120 x 2/8 + 180 x 300/1000 = 30 +  54 =  84 W
    # c: 120 x 2/8 + 0                          =  30 W
    # unallocated: 180 x 100/1000 = 18 W.   168 + 84 + 30 + 18 = 300 W
    a = attribute(300.0, 120.0, VMS, host_cpu_seconds=1_000.0)
    assert dict(a.allocated) == {"a": pytest.approx(168), "b": pytest.approx(84), "c": pytest.approx(30)}
    assert dict(a.marginal) == {"a": pytest.approx(108), "b": pytest.approx(54), "c": 0.0}
    assert a.unallocated_w == pytest.approx(18) and a.marginal_unallocated_w == pytest.approx(18)
    assert abs(residual(a)) < 1e-9 and abs(marginal_residual(a)) < 1e-9


def test_free_capacity_stays_unallocated() -> None:
    # 16 threads, 8 vCPUs running: each vCPU carries 120/16 = 7.5 W idle; 60 W idle unallocated.
    # No host CPU total given: the VMs' 900 s share the whole 180 W dynamic part.
    a = attribute(300.0, 120.0, VMS, host_threads=16)
    assert a.allocated["a"] == pytest.approx(30 + 120)       # 4 x 7.5 + 180 x 600/900
    assert a.allocated["c"] == pytest.approx(15)
    assert a.unallocated_w == pytest.approx(60)
    assert abs(residual(a)) < 1e-9


def test_host_below_idle_and_no_vms() -> None:
    a = attribute(100.0, 120.0, VMS)
    assert a.dynamic_w == 0 and a.idle_w == 100
    assert sum(a.allocated.values()) == pytest.approx(100) and sum(a.marginal.values()) == 0
    empty = attribute(250.0, 120.0, [])
    assert empty.unallocated_w == 250 and residual(empty) == 0
    idle_vms = attribute(250.0, 120.0, [VmUsage("x", 2, 0.0)])
    assert idle_vms.allocated["x"] == pytest.approx(120) and idle_vms.unallocated_w == pytest.approx(130)


def test_conservation_on_random_hosts() -> None:
    rng = random.Random(30134)
    for _ in range(500):
        vms = [VmUsage(f"vm{i}", rng.randint(1, 16), rng.uniform(0, 5_000) * rng.choice((0, 1, 1)))
               for i in range(rng.randint(0, 25))]
        busy = sum(v.cpu_seconds for v in vms) * rng.uniform(0.5, 1.5)
        host = rng.uniform(0, 2_000)
        a = attribute(host, rng.uniform(0, 600), vms, host_cpu_seconds=busy,
                      host_threads=rng.choice((None, 8, 64, 128)))
        assert abs(residual(a)) < 1e-9
        assert abs(marginal_residual(a)) < 1e-9
        assert a.unallocated_w >= -1e-9 and all(w >= 0 for w in a.allocated.values())


def test_residual_detects_a_broken_split() -> None:
    a = attribute(300.0, 120.0, VMS, host_cpu_seconds=1_000.0)
    broken = type(a)(a.host_w, a.idle_w, a.dynamic_w, {**a.allocated, "a": a.allocated["a"] + 1},
                     a.marginal, a.unallocated_w, a.marginal_unallocated_w)
    assert residual(broken) == pytest.approx(-1)


def test_invalid_inputs_and_vm_figure() -> None:
    with pytest.raises(ValueError):
        attribute(-1.0, 0.0, [])
    with pytest.raises(ValueError):
        attribute(10.0, 0.0, [VmUsage("a", 1, 1.0), VmUsage("a", 1, 1.0)])
    a = attribute(300.0, 120.0, VMS, host_cpu_seconds=1_000.0)
    host = Figure.exact(300.0, "W", Provenance.MEASURED, ("redfish",))
    f = vm_figure(a, "a", host)
    assert (f.value, f.unit, f.provenance) == (pytest.approx(168), "W", Provenance.MODELLED)
    assert "redfish" in f.sources
    assert vm_figure(a, "a", host, marginal=True).value == pytest.approx(108)
