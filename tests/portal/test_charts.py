"""The server-side SVG chart (pure: no database)."""

from __future__ import annotations

from decimal import Decimal

from registry.portal.charts import Bar, bar_chart_svg


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


def test_the_longest_bar_fills_its_share_of_the_scale_and_carries_its_amount_and_unit():
    svg = bar_chart_svg([Bar("A", "A", Decimal("5000"))], title="t", unit="USD", chart_id="c")
    assert 'width="208.0"' in svg  # the whole bar length: the longest bar fills its row
    assert '<text class="value" x="253.0" y="17.0" dominant-baseline="central">5,000 USD</text>' in svg


def test_one_of_a_counted_unit_is_written_in_the_singular():
    svg = bar_chart_svg(
        [Bar("Jul", "July 2026", Decimal("1")), Bar("Aug", "August 2026", Decimal("2"))],
        title="t",
        unit="days",
        unit_one="day",
        chart_id="c",
    )
    assert ">1 day</text>" in svg and ">2 days</text>" in svg and "July 2026: 1 day; August 2026: 2 days" in svg
