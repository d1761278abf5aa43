"""A small layout engine for business documents (quotes, contracts, orders, invoices' notices).

A package describes *what* a document says — a :class:`BusinessDocument` of plain strings,
already formatted and translated — and this module decides *where* it goes on an A4 page:

- a letterhead on the first page (logo, company name, address, phone, tax id, bank), and a
  slim running head on the following pages;
- the title, then a key-value block in two columns (customer, number, date, valid until…);
- the line table: columns with their alignment, long texts wrapped inside their cell, a page
  break before a row that does not fit, and the table's heading row repeated on every page;
- the totals block (right-aligned figures) and the amount in words (大写) line;
- terms text, an optional signature block, and a footer with the tenant's footer text and
  "page x / y" on every page.

It never formats numbers or picks a language: the caller does (money is Decimal up to the
moment it becomes text, in the caller). It knows no object names either: the platform renders,
packages say what.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from fpdf import FPDF
from fpdf.enums import TableBordersLayout, WrapMode, XPos, YPos
from fpdf.fonts import FontFace

from keyi.platform.documents.fonts import FONT_FAMILY, font_path

__all__ = ["BusinessDocument", "Column", "CompanyHeader", "render_pdf"]

Align = Literal["L", "C", "R"]
_MARGIN = 15.0  # mm
_FOOTER_SPACE = 18.0  # mm kept free at the bottom of every page for the footer
_GREY = (110, 110, 110)
_LINE_GREY = (200, 200, 200)
_TEXT = (30, 30, 30)
_LOGO_HEIGHT = 16.0  # mm


@dataclass(frozen=True)
class CompanyHeader:
    """The issuing company, as the tenant's document template states it."""

    name: str = ""
    address: str = ""
    phone: str = ""
    tax_id: str = ""  # 统一社会信用代码 / 纳税人识别号
    bank: str = ""  # bank name and account, one line
    logo: bytes | None = None  # PNG or JPEG, already validated
    # Already-translated captions of the lines above ("电话", "Phone"...).
    captions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Column:
    label: str
    width: float  # relative: the columns share the printable width in these proportions
    align: Align = "L"


@dataclass
class BusinessDocument:
    title: str
    company: CompanyHeader
    number: str = ""  # shown in the running head of later pages
    fields: Sequence[tuple[str, str]] = ()
    columns: Sequence[Column] = ()
    rows: Sequence[Sequence[str]] = ()
    totals: Sequence[tuple[str, str]] = ()
    amount_in_words: tuple[str, str] | None = None  # (caption, 大写 text)
    terms_title: str = ""
    terms: str = ""
    signatures: Sequence[str] = ()  # captions of signature boxes (甲方（盖章）…)
    footer: str = ""
    page_label: str = "{page} / {pages}"
    accent: tuple[int, int, int] = (22, 119, 255)
    author: str = ""
    empty_table_text: str = "—"


class _Pdf(FPDF):
    """FPDF with the running head and the footer of a business document."""

    def __init__(self, document: BusinessDocument) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.document = document
        self.set_margins(_MARGIN, _MARGIN, _MARGIN)
        self.set_auto_page_break(auto=True, margin=_FOOTER_SPACE + 4)
        self.add_font(FONT_FAMILY, "", str(font_path()))
        self.set_font(FONT_FAMILY, size=9)
        self.set_text_color(*_TEXT)

    def header(self) -> None:
        if self.page_no() == 1:
            return  # the letterhead is drawn by render_pdf itself
        doc = self.document
        self.set_font(FONT_FAMILY, size=8)
        self.set_text_color(*_GREY)
        head = "  ·  ".join(p for p in (doc.company.name, doc.title, doc.number) if p)
        self.cell(0, 5, head, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*_LINE_GREY)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(3)
        self.set_text_color(*_TEXT)
        self.set_font(FONT_FAMILY, size=9)

    def footer(self) -> None:
        doc = self.document
        self.set_y(-_FOOTER_SPACE + 4)
        self.set_draw_color(*_LINE_GREY)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1.5)
        self.set_font(FONT_FAMILY, size=7.5)
        self.set_text_color(*_GREY)
        width = self.w - self.l_margin - self.r_margin
        page = doc.page_label.format(page=self.page_no(), pages=self.alias_nb_pages_text)
        if doc.footer:
            self.cell(width * 0.8, 4, doc.footer[:200], align="L")
        self.set_x(self.l_margin + width * 0.8)
        self.cell(width * 0.2, 4, page, align="R")
        self.set_text_color(*_TEXT)

    @property
    def alias_nb_pages_text(self) -> str:
        return str(self.str_alias_nb_pages)

    @property
    def printable_width(self) -> float:
        return float(self.w - self.l_margin - self.r_margin)


def render_pdf(document: BusinessDocument) -> bytes:
    """The document as PDF bytes (A4, the CJK font embedded as a subset)."""
    pdf = _Pdf(document)
    pdf.set_title(document.title + (f" {document.number}" if document.number else ""))
    if document.author:
        pdf.set_author(document.author)
    pdf.set_creator("Keyi CRM")
    pdf.alias_nb_pages()
    pdf.add_page()
    _letterhead(pdf, document)
    _title(pdf, document)
    _fields(pdf, document)
    _table(pdf, document)
    _totals(pdf, document)
    _terms(pdf, document)
    _signatures(pdf, document)
    return bytes(pdf.output())


def _letterhead(pdf: _Pdf, doc: BusinessDocument) -> None:
    company = doc.company
    top = pdf.get_y()
    text_x = pdf.l_margin
    if company.logo:
        # Height fixed, width from the image's proportions; capped so a wide banner fits.
        info: Any = pdf.image(io.BytesIO(company.logo), x=pdf.l_margin, y=top, h=_LOGO_HEIGHT)
        text_x = pdf.l_margin + min(float(info.rendered_width), 60.0) + 5
    pdf.set_xy(text_x, top)
    width = pdf.w - pdf.r_margin - text_x
    if company.name:
        pdf.set_font(FONT_FAMILY, size=13)
        pdf.set_text_color(*doc.accent)
        pdf.multi_cell(width, 6, company.name, new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_text_color(*_TEXT)
    pdf.set_font(FONT_FAMILY, size=8)
    pdf.set_text_color(*_GREY)
    captions = company.captions
    lines = [company.address]
    contact = [
        f"{captions.get('phone', '')}{company.phone}" if company.phone else "",
        f"{captions.get('tax_id', '')}{company.tax_id}" if company.tax_id else "",
    ]
    lines.append("    ".join(p for p in contact if p))
    if company.bank:
        lines.append(f"{captions.get('bank', '')}{company.bank}")
    for line in lines:
        if line:
            pdf.multi_cell(width, 4, line, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_text_color(*_TEXT)
    bottom = max(pdf.get_y(), top + (_LOGO_HEIGHT if company.logo else 0))
    pdf.set_xy(pdf.l_margin, bottom + 2)
    pdf.set_draw_color(*doc.accent)
    pdf.set_line_width(0.6)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.set_line_width(0.2)
    pdf.ln(4)


def _title(pdf: _Pdf, doc: BusinessDocument) -> None:
    pdf.set_font(FONT_FAMILY, size=18)
    pdf.set_text_color(*doc.accent)
    pdf.cell(0, 10, doc.title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*_TEXT)
    pdf.ln(2)


def _fields(pdf: _Pdf, doc: BusinessDocument) -> None:
    """Key-value pairs in two columns, filled row by row; long values wrap in their half."""
    if not doc.fields:
        return
    pdf.set_font(FONT_FAMILY, size=9)
    half = pdf.printable_width / 2
    caption_width = 24.0
    pairs = list(doc.fields)
    for i in range(0, len(pairs), 2):
        top = pdf.get_y()
        bottom = top
        for j, (caption, value) in enumerate(pairs[i : i + 2]):
            x = pdf.l_margin + j * half
            pdf.set_xy(x, top)
            pdf.set_text_color(*_GREY)
            pdf.cell(caption_width, 5.5, caption)
            pdf.set_text_color(*_TEXT)
            pdf.multi_cell(half - caption_width - 2, 5.5, value or "—", new_x=XPos.LEFT)
            bottom = max(bottom, pdf.get_y())
        pdf.set_xy(pdf.l_margin, bottom)
    pdf.ln(3)


def _table(pdf: _Pdf, doc: BusinessDocument) -> None:
    if not doc.columns:
        return
    pdf.set_font(FONT_FAMILY, size=8.5)
    pdf.set_draw_color(*_LINE_GREY)
    headings = FontFace(emphasis="", color=(255, 255, 255), fill_color=doc.accent)
    aligns = tuple(c.align for c in doc.columns)
    with pdf.table(
        col_widths=tuple(c.width for c in doc.columns),
        text_align=aligns,
        headings_style=headings,
        line_height=5,
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        padding=1.2,
        wrapmode=WrapMode.WORD,
        first_row_as_headings=True,
    ) as table:
        heading = table.row()
        for column in doc.columns:
            heading.cell(column.label, align="C")
        for values in doc.rows:
            row = table.row()
            for value in values:
                row.cell(value)
        if not doc.rows:
            empty = table.row()
            empty.cell(doc.empty_table_text, colspan=len(doc.columns), align="C")
    pdf.ln(2)


def _totals(pdf: _Pdf, doc: BusinessDocument) -> None:
    """Right-aligned caption/figure pairs, then the amount in words across the page."""
    pdf.set_font(FONT_FAMILY, size=9)
    figure_width = 40.0
    caption_width = 40.0
    x = pdf.w - pdf.r_margin - figure_width - caption_width
    for i, (caption, figure) in enumerate(doc.totals):
        last = i == len(doc.totals) - 1
        if last:
            pdf.set_font(FONT_FAMILY, size=11)
            pdf.set_text_color(*doc.accent)
        pdf.set_x(x)
        pdf.cell(caption_width, 6, caption, align="R")
        pdf.cell(figure_width, 6, figure, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(*_TEXT)
        pdf.set_font(FONT_FAMILY, size=9)
    if doc.amount_in_words:
        caption, words = doc.amount_in_words
        pdf.ln(1)
        pdf.set_fill_color(245, 245, 245)
        pdf.multi_cell(
            0,
            7,
            f"{caption}{words}",
            fill=True,
            padding=(0, 2),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
    pdf.ln(3)


def _terms(pdf: _Pdf, doc: BusinessDocument) -> None:
    if not doc.terms.strip():
        return
    if doc.terms_title:
        pdf.set_font(FONT_FAMILY, size=10)
        pdf.set_text_color(*doc.accent)
        pdf.cell(0, 6, doc.terms_title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(*_TEXT)
    pdf.set_font(FONT_FAMILY, size=8.5)
    pdf.multi_cell(0, 4.5, doc.terms.strip(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)


def _signatures(pdf: _Pdf, doc: BusinessDocument) -> None:
    """Boxes for each party's signature and seal (盖章), side by side, kept on one page."""
    if not doc.signatures:
        return
    height = 32.0
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()
    pdf.set_font(FONT_FAMILY, size=9)
    width = pdf.printable_width / len(doc.signatures)
    top = pdf.get_y() + 4
    for i, caption in enumerate(doc.signatures):
        x = pdf.l_margin + i * width
        pdf.set_xy(x, top)
        pdf.multi_cell(width - 6, 5, caption, new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_draw_color(*_LINE_GREY)
        pdf.line(x, top + height - 6, x + width - 10, top + height - 6)
    pdf.set_xy(pdf.l_margin, top + height)
