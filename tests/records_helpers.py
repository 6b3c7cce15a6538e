"""Shared by the tests of the clinic store and records (issues 18-19): the test clinic's setup (with a logo), a
clock tests move by hand, cheap password hashing, a store holding the example clinic with an admin and a
counselor, and generated patients."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import random
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher

from clinic.clinic_file import setup_from_json
from clinic.records import ClinicRecords
from clinic.records_common import Account
from clinic.signin_policy import SignInPolicy
from clinic.store import ClinicStore, SetupItem
from estimator.scenario_io import scenario_from_data
from tests.conftest import ROOT

SETUP_FILE = ROOT / "tests" / "data" / "clinic_setup.json"
CLINIC = "Lakeside Ketamine & SPRAVATO Clinic"
PASSWORD = "correct horse battery"
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # tests only: argon2id, cheap
POLICY = SignInPolicy(slow_after=3, lock_after=5, lock_minutes=15)


def _logo() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (300, 100), (255, 255, 255))
    ImageDraw.Draw(image).ellipse((5, 5, 95, 95), fill=(30, 110, 160))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def store_setup_with_logo(url: str) -> None:
    """The test clinic's setup file, its details given a logo, imported into the store at `url`."""
    setup = setup_from_json(SETUP_FILE.read_bytes())
    clinic = setup.clinic.content.model_copy(update={"logo_png": _logo()})
    ClinicStore.open(url).import_setup(dataclasses.replace(setup, clinic=SetupItem(clinic)))


class Clock:
    """A UTC clock that moves only when told."""

    def __init__(self, start: dt.datetime = dt.datetime(2026, 12, 14, 9, 0, tzinfo=dt.UTC)) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


@dataclass
class Clinic:
    records: ClinicRecords
    clock: Clock
    admin: Account
    counselor: Account
    store: ClinicStore


def open_clinic(url: str) -> Clinic:
    store = ClinicStore.open(url)
    store.import_setup(setup_from_json(SETUP_FILE.read_bytes()))
    clock = Clock()
    records = ClinicRecords.open(url, clock=clock, policy=POLICY, hasher=FAST_HASHER)
    admin = records.accounts.create_first_admin("admin", "Avery Admin", PASSWORD)
    counselor = records.accounts.create_account(admin, "dana", "Dana Whitfield", "counselor", PASSWORD)
    return Clinic(records, clock, admin, counselor, store)


FEES = [
    {"service": "consult", "code": "99205", "charge": "350"},
    {"service": "iv_infusion", "code": "96365+J3490", "charge": "550"},
    {"service": "spravato_drug", "code": "J0013", "charge": "375"},
    {"service": "spravato_observation", "code": "99215+99415+99416", "charge": "300"},
    {"service": "therapy", "code": "90837", "charge": "180"},
]


def self_pay(start: str = "2026-12-21", weeks: int = 4) -> Any:
    """Six IV infusions over three weeks, self-pay (a Good Faith Estimate applies)."""
    return scenario_from_data(
        {
            "version": 2,
            "start_date": start,
            "horizon_weeks": weeks,
            "protocol": {"type": "iv_ketamine"},
            "fees": FEES,
            "coverage": {"kind": "self_pay"},
        }
    )


def mid_course(rng: random.Random, i: int) -> Any:
    """A patient mid-course on 2027-01-01: SPRAVATO or IV boosters started in 2026, commercial with amounts met
    (family and pharmacy too), or self-pay."""
    start = dt.date(2026, 3, 2) + dt.timedelta(days=rng.randrange(0, 240))
    if rng.random() < 0.5:
        protocol: dict[str, Any] = {
            "type": "spravato",
            "week9_every_weeks": rng.choice([1, 2]),
            "start_session": rng.choice([1, 1, 5, 13]),
            "per_session": rng.choice([[], ["therapy"]]),
        }
    else:
        protocol = {"type": "iv_ketamine", "booster_every_weeks": rng.choice([2, 4, 6]), "once": ["consult"]}
    if i % 5 == 4:
        coverage: dict[str, Any] = {"kind": "self_pay"}
    else:
        ded = rng.choice([500, 1500, 3400])
        coverage = {
            "kind": "commercial",
            "in_network": {
                "deductible": ded,
                "deductible_met": rng.choice([0, ded // 2, ded]),
                "coinsurance_pct": rng.choice([10, 20, 30]),
                "oop_max": 8500,
                "oop_met": rng.choice([0, 1200, 4000]),
            },
            "pharmacy": {"deductible": 500, "deductible_met": rng.choice([0, 250]), "coinsurance_pct": 25},
            "family": {
                "type": "embedded",
                "deductible": 6800,
                "deductible_met": rng.choice([0, 2000]),
                "oop_max": 17000,
            },
            "services": {
                "spravato_drug": {"covered": True, "benefit": "pharmacy"},
                "spravato_observation": {"covered": True, "allowed": "280"},
                "iv_infusion": {"covered": rng.random() < 0.5},
            },
        }
    return scenario_from_data(
        {
            "version": 2,
            "name": f"generated {i}",
            "start_date": start.isoformat(),
            "horizon_weeks": rng.choice([26, 52]),
            "protocol": protocol,
            "fees": FEES,
            "packages": [{"service": "therapy", "sessions": 10, "price": "1500"}] if rng.random() < 0.3 else [],
            "coverage": coverage,
        }
    )
