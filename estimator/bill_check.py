"""A bill against a Good Faith Estimate (No Surprises Act), and how long an estimate stays in force. Pure.

- 45 CFR 149.620: a self-pay patient may start patient-provider dispute resolution when the billed charges are at
  least $400 more than the Good Faith Estimate's total, within 120 calendar days of the bill's date. The
  threshold, the days, the fee and where to start (CMS) are reference values in data/reference.json.
- 45 CFR 149.610: a Good Faith Estimate for recurring services covers at most 12 months. An estimate is in force
  through the last day of the period it states (its `period_end`, which validation keeps within 12 months of its
  start); a document without a period is taken to run 12 months from the day it was issued.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from estimator.gfe import add_months, max_gfe_months
from estimator.reference import latest_decimal, reference


def dispute_threshold() -> Decimal:
    """How much more than the estimate a bill must be for a dispute ($400.00)."""
    return latest_decimal("gfe_dispute_threshold")


def dispute_days() -> int:
    """Calendar days after the bill's date to start a dispute (120)."""
    return int(latest_decimal("gfe_dispute_days"))


def dispute_fee() -> Decimal:
    return latest_decimal("gfe_dispute_fee")


def dispute_start_url() -> str:
    """Where a patient starts patient-provider dispute resolution (CMS), from the reference data."""
    values = reference().param("gfe_dispute_start_url").values
    return max(values, key=lambda v: v.year).value


@dataclass(frozen=True, slots=True)
class BillCheck:
    """A bill compared with a Good Faith Estimate's total."""

    estimate_total: Decimal
    billed_total: Decimal
    bill_date: dt.date
    over_by: Decimal  # billed - estimate (negative when the bill is lower)
    threshold: Decimal
    disputable: bool  # billed at least `threshold` more than the estimate
    deadline: dt.date | None  # last day to start a dispute (bill date + 120 days), when disputable
    where: str | None  # where to start it, when disputable
    fee: Decimal


def check_bill(estimate_total: Decimal, billed_total: Decimal, bill_date: dt.date) -> BillCheck:
    """Whether a bill of `billed_total` dated `bill_date` may be disputed against an estimate of `estimate_total`:
    at least $400.00 more ($399.99 more may not; $400.00 may), and if so by when and where."""
    if estimate_total < 0 or billed_total < 0:
        raise ValueError("amounts can't be negative")
    over = (billed_total - estimate_total).quantize(Decimal("0.01"))
    threshold = dispute_threshold()
    disputable = over >= threshold
    return BillCheck(
        estimate_total=estimate_total,
        billed_total=billed_total,
        bill_date=bill_date,
        over_by=over,
        threshold=threshold,
        disputable=disputable,
        deadline=bill_date + dt.timedelta(days=dispute_days()) if disputable else None,
        where=dispute_start_url() if disputable else None,
        fee=dispute_fee(),
    )


GfeStatus = Literal["current", "replaced", "expired"]


def gfe_in_force_until(issued_on: dt.date, period_end: dt.date | None) -> dt.date:
    """The last day a Good Faith Estimate is in force: the end of its own period, else 12 months from issue."""
    if period_end is not None:
        return period_end
    return add_months(issued_on, max_gfe_months()) - dt.timedelta(days=1)


def gfe_status(issued_on: dt.date, period_end: dt.date | None, replaced: bool, today: dt.date) -> GfeStatus:
    """A register entry's status on `today`: replaced (a newer version names it) before expired (its period is
    over) before current."""
    if replaced:
        return "replaced"
    return "expired" if today > gfe_in_force_until(issued_on, period_end) else "current"
