"""The comparison as a printout: the figures of up to four scenarios side by side and their differences (the
figures themselves come from estimator.workflows.compare)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from estimator.documents.pdf_layout import Column, Doc, day, render_pdf
from estimator.text import count, fmt_day
from estimator.wording import CRISIS_LINE, DISCLAIMER
from estimator.workflows.compare import Summary, column_labels, comparison_table, differences_table


def comparison_pdf(summaries: Sequence[Summary], *, made_on: dt.date) -> bytes:
    """The comparison as a printable page: the figures side by side and the differences against scenario 1."""
    labels = column_labels(summaries)

    def table(doc: Doc, rows: list[dict[str, str]], columns: list[str]) -> None:
        doc.table_rows(
            [Column("Figure", weight=1.4), *(Column(label, "RIGHT") for label in columns)],
            [[row.get(c, "") for c in ["Figure", *columns]] for row in rows],
        )

    def build(doc: Doc) -> None:
        doc.title_block("Scenario comparison", f"{count(len(summaries), 'scenario')} side by side")
        doc.key_values([("Made on", day(made_on))])
        doc.callout(CRISIS_LINE)
        doc.para(DISCLAIMER, muted=True)
        doc.heading("The scenarios")
        table(doc, comparison_table(summaries, when=fmt_day), labels)
        if len(summaries) > 1:
            doc.heading("Differences against scenario 1 (+ means more than scenario 1)")
            table(doc, differences_table(summaries), labels[1:])

    return render_pdf(build, title="Scenario comparison", footer_text="Scenario comparison", made_on=made_on)
