"""Charts drawn on the server as inline SVG: no JavaScript library, nothing fetched.

Pure (no ORM): takes labelled Decimal values, returns markup with every text escaped. The
chart is an image with a text alternative; pages show the same numbers in a table too.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 64, 8, 12, 28


@dataclass(frozen=True)
class Bar:
    label: str  # short, under the bar ("Jan")
    long_label: str  # for the text alternative ("January 2026")
    value: Decimal


def nice_ceiling(value: Decimal) -> Decimal:
    """The smallest of 1, 2, 2.5 or 5 × 10^n at or above `value` (at least 1): a round axis top."""
    if value <= 1:
        return Decimal(1)
    exponent = value.adjusted()
    for step in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        top = step.scaleb(exponent)
        if top >= value:
            return top
    return Decimal(10).scaleb(exponent)  # not reached: 10 × 10^n is always enough


def _amount(value: Decimal) -> str:
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"


def bar_chart_svg(bars: list[Bar], *, title: str, unit: str, chart_id: str) -> SafeString:
    """A bar chart of `bars`, labelled with `unit` (e.g. "USD")."""
    top = nice_ceiling(max((b.value for b in bars), default=Decimal(0)))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(bars), 1)
    described = "; ".join(f"{b.long_label}: {_amount(b.value)} {unit}" for b in bars)
    parts = [
        format_html(
            '<svg class="chart" id="{}" viewBox="0 0 {} {}" role="img" aria-labelledby="{}-title {}-desc" '
            'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">'
            '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>',
            chart_id,
            WIDTH,
            HEIGHT,
            chart_id,
            chart_id,
            chart_id,
            title,
            chart_id,
            described,
        )
    ]
    for i in range(5):
        tick = top * i / 4
        y = TOP + plot_h - float(tick / top) * plot_h
        parts.append(
            format_html(
                '<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<text class="axis" x="{}" y="{}" text-anchor="end" dominant-baseline="middle">{}</text>',
                LEFT,
                WIDTH - RIGHT,
                f"{y:.1f}",
                f"{y:.1f}",
                LEFT - 6,
                f"{y:.1f}",
                _amount(tick.quantize(Decimal("0.01"))),
            )
        )
    for i, bar in enumerate(bars):
        height = float(max(bar.value, Decimal(0)) / top) * plot_h
        x = LEFT + i * slot + slot * 0.15
        parts.append(
            format_html(
                '<rect class="bar" x="{}" y="{}" width="{}" height="{}"><title>{}: {} {}</title></rect>'
                '<text class="axis" x="{}" y="{}" text-anchor="middle">{}</text>',
                f"{x:.1f}",
                f"{TOP + plot_h - height:.1f}",
                f"{slot * 0.7:.1f}",
                f"{height:.1f}",
                bar.long_label,
                _amount(bar.value),
                unit,
                f"{x + slot * 0.35:.1f}",
                HEIGHT - 8,
                bar.label,
            )
        )
    # Every part above came from format_html (arguments escaped); the closing tag is a constant.
    return mark_safe("".join(parts) + "</svg>")  # noqa: S308
