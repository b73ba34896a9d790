"""Inline SVG charts for the HTML report: no script, no fonts, no images to fetch.

Colours come from CSS classes (`sev-V`, ...) defined in the page, so print
styles can change them and the charts need no style attributes (the page's
Content-Security-Policy allows no inline style attributes). Every label is
escaped; counts an external reader may not see arrive here only as text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from .suppress import ShownCount

WIDTH = 680
LABEL_W = 170
BAR_W = 400
ROW_H = 26


@dataclass(frozen=True, slots=True)
class Segment:
    key: str
    value: int
    css: str


HATCH_DEFS = Markup('<svg class="defs" width="0" height="0" aria-hidden="true"><defs><pattern id="hatch" '
                    'width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
                    '<line x1="0" y1="0" x2="0" y2="6" class="hatch"></line></pattern></defs></svg>')


def _svg(title: str, height: int, body: list[str]) -> Markup:
    label = escape(title)
    return Markup(f'<svg class="chart" role="img" aria-label="{label}" viewBox="0 0 {WIDTH} {height}" '
                  f'width="100%" preserveAspectRatio="xMinYMin meet">'
                  f'<title>{label}</title>' + "".join(body) + "</svg>")


def overview_bar(title: str, segments: Sequence[Segment], legend: dict[str, str]) -> Markup:
    """One bar split by severity, with a legend line per severity ('V likely violation: 3')."""
    total = sum(s.value for s in segments) or 1
    body, x = [], 0.0
    for s in segments:
        if s.value:
            w = WIDTH * s.value / total
            body.append(f'<rect class="seg {escape(s.css)}" x="{x:.1f}" y="0" width="{w:.1f}" height="28">'
                        f'<title>{escape(s.key)}: {s.value}</title></rect>')
            x += w
    if not any(s.value for s in segments):
        body.append(f'<rect class="empty" x="0" y="0" width="{WIDTH}" height="28"></rect>')
    y = 50
    for s in segments:
        body.append(f'<rect class="seg {escape(s.css)}" x="0" y="{y - 11}" width="12" height="12"></rect>'
                    f'<text x="18" y="{y}">{escape(s.key)} \u2013 {escape(legend.get(s.key, ""))}: '
                    f'{s.value}</text>')
        y += 20
    return _svg(title, y - 6, body)


def stacked_bars(title: str, rows: Sequence[tuple[str, Sequence[Segment]]]) -> Markup:
    """One horizontal bar per row (e.g. platform), split by severity, with its total at the end."""
    top = max((sum(s.value for s in segs) for _, segs in rows), default=0) or 1
    body = []
    for i, (label, segs) in enumerate(rows):
        y = i * ROW_H
        body.append(f'<text class="label" x="{LABEL_W - 8}" y="{y + 17}" text-anchor="end">{escape(label)}</text>')
        x = float(LABEL_W)
        for s in segs:
            if s.value:
                w = BAR_W * s.value / top
                body.append(f'<rect class="seg {escape(s.css)}" x="{x:.1f}" y="{y + 4}" width="{w:.1f}" '
                            f'height="{ROW_H - 8}"><title>{escape(label)}, {escape(s.key)}: {s.value}</title></rect>')
                x += w
        body.append(f'<text x="{x + 6:.1f}" y="{y + 17}">{sum(s.value for s in segs)}</text>')
    return _svg(title, max(ROW_H, len(rows) * ROW_H), body)


def suppressed_bars(title: str, rows: Sequence[tuple[str, ShownCount]], threshold: int) -> Markup:
    """Bars for counts that may be suppressed: a '<N' count is a dashed box up to N, never a length."""
    top = max([c.value or 0 for _, c in rows] + [2 * threshold]) or 1   # a "<N" box never fills the width
    body = []      # the hatch pattern for withheld counts is defined once in the page (HATCH_DEFS)
    for i, (label, count) in enumerate(rows):
        y = i * ROW_H
        body.append(f'<text class="label" x="{LABEL_W - 8}" y="{y + 17}" text-anchor="end">{escape(label)}</text>')
        if count.kind == "small":
            w = BAR_W * threshold / top
            body.append(f'<rect class="small" x="{LABEL_W}" y="{y + 4}" width="{w:.1f}" height="{ROW_H - 8}">'
                        f'<title>fewer than {threshold}</title></rect>')
        elif count.kind == "withheld":
            w = BAR_W * 0.15
            body.append(f'<rect class="withheld" x="{LABEL_W}" y="{y + 4}" width="{w:.1f}" height="{ROW_H - 8}">'
                        '<title>withheld</title></rect>')
        else:
            w = BAR_W * (count.value or 0) / top
            if w:
                body.append(f'<rect class="seg bar" x="{LABEL_W}" y="{y + 4}" width="{w:.1f}" '
                            f'height="{ROW_H - 8}"></rect>')
        body.append(f'<text x="{LABEL_W + w + 6:.1f}" y="{y + 17}">{escape(count.text)}</text>')
    return _svg(title, max(ROW_H, len(rows) * ROW_H), body)
