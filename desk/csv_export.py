"""CSV downloads that are safe to open in a spreadsheet.

A cell that starts with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage
return) would be read as a formula by Excel or LibreOffice: CSV injection. Such
cells get a leading apostrophe, which spreadsheets show as text. Numbers stay
numbers (a negative number is not text that could run anything).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from flask import Response

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_text(headers: Sequence[str], rows: Iterable[Sequence]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in headers])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()


def csv_response(filename: str, headers: Sequence[str], rows: Iterable[Sequence]) -> Response:
    """A download (UTF-8 with a BOM so Excel reads accents right)."""
    safe_name = "".join(c for c in filename if c.isalnum() or c in "-_.") or "export.csv"
    response = Response("\ufeff" + csv_text(headers, rows), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
