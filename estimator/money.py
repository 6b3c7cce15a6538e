"""Decimal money helpers: the only places the core rounds (SPEC §3)."""

from __future__ import annotations

import math
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from fractions import Fraction

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal("100")


def round_cents(x: Decimal) -> Decimal:
    """Round half-up to whole cents."""
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def round_cents_exact(x: Fraction) -> Decimal:
    """Round an exact fraction half-up to whole cents: for results such as an amortized payment, where a
    28-digit Decimal would turn an exact half cent (804.005) into 804.00499... and round it down."""
    cents = math.floor(abs(x) * 100 + Fraction(1, 2))
    return (Decimal(cents if x >= 0 else -cents) / 100).quantize(CENT)


def floor_cents(x: Decimal) -> Decimal:
    """Round down to whole cents (package per-line shares, which are non-negative)."""
    return x.quantize(CENT, rounding=ROUND_DOWN)


def pct_of(amount: Decimal, pct: Decimal) -> Decimal:
    """`amount x pct / 100`, rounded half-up to cents."""
    return round_cents(amount * pct / HUNDRED)


def fmt_plain(x: Decimal) -> str:
    """A number without trailing zeros or exponent: Decimal("18.0") -> "18", Decimal("1E+2") -> "100"."""
    return f"{x.normalize():f}"


def usd_whole(amount: Decimal) -> str:
    """$400 rather than $400.00 for round figures quoted in sentences."""
    return f"${amount:,.0f}" if amount == amount.to_integral_value() else fmt_usd(amount)


def fmt_usd(x: Decimal) -> str:
    """Display form for people: "$1,234.50" (negative as "-$1,234.50")."""
    q = x.quantize(CENT, rounding=ROUND_HALF_UP)
    sign = "-" if q < 0 else ""
    return f"{sign}${abs(q):,.2f}"
