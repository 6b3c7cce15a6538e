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
    lines, packages = list(lines), list(packages)
    unit = {f.service: f.charge for f in fees}
    shares = {p.service: iter(package_shares(p)) for p in packages}
    packaged = package_flags((service for service, _ in lines), packages)
    return [
        next(shares[service]) if in_package else round_cents(unit[service] * quantity)
        for (service, quantity), in_package in zip(lines, packaged, strict=True)
    ]


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
