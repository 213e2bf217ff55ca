"""A small bar-and-line chart as inline SVG, rendered in Python on the server: the pages work offline (no CDN, no
JavaScript), and this is all the supplier-feeds page needs (a chart library would be a larger thing to vendor
and keep than these few lines of geometry)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Point:
    """One day: the bar's value (feeds that day) and the line's (parts in stock)."""

    label: str
    bar: int
    line: int


def bar_and_line_svg(
    points: Sequence[Point], bar_name: str, line_name: str, width: int = 880, height: int = 220
) -> str:
    """Bars on the left axis, a line on the right axis, one label per day; an empty chart says so."""
    if not points:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="40" role="img">'
            '<text x="4" y="24" font-size="13">no feeds in the retention window</text></svg>'
        )
    left, right, top, bottom = 44, 64, 24, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    bar_max = max(1, max(p.bar for p in points))
    line_max = max(1, max(p.line for p in points))
    step = plot_w / len(points)
    bar_w = max(2.0, step * 0.6)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(bar_name)} and {escape(line_name)} per day" font-family="sans-serif" font-size="11">',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#888"/>',
        f'<text x="{left}" y="14" fill="#4a78c2">■ {escape(bar_name)} (left, max {bar_max})</text>',
        f'<text x="{left + plot_w}" y="14" text-anchor="end" fill="#c2554a">— {escape(line_name)} '
        f"(right, max {line_max})</text>",
    ]
    line_points = []
    every = max(1, len(points) // 10)  # at most about ten day labels
    for index, point in enumerate(points):
        x = left + index * step + (step - bar_w) / 2
        bar_h = plot_h * point.bar / bar_max
        parts.append(
            f'<rect class="bar" data-day="{escape(point.label)}" data-value="{point.bar}" x="{x:.1f}" '
            f'y="{top + plot_h - bar_h:.1f}" width="{bar_w:.1f}" height="{bar_h:.1f}" fill="#4a78c2">'
            f"<title>{escape(point.label)}: {point.bar} {escape(bar_name)}, {point.line} {escape(line_name)}</title>"
            "</rect>"
        )
        centre = left + index * step + step / 2
        line_points.append(f"{centre:.1f},{top + plot_h - plot_h * point.line / line_max:.1f}")
        if index % every == 0 or index == len(points) - 1:
            parts.append(
                f'<text x="{centre:.1f}" y="{top + plot_h + 14}" text-anchor="middle">{escape(point.label[5:])}</text>'
            )
    parts.append(
        f'<polyline class="line" points="{" ".join(line_points)}" fill="none" stroke="#c2554a" stroke-width="2"/>'
    )
    parts.append("</svg>")
    return "".join(parts)
