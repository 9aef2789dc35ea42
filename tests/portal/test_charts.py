"""The server-side SVG chart (pure: no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from registry.portal.charts import Bar, bar_chart_svg, nice_ceiling


@pytest.mark.parametrize(
    "value,top",
    [
        ("0", "1"),
        ("0.4", "1"),
        ("3738", "5000"),
        ("1200", "2000"),
        ("2400", "2500"),
        ("10000", "10000"),
        ("95", "100"),
    ],
)
def test_the_axis_top_is_a_round_number_at_or_above_the_highest_bar(value, top):
    assert nice_ceiling(Decimal(value)) == Decimal(top)


def test_the_chart_is_an_image_with_a_text_alternative_and_escapes_labels():
    svg = bar_chart_svg(
        [Bar("Jan", "January <2026>", Decimal("3738.00")), Bar("Feb", "February", Decimal("0"))],
        title='Earnings & "pay"',
        unit="USD",
        chart_id="c1",
    )
    assert svg.startswith('<svg class="chart" id="c1"') and svg.endswith("</svg>")
    assert 'role="img" aria-labelledby="c1-title c1-desc"' in svg
    assert '<title id="c1-title">Earnings &amp; &quot;pay&quot;</title>' in svg
    assert "January &lt;2026&gt;: 3,738 USD; February: 0 USD" in svg
    assert svg.count('<rect class="bar"') == 2


def test_the_tallest_bar_fills_its_share_of_the_axis():
    svg = bar_chart_svg([Bar("A", "A", Decimal("5000"))], title="t", unit="USD", chart_id="c")
    assert 'height="200.0"' in svg  # the whole plot height: 5,000 is the axis top
