"""Figure invariants and provenance combination."""

from __future__ import annotations

import pytest

from monitor.energy.figure import Figure, Provenance, mean, ratio, total, weakest


def test_range_must_contain_value_and_be_finite() -> None:
    with pytest.raises(ValueError):
        Figure(5, "W", Provenance.MEASURED, 6, 7)
    with pytest.raises(ValueError):
        Figure(float("inf"), "W", Provenance.MEASURED, 0, 1)
    with pytest.raises(ValueError):
        Figure.exact(1, "W", Provenance.MEASURED).scaled(-1, "W")


def test_weakest_provenance_and_sums() -> None:
    assert weakest([Provenance.MEASURED, Provenance.FACTOR, Provenance.MODELLED]) is Provenance.FACTOR
    a = Figure.exact(10, "W", Provenance.MEASURED, ("pdu",))
    b = Figure(5, "W", Provenance.MODELLED, 2, 9, ("ademe", "pdu"))
    s = total([a, b], "W")
    assert (s.value, s.low, s.high, s.provenance, s.sources) == (15, 12, 19, Provenance.MODELLED,
                                                                 ("pdu", "ademe"))
    assert mean([a, b], "W").value == 7.5 and mean([], "W") is None
    with pytest.raises(ValueError):
        total([a, Figure.exact(1, "kWh", Provenance.MEASURED)], "W")
    assert ratio(a, Figure(0, "W", Provenance.MEASURED, 0, 1), "ratio") is None
