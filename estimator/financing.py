"""Payment plans: a fixed monthly payment on an amortized loan (SPEC §4.6)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from estimator.money import ZERO, round_cents


@dataclass(frozen=True, slots=True)
class FinancingResult:
    principal: Decimal
    monthly_payment: Decimal
    total_interest: Decimal


def amortize(principal: Decimal, apr_pct: Decimal, months: int) -> FinancingResult:
    """Monthly payment `P r / (1 - (1+r)^-n)` with r = APR/1200 (P/n at 0 %), and the interest it costs."""
    r = apr_pct / Decimal(1200)
    if r == 0:
        payment = round_cents(principal / months)
    else:
        payment = round_cents(principal * r / (1 - (1 + r) ** -months))
    interest = max(payment * months - principal, ZERO)
    return FinancingResult(principal, payment, round_cents(interest))
