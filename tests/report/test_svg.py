from monitor.report.svg import Bar, bar_chart, wrap_label


def test_wrap_label_fits_two_lines():
    assert wrap_label("Serveurs", 100) == ["Serveurs"]
    assert wrap_label("PDU, prises non attribuées", 100) == ["PDU, prises non", "attribuées"]
    assert wrap_label("Imprimantes et copieurs", 72) == ["Imprimantes", "et copieurs"]
    assert wrap_label("Hyperviseursdegrandetaille", 60) == ["Hypervise…"]


def test_long_labels_become_tspans():
    bars = [Bar("PDU, prises non attribuées", 1.0)] + [Bar(f"k{i}", 2.0) for i in range(5)]
    svg = bar_chart(bars, ident="c",
                    title="t", desc="d", lo=0, hi=2, ticks=[0, 1, 2], tick_label=str)
    assert '<tspan x="' in svg and ">attribuées</tspan>" in svg
