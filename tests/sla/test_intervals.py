import pytest

from monitor.sla import intervals as iv


@pytest.mark.parametrize("x, y, union, inter, minus", [
    # [0,10) and [5,15): union [0,15), overlap [5,10), left part [0,5)
    ([(0, 10)], [(5, 15)], [(0, 15)], [(5, 10)], [(0, 5)]),
    # a hole punched in the middle: [0,10) - [3,4) = [0,3) + [4,10)
    ([(0, 10)], [(3, 4)], [(0, 10)], [(3, 4)], [(0, 3), (4, 10)]),
    # touching intervals merge in a union but do not intersect
    ([(0, 5)], [(5, 8)], [(0, 8)], [], [(0, 5)]),
    # y spans two x intervals
    ([(0, 2), (4, 6), (8, 10)], [(1, 9)], [(0, 10)], [(1, 2), (4, 6), (8, 9)], [(0, 1), (9, 10)]),
    ([], [(1, 2)], [(1, 2)], [], []),
    ([(1, 2)], [], [(1, 2)], [], [(1, 2)]),
])
def test_set_operations(x, y, union, inter, minus):
    assert iv.union(x, y) == union
    assert iv.intersect(x, y) == inter
    assert iv.subtract(x, y) == minus
    # |x| = |x - y| + |x & y|
    assert iv.total(x) == iv.total(minus) + iv.total(inter)


def test_normalize_sorts_merges_and_drops_empty():
    assert iv.normalize([(5, 6), (1, 3), (2, 4), (7, 7), (4, 4.5)]) == [(1, 4.5), (5, 6)]


def test_clip_and_contains():
    assert iv.clip([(0, 10), (20, 30)], 5, 25) == [(5, 10), (20, 25)]
    assert iv.contains([(0, 10)], 0) and not iv.contains([(0, 10)], 10)
