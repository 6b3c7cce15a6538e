"""A clinic's letterhead on a printout: its name, address, phone and the counselor to ask, with an optional logo.

Pure data handed in by whoever knows the clinic (the pages read it from the clinic store); the core never reads the
store itself. A printout without a letterhead is exactly as before.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from fpdf.enums import XPos, YPos
from fpdf.image_parsing import preload_image

from estimator.documents.pdf_layout import FAMILY, Doc
from estimator.text import clean_text

LOGO_MAX_W = 55.0  # mm: the logo's box at the top left (a stored logo is at most 600 x 200 px, 3:1)
LOGO_MAX_H = 18.0
_GAP = 6.0  # mm between the logo and the text
_RULE = (190, 196, 204)
_MUTED = (90, 90, 90)
FOOTER_NAME_CHARS = 60  # a longer name is shortened in the footer, which must stay within two lines


@dataclass(frozen=True, slots=True)
class Letterhead:
    """What a printout's letterhead says: `contact` is the person to ask about the estimate, in one line (for
    example "Dana Whitfield, 734-555-0111, billing@clinic.example"); `logo_png` plain PNG bytes or None."""

    name: str
    address: str = ""
    phone: str = ""
    contact: str = ""
    logo_png: bytes | None = None

    def footer_note(self) -> str:
        """The clinic in a printout's footer, on every page: its name (a very long one shortened) and phone."""
        name = clean_text(self.name)
        if len(name) > FOOTER_NAME_CHARS:
            name = name[: FOOTER_NAME_CHARS - 1].rstrip(" ,&-") + "…"
        return " · ".join(t for t in (name, clean_text(self.phone)) if t)

    def questions(self) -> str:
        """Who to ask about the estimate, as a sentence for the end of the printout ('' without anyone)."""
        contact = clean_text(self.contact)
        phone = clean_text(self.phone)
        if contact and phone:
            return f"Questions about this estimate: {contact}, or call the clinic at {phone}."
        if contact or phone:
            return f"Questions about this estimate: {contact or 'call the clinic at ' + phone}."
        return ""


def contact_line(name: str = "", phone: str = "", email: str = "") -> str:
    """The counselor's contact in one line: 'Dana Whitfield, 734-555-0111, billing@clinic.example'."""
    return ", ".join(t for t in (clean_text(name), clean_text(phone), clean_text(email)) if t)


def _logo_size(doc: Doc, png: bytes) -> tuple[float, float] | None:
    """The logo's width and height in mm within its box, or None when the bytes are not an image fpdf can place."""
    try:
        info = preload_image(doc.image_cache, io.BytesIO(png))[2]
        width, height = float(info["w"]), float(info["h"])
    except Exception:  # a logo that cannot be read is left out, never a failed printout
        return None
    if width <= 0 or height <= 0:
        return None
    scale = min(LOGO_MAX_W / width, LOGO_MAX_H / height)
    return width * scale, height * scale


def draw_letterhead(doc: Doc, letterhead: Letterhead) -> None:
    """The letterhead at the top of the current (first) page: the logo on the left, the clinic's name, address,
    phone and contact to its right (right-aligned), then a rule across the page."""
    top = doc.get_y()
    size = _logo_size(doc, letterhead.logo_png) if letterhead.logo_png else None
    left = doc.l_margin
    if size is not None:
        doc.image(io.BytesIO(letterhead.logo_png or b""), x=left, y=top, w=size[0], h=size[1])
        left += size[0] + _GAP
    width = doc.w - doc.r_margin - left
    align = "R" if size is not None else "L"
    doc.set_xy(left, top)
    doc.set_font(FAMILY, "B", 13)
    doc.multi_cell(width, 5.8, clean_text(letterhead.name), align=align, new_x=XPos.LEFT, new_y=YPos.NEXT)
    doc.set_font(FAMILY, "", 8.5)
    doc.set_text_color(*_MUTED)
    phone = clean_text(letterhead.phone)
    lines = [clean_text(letterhead.address), f"Phone {phone}" if phone else ""]
    if letterhead.contact:
        lines.append("Contact: " + clean_text(letterhead.contact))
    for line in (t for t in lines if t):
        doc.set_x(left)
        doc.multi_cell(width, 4.0, line, align=align, new_x=XPos.LEFT, new_y=YPos.NEXT)
    doc.set_text_color(0, 0, 0)
    bottom = max(doc.get_y(), top + size[1] if size is not None else 0.0) + 2.0
    doc.set_draw_color(*_RULE)
    doc.line(doc.l_margin, bottom, doc.w - doc.r_margin, bottom)
    doc.set_xy(doc.l_margin, bottom + 4.0)
    doc.set_font(FAMILY, "", 9.0)  # the body's size, as every block leaves it


def end_note(doc: Doc, letterhead: Letterhead) -> None:
    """Who to ask about the estimate, at the end of the printout (nothing when the letterhead names no one)."""
    text = letterhead.questions()
    if text:
        doc.para(text, bold=True)
