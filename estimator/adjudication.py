"""Insurance adjudication of one service line with per-plan-year accumulators (SPEC §4.3-4.4, §4.9)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from estimator.models import Coverage, ServiceRule, Tier
from estimator.money import ZERO, pct_of
from estimator.warning_log import WarningLog


def plan_year_of(day: dt.date, month: int, mday: int) -> dt.date:
    """Start of the plan year containing `day`: the latest month/mday on or before it."""
    start = dt.date(day.year, month, mday)
    return start if start <= day else dt.date(day.year - 1, month, mday)


def met_in_unstarted_plan_year(coverage: Coverage, start_date: dt.date, today: dt.date) -> dt.date | None:
    """The first session's plan year when it has not begun by `today` yet amounts already met are entered.

    The `*_met` inputs describe that plan year (SPEC §4.4), which usually starts at zero: amounts met in the
    current plan year are easily left in by a counselor re-quoting a course that starts after a rollover."""
    if coverage.kind == "self_pay":
        return None
    month, mday = coverage.plan_year_month_day
    first = plan_year_of(start_date, month, mday)
    if first <= plan_year_of(today, month, mday):
        return None
    met = [t.deductible_met + t.oop_met for t in (coverage.in_network, coverage.out_of_network) if t is not None]
    if coverage.family is not None:
        met.append(coverage.family.deductible_met + coverage.family.oop_met)
    if coverage.pharmacy is not None:
        met.append(coverage.pharmacy.deductible_met)
    return first if any(met) else None


@dataclass(slots=True)
class Accumulators:
    """What has accrued in one plan year: deductibles and out-of-pocket, per tier and family."""

    ded: dict[str, Decimal] = field(default_factory=dict)  # in, out, family, pharmacy
    oop: dict[str, Decimal] = field(default_factory=dict)  # in, out, family


@dataclass(slots=True)
class Share:
    """A covered line's cost share after the OOP cap, before any savings program."""

    allowed: Decimal
    write_off: Decimal
    balance_bill: Decimal
    deductible: Decimal
    copay: Decimal
    coinsurance: Decimal
    tier: str  # "in" or "out": whose OOP the share accrues to
    ded_pool: str  # "in", "out" or "pharmacy": whose deductible the deductible part accrues to
    oop_capped: bool  # False when neither the tier nor the family has an OOP maximum

    @property
    def total(self) -> Decimal:
        return self.deductible + self.copay + self.coinsurance


class Adjudicator:
    """Adjudicates lines in processing order, keeping each plan year's accumulators."""

    def __init__(self, coverage: Coverage, start_date: dt.date, warnings: WarningLog) -> None:
        self.cov = coverage
        self.month, self.mday = coverage.plan_year_month_day
        self.first_year = plan_year_of(start_date, self.month, self.mday)
        self.warnings = warnings
        self._years: dict[dt.date, Accumulators] = {}
        self._oop_warned: set[tuple[dt.date, str]] = set()
        self._prior_auth_warned = False
        self._no_info_warned: set[str] = set()
        self._units_left: dict[str, int] = {}  # authorized units per service, over the whole horizon (§4.9)
        self._units_warned: set[str] = set()
        # Family limits apply to the in-network tier only, and the pharmacy OOP is the in-network one: with no
        # in-network tier there is no cap at all (SPEC §4.4 steps 4, 6 and 7).
        fam = coverage.family
        fam_max = fam.oop_max if fam is not None and coverage.in_network is not None else None
        self._oop_limits: dict[str, tuple[Decimal | None, Decimal | None]] = {
            key: (tier.oop_max if tier is not None else None, fam_max if key == "in" else None)
            for key, tier in (("in", coverage.in_network), ("out", coverage.out_of_network))
        }

    # -- plan years and accumulators

    def plan_year(self, day: dt.date) -> dt.date:
        return plan_year_of(day, self.month, self.mday)

    def accumulators(self, year: dt.date) -> Accumulators:
        """The accumulators of a plan year (seeded with the `*_met` inputs for the first one)."""
        acc = self._years.get(year)
        if acc is None:
            acc = Accumulators()
            if year == self.first_year:
                self._seed(acc)
            self._years[year] = acc
        return acc

    def _seed(self, acc: Accumulators) -> None:
        """The `*_met` inputs describe the plan year containing the start date."""
        c = self.cov
        for key, tier in (("in", c.in_network), ("out", c.out_of_network)):
            if tier is not None:
                acc.ded[key] = tier.deductible_met
                acc.oop[key] = tier.oop_met
        if c.family is not None:
            acc.ded["family"] = c.family.deductible_met
            acc.oop["family"] = c.family.oop_met
        if c.pharmacy is not None:
            acc.ded["pharmacy"] = c.pharmacy.deductible_met

    def _tier(self, key: str) -> Tier | None:
        return self.cov.in_network if key == "in" else self.cov.out_of_network

    def ded_remaining(self, acc: Accumulators, pool: str) -> Decimal:
        """Deductible left in a pool; the in-network one honours an embedded or aggregate family."""
        if pool == "pharmacy":
            ph = self.cov.pharmacy
            assert ph is not None
            return ph.deductible - acc.ded.get("pharmacy", ZERO)
        tier = self._tier(pool)
        assert tier is not None
        own = tier.deductible - acc.ded.get(pool, ZERO)
        fam = self.cov.family
        if pool != "in" or fam is None:
            return own
        fam_left = fam.deductible - acc.ded.get("family", ZERO)
        return fam_left if fam.type == "aggregate" else min(own, fam_left)

    def oop_remaining(self, acc: Accumulators, tier_key: str) -> Decimal | None:
        """OOP maximum left for a tier (family included in network); None means no cap."""
        own_max, family_max = self._oop_limits[tier_key]
        own = None if own_max is None else own_max - acc.oop.get(tier_key, ZERO)
        if family_max is None:
            return own
        family = family_max - acc.oop.get("family", ZERO)
        return family if own is None else min(own, family)

    # -- one line

    def share(self, day: dt.date, acc: Accumulators, service: str, quantity: int, charge: Decimal) -> Share | None:
        """Steps 2-7 for one line on `day` (plan year `acc`): None when not covered (patient pays the charge)."""
        cov = self.cov
        if cov.kind == "self_pay":
            return None
        rule = cov.services.get(service)
        if rule is None:
            if service not in self._no_info_warned:
                self._no_info_warned.add(service)
                self.warnings.add("no_coverage_info", day, service=service)
            return None
        if not rule.covered:
            return None
        if rule.prior_auth and cov.prior_auth_until is not None and day > cov.prior_auth_until:
            if not self._prior_auth_warned:
                self._prior_auth_warned = True
                self.warnings.add("prior_auth_expired", day, until=cov.prior_auth_until)
            return None
        if rule.benefit == "pharmacy":
            if not self._take_units(service, rule, quantity, day):
                return None
            return self._pharmacy(acc, charge, rule.allowed, quantity)
        tier_key = rule.network or cov.network
        tier = self._tier(tier_key)
        if tier is None or not self._take_units(service, rule, quantity, day):
            return None
        write_off = balance_bill = ZERO
        if tier_key == "in":
            allowed = charge if rule.allowed is None else min(charge, rule.allowed * quantity)
            write_off = charge - allowed
        else:
            if rule.oon_allowed is None:
                allowed = pct_of(charge, tier.allowed_pct_of_charge)
            else:
                allowed = min(charge, rule.oon_allowed * quantity)
            balance_bill = charge - allowed
        ded = copay = coins = ZERO
        if rule.copay is not None and not rule.deductible_applies:
            copay = min(rule.copay, allowed)
        else:
            if rule.deductible_applies:
                ded = min(allowed, max(self.ded_remaining(acc, tier_key), ZERO))
            if rule.copay is not None:
                copay = min(rule.copay, allowed - ded)
            else:
                coins = pct_of(allowed - ded, tier.coinsurance_pct)
        return self._cap(acc, Share(allowed, write_off, balance_bill, ded, copay, coins, tier_key, tier_key, False))

    def _take_units(self, service: str, rule: ServiceRule, quantity: int, day: dt.date) -> bool:
        """Authorized units (SPEC §4.9): False when the line needs more than are left, which uses them all up."""
        if rule.auth_units is None:
            return True
        left = self._units_left.get(service, rule.auth_units)
        if quantity <= left:
            self._units_left[service] = left - quantity
            return True
        self._units_left[service] = 0
        if service not in self._units_warned:  # the first line that does not fit; once per service
            self._units_warned.add(service)
            self.warnings.add(
                "prior_auth_units_exhausted", day, service=service, units=rule.auth_units, needed=quantity, left=left
            )
        return False

    def _pharmacy(self, acc: Accumulators, charge: Decimal, allowed_rate: Decimal | None, quantity: int) -> Share:
        """Step 6: pharmacy benefit, always in network; one combined OOP with the medical in-network tier."""
        ph = self.cov.pharmacy
        assert ph is not None
        allowed = charge if allowed_rate is None else min(charge, allowed_rate * quantity)
        pool = "in" if ph.integrated_deductible else "pharmacy"
        ded = min(allowed, max(self.ded_remaining(acc, pool), ZERO))
        copay = coins = ZERO
        if ph.copay is not None:
            copay = min(ph.copay, allowed - ded)
        else:
            coins = pct_of(allowed - ded, ph.coinsurance_pct)
            if ph.max_per_fill is not None:
                coins = min(coins, ph.max_per_fill)
        return self._cap(acc, Share(allowed, charge - allowed, ZERO, ded, copay, coins, "in", pool, False))

    def _cap(self, acc: Accumulators, s: Share) -> Share:
        """Step 7: limit the share to the OOP remaining, deductible part first."""
        remaining = self.oop_remaining(acc, s.tier)
        if remaining is None:
            return s
        s.oop_capped = True
        remaining = max(remaining, ZERO)
        if s.total > remaining:
            s.deductible = min(s.deductible, remaining)
            rest = remaining - s.deductible
            if s.copay > 0:
                s.copay, s.coinsurance = rest, ZERO
            else:
                s.copay, s.coinsurance = ZERO, rest
        return s

    def accrue(self, acc: Accumulators, s: Share, paid: Decimal | None) -> None:
        """Step 9: add to the accumulators; `paid` limits accrual for copay-accumulator programs."""
        ded, oop = s.deductible, s.total
        if paid is not None:
            oop = paid
            ded = min(ded, paid)
        acc.ded[s.ded_pool] = acc.ded.get(s.ded_pool, ZERO) + ded
        if s.ded_pool == "in" and self.cov.family is not None:
            acc.ded["family"] = acc.ded.get("family", ZERO) + ded
        if self._tier(s.tier) is not None:
            acc.oop[s.tier] = acc.oop.get(s.tier, ZERO) + oop
        if s.tier == "in" and self.cov.family is not None:
            acc.oop["family"] = acc.oop.get("family", ZERO) + oop

    def oop_reached(self, acc: Accumulators, tier_key: str) -> bool:
        """True when the tier's OOP remaining (family included) is 0 in that plan year."""
        remaining = self.oop_remaining(acc, tier_key)
        return remaining is not None and remaining <= 0

    def warn_if_oop_reached(self, day: dt.date, year: dt.date, acc: Accumulators, tier_key: str) -> None:
        """Warn `oop_max_reached` the first time a plan year's OOP remaining for a tier hits 0."""
        if (year, tier_key) in self._oop_warned or not self.oop_reached(acc, tier_key):
            return
        self._oop_warned.add((year, tier_key))
        self.warnings.add("oop_max_reached", day, network=tier_key, plan_year=year)
