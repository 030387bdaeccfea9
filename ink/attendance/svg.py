"""Server-rendered SVG charts. Each has role="img", a <title> and a <desc> with the figures in words;
pages always show the same numbers in a table beside the chart. No inline styles (the CSP forbids them):
colours come from presentation attributes and classes in attendance.css."""
from __future__ import annotations

import itertools
from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 16, 48
_ids = itertools.count(1)


def _scale_max(values: Sequence[float]) -> float:
    """The smallest of 5, 10, 25, 50, 100, 250... that holds the largest value (four gridlines)."""
    top = max(values, default=0) or 1
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if magnitude * step * 5 >= top:
                return magnitude * step * 5
        magnitude *= 10


def _frame(title: str, desc: str, body: list[str]) -> Markup:
    n = next(_ids)
    return Markup(
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'aria-labelledby="chart-{n}-title chart-{n}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="chart-{n}-title">{escape(title)}</title><desc id="chart-{n}-desc">{escape(desc)}</desc>'
        + "".join(body) + "</svg>"
    )


def _axes(top_value: float) -> list[str]:
    parts = []
    plot_h = HEIGHT - TOP - BOTTOM
    for i in range(5):
        value = top_value * i / 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ccc" stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#222">{value:g}</text>')
    return parts


def _label_every(n: int) -> int:
    return max(1, -(-n // 12))


def bar_chart(title: str, desc: str, labels: Sequence[str], values: Sequence[float]) -> Markup:
    top_value = _scale_max(values)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(values), 1)
    body = _axes(top_value)
    every = _label_every(len(labels))
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = plot_h * value / top_value
        x = LEFT + i * slot + slot * 0.15
        body.append(f'<rect class="bar" x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{slot * 0.7:.1f}" '
                    f'height="{h:.1f}" fill="#1a4f8b"><title>{escape(label)}: {value:g}</title></rect>')
        if i % every == 0:
            body.append(f'<text x="{x + slot * 0.35:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
                        f'font-size="11" fill="#222">{escape(label)}</text>')
    return _frame(title, desc, body)


def line_chart(title: str, desc: str, labels: Sequence[str], values: Sequence[float | None]) -> Markup:
    known = [v for v in values if v is not None]
    top_value = _scale_max(known)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(values) - 1, 1)
    body = _axes(top_value)
    points = []
    every = _label_every(len(labels))
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = LEFT + i * step if len(values) > 1 else LEFT + plot_w / 2
        if value is not None:
            y = TOP + plot_h - plot_h * value / top_value
            points.append(f"{x:.1f},{y:.1f}")
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="#1a4f8b">'
                        f'<title>{escape(label)}: {value:g}</title></circle>')
        if i % every == 0:
            body.append(f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" font-size="11" '
                        f'fill="#222">{escape(label)}</text>')
    if len(points) > 1:
        body.insert(len(_axes(top_value)), f'<polyline points="{" ".join(points)}" fill="none" '
                    f'stroke="#1a4f8b" stroke-width="2"/>')
    return _frame(title, desc, body)
