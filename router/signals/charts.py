"""Accessible SVG bar charts for the signals page, in the dashboard's style (role="img", a title and a
description that reads every value). A suppressed value draws no bar — its height would give the count
away — only its label "< 5"."""
from __future__ import annotations

from markupsafe import Markup, escape

from router.signals.suppression import Cell

BAR = "#0b5cad"


def _id(title: str) -> str:
    return "chart-" + "".join(c if c.isascii() and c.isalnum() else "-" for c in title.lower())


def bar_chart(title: str, points: list[tuple[str, Cell]]) -> Markup:
    row, label_width, width = 24, 170, 640
    height = max(row * len(points) + 10, 40)
    top = max([value.count or 0 for _, value in points] + [1])
    body = []
    for i, (label, value) in enumerate(points):
        bar = (width - label_width - 70) * (value.count or 0) / top
        y = 5 + i * row
        body.append(f'<text x="{label_width - 6}" y="{y + 16}" font-size="12" text-anchor="end" fill="#222">{escape(label)}</text>')
        if value.count is not None:
            body.append(f'<rect x="{label_width}" y="{y + 3}" width="{bar:.1f}" height="{row - 8}" fill="{BAR}"/>')
        body.append(f'<text x="{label_width + bar + 6:.1f}" y="{y + 16}" font-size="12" fill="#222">{escape(value.text)}</text>')
    description = ", ".join(f"{label}: {value.text}" for label, value in points) or "Inga data."
    chart_id = _id(title)
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(description)}</desc>'
        + "".join(body) + "</svg>"
    )
