"""Payment plans: a fixed monthly payment on an amortized loan (SPEC §4.6)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from estimator.money import ZERO, fmt_usd, round_cents, round_cents_exact


@dataclass(frozen=True, slots=True)
class FinancingResult:
    principal: Decimal
    monthly_payment: Decimal
    total_interest: Decimal


def amortize(principal: Decimal, apr_pct: Decimal, months: int) -> FinancingResult:
    """Monthly payment `P r / (1 - (1+r)^-n)` with r = APR/1200 (P/n at 0 %), and the interest it costs.

    Worked in exact fractions and rounded half-up once (SPEC §3): APR/1200 has no finite decimal form."""
    p, r = Fraction(principal), Fraction(apr_pct) / 1200
    if r == 0:
        payment = round_cents_exact(p / months)
    else:
        growth = (1 + r) ** months
        payment = round_cents_exact(p * r * growth / (growth - 1))
    interest = max(payment * months - principal, ZERO)
    return FinancingResult(principal, payment, round_cents(interest))


def total_repaid(result: FinancingResult, apr_pct: Decimal, months: int) -> Decimal:
    """What the plan repays: the payments, except at 0 % APR, where the last payment settles the rounding (see
    `interest_words`) so exactly the amount financed is repaid."""
    return result.principal if apr_pct == 0 else result.monthly_payment * months


def interest_words(result: FinancingResult, apr_pct: Decimal, months: int) -> str:
    """The interest for people. At 0 % APR there is none: SPEC §4.6's `payment x n - P` then holds only the
    cents lost rounding the payment, which a lender settles on the last payment, so that is what is said."""
    if apr_pct != 0:
        return fmt_usd(result.total_interest)
    gap = result.monthly_payment * months - result.principal
    if gap == 0:
        return "none (0\u00a0% APR)"
    side = "less" if gap > 0 else "more"
    return f"none (0\u00a0% APR); the last payment is usually {fmt_usd(abs(gap))} {side} to settle the rounding"
