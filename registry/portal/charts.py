"""Charts drawn on the server as inline SVG: no JavaScript library, nothing fetched.

Pure (no ORM): takes labelled Decimal values, returns markup with every text escaped. The
chart is an image with a text alternative; pages show the same numbers in a table too.

Bars run across, one row a month, each with its amount and unit written at its end: the
drawing is 360 units wide so that on a 390 px phone (about 330 px of it shown) a 13-unit label
is still a 12 px label, and pages cap its width so it does not grow past 16 px on a desktop.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

WIDTH = 360
ROW, BAR = 22, 14  # a row per bar, and the bar's thickness in it
LEFT = 40  # the bar's label ("Sep")
VALUE_SPACE = 112  # room after the longest bar for its amount ("12,345.67 USD")
TOP = BOTTOM = 6


@dataclass(frozen=True)
class Bar:
    label: str  # short, beside the bar ("Jan")
    long_label: str  # for the text alternative ("January 2026")
    value: Decimal


def _amount(value: Decimal) -> str:
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"


def bar_chart_svg(
    bars: list[Bar], *, title: str, unit: str, chart_id: str, unit_one: str = "", label_space: int = LEFT
) -> SafeString:
    """A bar chart of `bars`, each amount written with `unit` (e.g. "USD", or "days" with
    `unit_one` "day" for an amount of exactly one); `label_space` widens the room for labels
    longer than a month's ("31-60")."""
    left = label_space

    def written(value: Decimal) -> str:
        return f"{_amount(value)} {unit_one if unit_one and value == 1 else unit}".rstrip()

    # The longest bar fills the row: each carries its own amount, so no scale is drawn to round.
    top = max([b.value for b in bars if b.value > 0], default=Decimal(1))
    length = WIDTH - left - VALUE_SPACE
    height = TOP + ROW * max(len(bars), 1) + BOTTOM
    described = "; ".join(f"{b.long_label}: {written(b.value)}" for b in bars)
    parts = [
        format_html(
            '<svg class="chart" id="{}" viewBox="0 0 {} {}" role="img" aria-labelledby="{}-title {}-desc" '
            'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
            '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>'
            '<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/>',
            chart_id,
            WIDTH,
            height,
            chart_id,
            chart_id,
            chart_id,
            title,
            chart_id,
            described,
            left,
            left,
            TOP,
            height - BOTTOM,
        )
    ]
    for i, bar in enumerate(bars):
        y = TOP + i * ROW
        width = float(max(bar.value, Decimal(0)) / top) * length
        text = written(bar.value) if bar.value else "–"
        parts.append(
            format_html(
                '<text class="axis" x="{}" y="{}" text-anchor="end" dominant-baseline="central">{}</text>'
                '<rect class="bar" x="{}" y="{}" width="{}" height="{}"><title>{}: {}</title></rect>'
                '<text class="value" x="{}" y="{}" dominant-baseline="central">{}</text>',
                left - 6,
                f"{y + ROW / 2:.1f}",
                bar.label,
                left,
                f"{y + (ROW - BAR) / 2:.1f}",
                f"{width:.1f}",
                BAR,
                bar.long_label,
                written(bar.value),
                f"{left + width + 5:.1f}",
                f"{y + ROW / 2:.1f}",
                text,
            )
        )
    # Every part above came from format_html (arguments escaped); the closing tag is a constant.
    return mark_safe("".join(parts) + "</svg>")  # noqa: S308
