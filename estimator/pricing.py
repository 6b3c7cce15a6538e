"""A line's charge from the clinic's price list and packages (SPEC §4.2)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from estimator.models import Fee, Package
from estimator.money import floor_cents, round_cents


def package_shares(package: Package) -> list[Decimal]:
    """Per-line charges of a package: even floor-to-cent shares, the last taking the remainder."""
    share = floor_cents(package.price / package.sessions)
    return [share] * (package.sessions - 1) + [package.price - share * (package.sessions - 1)]


def line_charges(lines: Iterable[tuple[str, int]], fees: Iterable[Fee], packages: Iterable[Package]) -> list[Decimal]:
    """Charges for lines given in processing order: package shares first, then unit fee x quantity."""
    unit = {f.service: f.charge for f in fees}
    pending = {p.service: package_shares(p) for p in packages}
    used = dict.fromkeys(pending, 0)
    charges: list[Decimal] = []
    for service, quantity in lines:
        shares = pending.get(service)
        if shares is not None and used[service] < len(shares):
            charges.append(shares[used[service]])
            used[service] += 1
        else:
            charges.append(round_cents(unit[service] * quantity))
    return charges


def package_flags(services: Iterable[str], packages: Iterable[Package]) -> list[bool]:
    """For lines in processing order: whether each is charged a package share (the first `sessions` lines of a
    packaged service), so printouts can say why a line's charge is not the unit fee."""
    left = {p.service: p.sessions for p in packages}
    flags = []
    for service in services:
        n = left.get(service, 0)
        flags.append(n > 0)
        if n > 0:
            left[service] = n - 1
    return flags
