"""Small wording helpers shared by the core's messages, the printouts and the pages."""

from __future__ import annotations

from decimal import Decimal

from estimator.money import fmt_plain


def count(n: int, noun: str) -> str:
    """1 session, 2 sessions (nouns here all take a plain -s)."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def pct(value: Decimal) -> str:
    """20 %, with a no-break space so a line never ends between the number and its sign."""
    return f"{fmt_plain(value)}\u00a0%"
