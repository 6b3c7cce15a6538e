"""Small wording helpers shared by the core's messages, the printouts and the pages."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from decimal import Decimal

from estimator.money import fmt_plain


def count(n: int, noun: str) -> str:
    """1 session, 2 sessions (nouns here all take a plain -s)."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def pct(value: Decimal) -> str:
    """20 %, with a no-break space so a line never ends between the number and its sign."""
    return f"{fmt_plain(value)}\u00a0%"


def fmt_day(d: dt.date) -> str:
    """A date for people, the same on the pages and the printouts: "Jan 4, 2027"."""
    return f"{d:%b} {d.day}, {d.year}"


def join_words(items: Sequence[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# Characters that reorder the text shown around them (a name can make a printed line read differently): left out
# of user text on the terminal and in printouts.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def printable(text: str) -> str:
    """User text for a terminal: control characters (escape sequences, NUL, bell) and bidirectional overrides
    left out, so a scenario's name can't move the cursor, clear the screen or reorder what is printed."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cc" and ch not in BIDI_CONTROLS)


def clean_text(value: object, *, multiline: bool = False) -> str:
    """Printable plain text: NFC, no control or bidi-override characters; one line unless `multiline`."""
    text = unicodedata.normalize("NFC", "" if value is None else str(value))
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    text = "".join(
        ch
        for ch in text
        if ch == "\n" or (unicodedata.category(ch) != "Cc" and ch not in BIDI_CONTROLS and ch != "\u00ad")
    )
    if not multiline:
        return " ".join(text.split())
    lines = [ln.rstrip() for ln in text.split("\n")]
    out: list[str] = []
    for ln in lines:
        if ln or (out and out[-1]):
            out.append(ln)
    return "\n".join(out).strip("\n")
