"""Rollover benchmark (issue 19): re-quote N patients mid-course (default 5,000) for a new plan year on SQLite.

Run: `.venv/bin/python scripts/bench_rollover.py [N ...]` (also from `./dev bench`). For each N, a fresh SQLite
file gets N patients, each with a saved quote (generated from 60 mixed scenarios: SPRAVATO and IV boosters,
commercial with amounts met, self-pay); then a child process runs `ClinicRecords.rollover.run` and reports its
wall time and its peak memory (VmHWM from /proc/self/status: the child holds only the rollover). Target: under
60 s for 5,000 on 2 cores, and a peak that does not grow with N (the work is streamed in batches). Prints figures,
asserts nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from argon2 import PasswordHasher  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from clinic.clinic_file import setup_from_json  # noqa: E402
from clinic.orm import PatientRow, QuoteRow  # noqa: E402
from clinic.patients import clinic_id  # noqa: E402
from clinic.quotes import QuoteTotals, stored_scenario  # noqa: E402
from clinic.records import ClinicRecords  # noqa: E402
from clinic.records_common import Account  # noqa: E402
from clinic.store import ClinicStore  # noqa: E402
from estimator.engine import estimate  # noqa: E402
from tests.records_helpers import CLINIC, SETUP_FILE, mid_course  # noqa: E402

PLAN_YEAR = dt.date(2027, 1, 1)
PASSWORD = "benchmark password"
_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # setting up only; not what is measured


def populate(url: str, n: int) -> None:
    """N patients with one quote each, inserted in bulk (the quotes' totals computed once per distinct scenario)."""
    ClinicStore.open(url).import_setup(setup_from_json(SETUP_FILE.read_bytes()))
    records = ClinicRecords.open(url, hasher=_HASHER)
    admin = records.accounts.create_first_admin("admin", "Bench Admin", PASSWORD)
    rng = random.Random(2027)
    kinds = []
    for i in range(60):
        scenario = mid_course(rng, i)
        kinds.append((stored_scenario(scenario), QuoteTotals.of(estimate(scenario)).as_json()))
    now = dt.datetime.now(dt.UTC)
    with Session(records.engine) as session, session.begin():
        clinic = clinic_id(session, CLINIC)
        for start in range(0, n, 1000):
            rows = [
                {
                    "clinic_id": clinic,
                    "reference": f"P{i:06d}",
                    "reference_key": f"p{i:06d}",
                    "name": f"Bench Patient {i}",
                    "name_key": f"bench patient {i}",
                    "date_of_birth": dt.date(1980, 1, 1),
                    "active": True,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(start, min(n, start + 1000))
            ]
            session.execute(insert(PatientRow), rows)
        ids = [r[0] for r in session.execute(PatientRow.__table__.select().with_only_columns(PatientRow.id))]
        for start in range(0, len(ids), 1000):
            quotes = []
            for pid in ids[start : start + 1000]:
                scenario, totals = kinds[pid % len(kinds)]
                quotes.append(
                    {
                        "patient_id": pid,
                        "quote_number": 1,
                        "version": 1,
                        "scenario": scenario,
                        "totals": totals,
                        "reason": "saved",
                        "saved_by": admin.id,
                        "saved_at": now,
                    }
                )
            session.execute(insert(QuoteRow), quotes)


def vm_hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(url: str) -> None:
    """The measured part: one rollover run over every patient, then wall time and peak memory as JSON."""
    records = ClinicRecords.open(url, hasher=_HASHER)
    admin = records.accounts.authenticate("admin", PASSWORD)
    assert isinstance(admin, Account), admin
    before = vm_hwm_mb()
    t = time.perf_counter()
    summary = records.rollover.run(admin, CLINIC, PLAN_YEAR)
    wall = time.perf_counter() - t
    csv_bytes = len(summary.csv())
    print(
        json.dumps(
            {
                "wall_s": wall,
                "requoted": len(summary.lines),
                "skipped": len(summary.skipped),
                "hwm_before_mb": before,
                "hwm_mb": vm_hwm_mb(),
                "csv_bytes": csv_bytes,
            }
        )
    )


def bench(n: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-rollover-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'clinic.sqlite3'}"
        t = time.perf_counter()
        populate(url, n)
        setup = time.perf_counter() - t
        out = subprocess.run(
            [sys.executable, __file__, "--child", url], cwd=ROOT, capture_output=True, text=True, check=False
        )
        if out.returncode != 0:
            print(f"rollover, {n:,} patients: failed\n{out.stderr}")
            return
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"rollover, {n:,} patients on SQLite (setup {setup:.1f} s, not counted): {r['wall_s']:.1f} s wall "
            f"({n / r['wall_s']:.0f} patients/s; target < 60 s for 5,000), {r['requoted']:,} re-quoted and "
            f"{r['skipped']:,} skipped; child peak memory {r['hwm_mb']:.0f} MB "
            f"({r['hwm_before_mb']:.0f} MB before the run; flat across N when streamed)"
        )


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
        return
    for n in [int(a) for a in sys.argv[1:]] or [1_000, 5_000]:
        bench(n)


if __name__ == "__main__":
    main()
