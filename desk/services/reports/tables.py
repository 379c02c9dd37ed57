"""Report tables: the same rows feed the HTML table, its chart and its CSV.

Cell kinds say how to show a value: ``int``, ``pct`` (0-100), ``hours``,
``days``, ``csat`` (None means "not enough ratings"), ``text``. CSV cells that a
spreadsheet would run as a formula (starting with = + - @, tab or CR) are
prefixed with an apostrophe; numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from desk.services.reports.csat import NOT_ENOUGH

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "int"


@dataclass
class Table:
    name: str  # the ?table= of its CSV
    title: str
    columns: list[Column]
    rows: list[dict] = field(default_factory=list)
    note: str = ""

    def value(self, row: dict, column: Column):
        return row.get(column.key)


def display(value, kind: str) -> str:
    """A cell as text (HTML and CSV share it, so both say the same)."""
    if kind == "csat" and value is None:
        return NOT_ENOUGH
    if value is None:
        return "—"
    if kind == "pct" or kind == "csat":
        return f"{value:.1f} %"
    if kind == "hours":
        return f"{value:.1f} h"
    if kind == "days":
        return f"{value:.1f} d"
    if kind == "int":
        return f"{value:,}"
    if kind == "num":
        return f"{value:.1f}"
    return str(value)


def csv_cell(value, kind: str):
    if kind == "csat" and value is None:
        return NOT_ENOUGH
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return round(value, 2) if isinstance(value, float) else value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_cell(c.label, "text") for c in table.columns])
    for row in table.rows:
        writer.writerow([csv_cell(row.get(c.key), row.get("kind", "text") if c.kind == "mixed" else c.kind)
                         for c in table.columns])
    return out.getvalue()
