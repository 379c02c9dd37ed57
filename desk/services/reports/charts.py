"""Charts as server-rendered SVG (pygal), each drawn from a report table.

pygal always writes a ``<script>`` with its tooltip configuration; desk loads
no chart JavaScript, so that element is removed and the SVG is served as its
own document (``<img src>``) under a CSP that allows no script at all. The
table beside each chart carries the same figures for screen readers and CSV.
"""

from __future__ import annotations

import re

import pygal
from pygal.style import Style

from desk.services.reports.tables import Table

STYLE = Style(
    background="#ffffff", plot_background="#ffffff", foreground="#212529", foreground_strong="#212529",
    foreground_subtle="#6c757d", opacity=".85", opacity_hover=".95", transition="0s",
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    colors=("#0d6efd", "#fd7e14", "#20c997", "#6f42c1", "#dc3545", "#6c757d"),
    title_font_size=15, label_font_size=11, major_label_font_size=11, legend_font_size=12,
)
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL | re.IGNORECASE)
# A chart's own document: nothing may load or run; pygal's <style> element needs inline styles.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"


def _config(**extra) -> dict:
    return dict(style=STYLE, disable_xml_declaration=True, js=[], width=760, height=340, explicit_size=False,
                legend_at_bottom=True, legend_at_bottom_columns=3, tooltip_fancy_mode=False, truncate_label=28,
                no_data_text="No data for these filters", margin=12, **extra)


def render(chart) -> str:
    return _SCRIPT.sub("", chart.render(is_unicode=True))


def line(title: str, table: Table, label_key: str, series: list[tuple[str, str]], *, percent=False) -> str:
    chart = pygal.Line(**_config(title=title, show_dots=True, dots_size=2.5, x_label_rotation=30,
                                 show_minor_x_labels=False, x_labels_major_every=_every(len(table.rows)),
                                 range=(0, 100) if percent else None))
    chart.x_labels = [row[label_key] for row in table.rows]
    for key, name in series:
        chart.add(name, [_number(row.get(key)) for row in table.rows])
    return render(chart)


def bars(title: str, table: Table, label_key: str, series: list[tuple[str, str]], *, horizontal=False,
         stacked=False, percent=False, limit: int | None = None) -> str:
    kind = {(False, False): pygal.Bar, (True, False): pygal.HorizontalBar,
            (False, True): pygal.StackedBar, (True, True): pygal.HorizontalStackedBar}[(horizontal, stacked)]
    rows = table.rows[:limit] if limit else table.rows
    chart = kind(**_config(title=title, x_label_rotation=0 if horizontal else 30,
                           range=(0, 100) if percent else None, show_legend=len(series) > 1))
    chart.x_labels = [str(row[label_key]) for row in rows]
    for key, name in series:
        chart.add(name, [_number(row.get(key)) for row in rows])
    return render(chart)


def _number(value):
    return None if value is None else round(float(value), 1)


def _every(n: int) -> int:
    return max(1, n // 12)
