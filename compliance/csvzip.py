"""The report as CSV: one file per section in a zip, UTF-8 with a BOM so Excel reads the Chinese."""

from __future__ import annotations

import csv
import io
import zipfile

from compliance.model import MonthlyReport
from compliance.tables import tables


def render_csv(report: MonthlyReport) -> bytes:
    """A zip of `NN-<section>.csv`, numbered in report order."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, table in enumerate(tables(report), start=1):
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerow(table.headers)
            writer.writerows([c.text for c in row] for row in table.rows)
            archive.writestr(f"{number:02d}-{table.id}.csv", "\ufeff" + text.getvalue())
    return out.getvalue()
