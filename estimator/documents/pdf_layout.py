"""PDF page machinery shared by the printable estimate (documents.pdf), the Good Faith Estimate and the comparison
printout: fonts (fpdf2 and the fonts shipped in estimator/fonts), the page furniture and tables.

Layout rules every table here follows: it fits one Letter page width (numbers and codes are measured and never
wrap or clip; text columns take the rest and wrap at spaces), a page break never splits a row, and the header
row repeats on every page. Text the user typed is printed as plain text (never Markdown), normalized to NFC,
with control and bidi-override characters removed.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from fpdf import FPDF, FontFace
from fpdf.enums import XPos, YPos

from estimator.money import fmt_usd
from estimator.text import clean_text, fmt_day

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"  # estimator/fonts, shared with the page icon
FONT_REGULAR = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
FAMILY = "DejaVu"
_FALLBACK_FAMILY = "MissingGlyph"
FONT_CJK = FONT_DIR / "DroidSansFallbackFull.ttf"  # Chinese, Japanese and Korean (Apache-2.0)
_CJK_FAMILY = "DroidFallback"


MARGIN = 14.0  # mm; Letter is 215.9 mm wide, so the usable width is 187.9 mm
_BOTTOM = 17.0  # room for the footer
_BODY_PT = 9.0
_TABLE_PT = 8.0
_MIN_TABLE_PT = 6.0
_RELAXED_MIN = 12.0  # mm, the narrowest a wrapping column gets when space is very short
_PAD_X = 1.2  # mm, left and right padding in table cells
_PAD_Y = 0.7
_HEAD_FILL = (226, 232, 240)
_ZEBRA_FILL = (247, 248, 250)
_RULE = (190, 196, 204)
_MUTED = (90, 90, 90)


class _HideMissingGlyphNames(logging.Filter):
    """fpdf2 logs the characters a font lacks; those can come from a patient's name, so they never reach a log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "missing the following glyphs" not in str(record.msg)


logging.getLogger("fpdf.output").addFilter(_HideMissingGlyphNames())


# ---------------------------------------------------------------- glyphs


@cache
def _font_codepoints() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    points: set[int] | None = None
    for path in (FONT_REGULAR, FONT_BOLD):
        cmap = set(TTFont(str(path), lazy=True).getBestCmap())
        points = cmap if points is None else points & cmap
    return frozenset(points or ())


@cache
def _cjk_codepoints() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(str(FONT_CJK), lazy=True).getBestCmap())


def unprintable_chars(text: str) -> list[str]:
    """Characters of `text` the shipped font has no glyph for (they stay in the PDF's text but print as boxes)."""
    have = _font_codepoints() | _cjk_codepoints()
    seen: dict[str, None] = {}
    for ch in clean_text(text, multiline=True):
        if not ch.isspace() and ord(ch) not in have:
            seen.setdefault(ch, None)
    return list(seen)


def _write_fallback_font(codepoints: Iterable[int], path: Path) -> None:
    """A last-resort font: one hollow box glyph per code point the shipped font lacks, so that text still prints
    (as boxes) and stays in the PDF's text layer, instead of silently disappearing."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    points = sorted(set(codepoints))
    names = [".notdef"] + [f"u{cp:06X}" for cp in points]

    def box() -> object:
        pen = TTGlyphPen(None)
        x0, x1, y0, y1, t = 90, 910, -40, 740, 60
        pen.moveTo((x0, y0))
        pen.lineTo((x0, y1))
        pen.lineTo((x1, y1))
        pen.lineTo((x1, y0))
        pen.closePath()
        pen.moveTo((x0 + t, y0 + t))
        pen.lineTo((x1 - t, y0 + t))
        pen.lineTo((x1 - t, y1 - t))
        pen.lineTo((x0 + t, y1 - t))
        pen.closePath()
        return pen.glyph()

    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder(names)
    fb.setupCharacterMap({cp: f"u{cp:06X}" for cp in points})
    fb.setupGlyf({n: box() for n in names})
    fb.setupHorizontalMetrics({n: (1000, 90) for n in names})
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupNameTable({"familyName": _FALLBACK_FAMILY, "styleName": "Regular"})
    fb.setupOS2(sTypoAscender=800, sTypoDescender=-200, usWinAscent=800, usWinDescent=200)
    fb.setupPost()
    fb.save(str(path))


# ---------------------------------------------------------------- formatting


def usd(amount: Decimal) -> str:
    return fmt_usd(amount)


def day(value: dt.date | None) -> str:
    """Dates on a printout read as on the pages: "Jan 4, 2027"."""
    return fmt_day(value) if value is not None else ""


# ---------------------------------------------------------------- the document


@dataclass(frozen=True, slots=True)
class Column:
    """A table column: `wrap=False` columns (numbers, dates, codes) are sized to fit their widest cell."""

    header: str
    align: str = "LEFT"
    wrap: bool = True
    weight: float = 1.0  # share of the spare width among wrapping columns


class Doc(FPDF):
    """A Letter page with the shipped font, a footer on every page and helpers for headings, text and tables."""

    def __init__(self, *, title: str, footer_text: str, made_on: dt.date, fallback_font: Path | None) -> None:
        super().__init__(orientation="P", unit="mm", format="Letter")
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=_BOTTOM)
        self.add_font(FAMILY, "", str(FONT_REGULAR))
        self.add_font(FAMILY, "B", str(FONT_BOLD))
        if fallback_font is not None:
            self.add_font(_CJK_FAMILY, "", str(FONT_CJK))
            self.add_font(_FALLBACK_FAMILY, "", str(fallback_font))
            self.set_fallback_fonts([_CJK_FAMILY, _FALLBACK_FAMILY], exact_match=False)
        self.set_title(title)
        self.set_creator("Ketamine & SPRAVATO cost estimator")
        self.set_creation_date(dt.datetime(made_on.year, made_on.month, made_on.day, tzinfo=dt.UTC))
        self.set_lang("en-US")
        self._footer_text = footer_text
        self.set_draw_color(*_RULE)
        self.set_line_width(0.2)
        self.set_font(FAMILY, "", _BODY_PT)
        self.add_page()

    # ------------------------------------------------------------ page furniture

    def footer(self) -> None:
        self.set_y(-_BOTTOM + 4)
        self.set_font(FAMILY, "", 7)
        self.set_text_color(*_MUTED)
        self.set_draw_color(*_RULE)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1.2)
        page = f"Page {self.page_no()} of {{nb}}"
        page_w = self.get_string_width(f"Page {self.page_no()} of 999") + 2
        y = self.get_y()
        self.multi_cell(self.epw - page_w, 3.2, self._footer_text, align="L", new_x=XPos.RIGHT, new_y=YPos.TOP)
        self.set_xy(self.w - self.r_margin - page_w, y)
        self.cell(page_w, 3.2, page, align="R")
        self.set_text_color(0, 0, 0)

    # ------------------------------------------------------------ text blocks

    def keep_space(self, height: float) -> None:
        """Start a new page unless `height` mm still fit on this one."""
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()

    def title_block(self, title: str, subtitle: str = "", *, size: float = 17) -> None:
        self.set_font(FAMILY, "B", size)
        self.multi_cell(0, size * 0.47, clean_text(title), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if subtitle:
            self.set_font(FAMILY, "", 11)
            self.multi_cell(0, 5.5, clean_text(subtitle), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)
        self.set_font(FAMILY, "", _BODY_PT)

    def heading(self, text: str) -> None:
        self.ln(3)
        self.keep_space(22)
        self.set_font(FAMILY, "B", 11.5)
        self.multi_cell(0, 6, clean_text(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        y = self.get_y()
        self.set_draw_color(*_RULE)
        self.line(self.l_margin, y, self.w - self.r_margin, y)
        self.ln(1.5)
        self.set_font(FAMILY, "", _BODY_PT)

    def subheading(self, text: str) -> None:
        self.ln(1)
        self.keep_space(14)
        self.set_font(FAMILY, "B", 9.5)
        self.multi_cell(0, 5, clean_text(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FAMILY, "", _BODY_PT)

    def para(self, text: str, *, bold: bool = False, size: float = _BODY_PT, muted: bool = False) -> None:
        self.set_font(FAMILY, "B" if bold else "", size)
        if muted:
            self.set_text_color(*_MUTED)
        self.multi_cell(
            0, size * 0.47, clean_text(text, multiline=True), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.set_text_color(0, 0, 0)
        self.ln(1.2)
        self.set_font(FAMILY, "", _BODY_PT)

    def callout(self, text: str, *, bold: bool = True, fill: tuple[int, int, int] = (255, 244, 214)) -> None:
        """A shaded, bordered box of text (kept on one page)."""
        self.set_font(FAMILY, "B" if bold else "", _BODY_PT + 0.5)
        body = clean_text(text, multiline=True)
        lines = self.multi_cell(self.epw, 4.6, body, dry_run=True, output="LINES", padding=(2.2, 3))
        self.keep_space(len(lines) * 4.6 + 6)
        self.set_fill_color(*fill)
        self.set_draw_color(*_RULE)
        self.multi_cell(
            self.epw, 4.6, body, border=1, fill=True, padding=(2.2, 3), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.ln(2)
        self.set_font(FAMILY, "", _BODY_PT)

    def bullets(self, items: Sequence[str]) -> None:
        for item in items:
            text = clean_text(item, multiline=True)
            lines = self.multi_cell(self.epw - 5, 4.3, text, dry_run=True, output="LINES")
            self.keep_space(len(lines) * 4.3)
            self.set_x(self.l_margin)
            self.cell(5, 4.3, "•")
            self.multi_cell(self.epw - 5, 4.3, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.ln(0.6)
        self.ln(0.8)

    # ------------------------------------------------------------ tables

    def _text_width(self, text: str) -> float:
        """Width of one line of text, counting characters the shipped font lacks as one em (the fallback box)."""
        have = _font_codepoints()
        missing = sum(1 for ch in text if ord(ch) not in have and not ch.isspace())
        return self.get_string_width(text) + missing * self.font_size

    def _longest_word(self, text: str) -> float:
        return max((self._text_width(w) for w in text.split()), default=0.0)

    def _fit_columns(
        self,
        columns: Sequence[Column],
        rows: Sequence[Sequence[str]],
        width: float,
        bold: set[int],
        stretch: bool,
        relaxed: bool = False,
    ) -> list[float]:
        """Column widths in mm for the current font size, or [] when the fixed columns cannot fit `width`."""
        pad = 2 * _PAD_X + 0.6
        size = self.font_size_pt
        self.set_font(FAMILY, "B", size)
        head_min = [self._longest_word(c.header) + pad for c in columns]
        head_full = [self._text_width(c.header) + pad for c in columns]
        full = [0.0] * len(columns)
        word = [0.0] * len(columns)
        for r, row in enumerate(rows):
            self.set_font(FAMILY, "B" if r in bold else "", size)
            for i, text in enumerate(row):
                full[i] = max(full[i], self._text_width(text))
                if columns[i].wrap:
                    word[i] = max(word[i], self._longest_word(text))
        self.set_font(FAMILY, "", size)
        widths: list[float] = []
        minimum: list[float] = []
        for i, col in enumerate(columns):
            if col.wrap:
                # Relaxed: a wrapping column may even break its long words, so that numbers never have to.
                minimum.append(_RELAXED_MIN if relaxed else max(head_min[i], min(word[i] + pad, 45.0)))
                widths.append(max(head_full[i], full[i] + pad))
            else:
                w = max(head_min[i], full[i] + pad)
                minimum.append(w)
                widths.append(w)
        fixed = sum(w for w, c in zip(widths, columns, strict=True) if not c.wrap)
        flex_idx = [i for i, c in enumerate(columns) if c.wrap]
        if fixed + sum(minimum[i] for i in flex_idx) > width + 1e-6:
            return []
        spare = width - fixed
        desired = sum(widths[i] for i in flex_idx)
        if desired <= spare:
            if not stretch:
                # Room to spare: let headers stay on one line where that still fits.
                for i in range(len(columns)):
                    grow = max(head_full[i] - widths[i], 0.0)
                    if sum(widths) + grow <= width:
                        widths[i] += grow
                return widths
            if not flex_idx:
                return [w * width / fixed for w in widths]
            extra = spare - desired
            total_weight = sum(columns[i].weight * widths[i] for i in flex_idx)
            for i in flex_idx:
                widths[i] += extra * columns[i].weight * widths[i] / total_weight
            return widths
        # Not everything fits on one line: each wrapping column keeps its minimum and shares what is left.
        left = spare - sum(minimum[i] for i in flex_idx)
        want = sum((widths[i] - minimum[i]) * columns[i].weight for i in flex_idx) or 1.0
        for i in flex_idx:
            widths[i] = minimum[i] + left * (widths[i] - minimum[i]) * columns[i].weight / want
        return widths

    def fit_table(
        self,
        columns: Sequence[Column],
        rows: Sequence[Sequence[str]],
        *,
        bold_rows: Iterable[int] = (),
        font_pt: float = _TABLE_PT,
        stretch: bool = True,
    ) -> tuple[float, list[float]]:
        """Font size and column widths that fit the page width: the font shrinks (down to 6 pt) rather than ever
        wrap a number or a code, or clip a column."""
        cells = [[clean_text(c) for c in r] for r in rows]
        bold = set(bold_rows)
        # A slightly smaller font is better than rows wrapping onto two lines, down to 1 pt smaller.
        for size in (font_pt, font_pt - 0.5, font_pt - 1.0):
            if self._fits_one_line(columns, cells, size, bold):
                return self._finish_fit(columns, cells, size, bold, stretch)
        return self._finish_fit(columns, cells, font_pt, bold, stretch)

    def _fits_one_line(self, columns: Sequence[Column], cells: list[list[str]], size: float, bold: set[int]) -> bool:
        self.set_font(FAMILY, "", size)
        natural = self._fit_columns(columns, cells, 1e9, bold, False)
        self.set_font(FAMILY, "", _BODY_PT)
        return sum(natural) <= self.epw + 1e-6

    def _finish_fit(
        self, columns: Sequence[Column], cells: list[list[str]], font_pt: float, bold: set[int], stretch: bool
    ) -> tuple[float, list[float]]:
        widths: list[float] = []
        for relaxed in (False, True):
            size = font_pt
            while True:
                self.set_font(FAMILY, "", size)
                widths = self._fit_columns(columns, cells, self.epw, bold, stretch, relaxed)
                if widths or size <= _MIN_TABLE_PT:
                    break
                size -= 0.5
            if widths:
                break
        self.set_font(FAMILY, "", _BODY_PT)
        if not widths:  # pathological input: scale the natural widths down to the page and let the text wrap
            self.set_font(FAMILY, "", size)
            natural = self._fit_columns(columns, cells, 1e9, bold, False, True)
            self.set_font(FAMILY, "", _BODY_PT)
            widths = [w * self.epw / sum(natural) for w in natural]
        return size, widths

    def table_rows(
        self,
        columns: Sequence[Column],
        rows: Sequence[Sequence[str]],
        *,
        bold_rows: Iterable[int] = (),
        font_pt: float = _TABLE_PT,
        zebra: bool = True,
        stretch: bool = True,
        fitted: tuple[float, list[float]] | None = None,
        header: bool = True,
    ) -> None:
        """A table no wider than the page (the full width when `stretch`); rows never split across pages and the
        header row repeats on each page. `fitted` reuses the font size and widths of `fit_table` (to line up
        several tables)."""
        bold = set(bold_rows)
        size, widths = fitted or self.fit_table(columns, rows, bold_rows=bold, font_pt=font_pt, stretch=stretch)
        self.set_font(FAMILY, "", size)
        line_h = size * 0.46
        self.keep_space((2 if header else 1) * (line_h + 2 * _PAD_Y) + 2)
        self.set_draw_color(*_RULE)
        self.set_fill_color(255, 255, 255)  # rows that are not shaded stay white
        with self.table(
            width=min(sum(widths), self.epw),
            col_widths=tuple(widths),
            align="LEFT",
            text_align=tuple(c.align for c in columns),
            line_height=line_h,
            padding=(_PAD_Y, _PAD_X),
            first_row_as_headings=header,
            headings_style=FontFace(emphasis="BOLD", fill_color=_HEAD_FILL),
            cell_fill_color=_ZEBRA_FILL if zebra else None,
            cell_fill_mode="ROWS" if zebra else "NONE",
            borders_layout="HORIZONTAL_LINES",
            repeat_headings=1,
            v_align="TOP",
        ) as table:
            if header:
                head = table.row()
                for col in columns:
                    head.cell(clean_text(col.header))
            for i, r in enumerate(rows):
                row = table.row(style=FontFace(emphasis="BOLD") if i in bold else None)
                for text in r:
                    row.cell(clean_text(text))
        self.ln(2)
        self.set_font(FAMILY, "", _BODY_PT)

    def grouped_table(
        self,
        columns: Sequence[Column],
        groups: Sequence[tuple[str, Sequence[Sequence[str]]]],
        total: Sequence[str] | None = None,
    ) -> None:
        """One table per group (for example per phase of the course) under a bold label kept with its table,
        all with the same columns; the total row ends the last table (so it never stands alone on a page)."""
        every = [r for _, rows in groups for r in rows] + ([total] if total else [])
        bold = [len(every) - 1] if total else []
        fitted = self.fit_table(columns, every, bold_rows=bold)
        line_h = fitted[0] * 0.46 + 2 * _PAD_Y
        for n, (label, rows) in enumerate(groups):
            self.keep_space(5 + 2 * line_h + min(len(rows), 2) * line_h)
            self.set_font(FAMILY, "B", 9)
            self.cell(0, 5, clean_text(label), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            last = n == len(groups) - 1
            body = [*rows, total] if (last and total) else list(rows)
            self.table_rows(columns, body, fitted=fitted, bold_rows=[len(rows)] if (last and total) else [])

    def key_values(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Label / value lines (labels bold); values wrap, labels never do."""
        if not pairs:
            return
        self.set_font(FAMILY, "B", _BODY_PT)
        label_w = min(max(self._text_width(clean_text(k)) for k, _ in pairs) + 3, 70.0)
        for key, value in pairs:
            text = clean_text(value, multiline=True) or "—"
            self.set_font(FAMILY, "", _BODY_PT)
            lines = self.multi_cell(self.epw - label_w, 4.4, text, dry_run=True, output="LINES")
            self.set_font(FAMILY, "B", _BODY_PT)
            klines = self.multi_cell(label_w, 4.4, clean_text(key), dry_run=True, output="LINES")
            self.keep_space(max(len(lines), len(klines)) * 4.4)
            y, page = self.get_y(), self.page
            self.multi_cell(label_w, 4.4, clean_text(key), align="L", new_x=XPos.RIGHT, new_y=YPos.TOP)
            self.set_font(FAMILY, "", _BODY_PT)
            self.set_xy(self.l_margin + label_w, y)
            self.multi_cell(self.epw - label_w, 4.4, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            if self.page == page:  # a value longer than a page has moved on; otherwise clear the label too
                self.set_y(max(self.get_y(), y + len(klines) * 4.4))
            self.ln(0.4)
        self.ln(1.2)


def render_pdf(build: Callable[[Doc], None], *, title: str, footer_text: str, made_on: dt.date) -> bytes:
    """Lay the document out with the shipped font; if some characters have no glyph, lay it out again with a
    last-resort box font for exactly those characters (built in a private temporary folder, removed after)."""
    doc = Doc(title=title, footer_text=footer_text, made_on=made_on, fallback_font=None)
    build(doc)
    missing: set[int] = set()
    for font in doc.fonts.values():
        missing.update(getattr(font, "missing_glyphs", ()))
    if not missing:
        return bytes(doc.output())
    with tempfile.TemporaryDirectory(prefix="estimator-pdf-") as folder:
        path = Path(folder) / "fallback.ttf"
        _write_fallback_font(missing - _cjk_codepoints() or missing, path)
        doc = Doc(title=title, footer_text=footer_text, made_on=made_on, fallback_font=path)
        build(doc)
        return bytes(doc.output())
