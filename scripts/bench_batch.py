"""Batch benchmark: 10,000 generated rows through the batch core, wall time and peak memory.

Run: `.venv/bin/python scripts/bench_batch.py [ROWS]`. Prints figures; asserts nothing (SPEC §6:
quality bars are measured by scripts, never by timed unit tests). Rows are streamed: each row's
Result is dropped once its summary row is written, so memory stays flat as the row count grows.
"""

from __future__ import annotations

import io
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from estimator.documents.exports import write_csv
from estimator.workflows.batch import stream_results_csv
from estimator.workflows.batch_input import INPUT_COLUMNS, decode_csv, example_price_list, read_rows

COURSES = ["iv6", "iv6_boosters", "spravato_6m", "spravato_1y", "spravato_mdsi", "custom"]
KINDS = ["commercial", "commercial", "commercial", "medicare", "medicaid", "self_pay"]
PLAN_FOR_KIND = {"commercial": "ppo_copays", "medicare": "medicare_medigap_g", "medicaid": "medicaid", "self_pay": ""}


def generate(n: int, seed: int = 20260301) -> str:
    """A mixed CSV: every course, kind and network, plan years starting across the year, ~2 % bad rows."""
    rnd = random.Random(seed)
    rows: list[dict[str, object]] = []
    for i in range(n):
        kind = rnd.choice(KINDS)
        deductible = rnd.choice([0, 500, 1500, 1700, 3000, 283])
        oop_max = rnd.choice(["", "6000", "8500", "10600"]) if kind != "medicare" else ""
        row: dict[str, object] = {
            "patient_ref": f"P{i:05d}",
            "course_preset": rnd.choice(COURSES),
            "start_date": f"2026-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}",
            "coverage_kind": kind,
            "network": rnd.choice(["in", "in", "out"]),
            "deductible": deductible,
            "deductible_met": rnd.choice([0, deductible // 2, deductible]),
            "coinsurance_pct": rnd.choice([0, 10, 20, 30, 40]),
            "oop_max": oop_max,
            "oop_met": rnd.choice([0, 100, 400]) if oop_max else 0,
            "plan_year_start": rnd.choice(["01-01", "01-01", "07-01", "10-01"]),
            "savings_program": rnd.choice(["yes", "no"]),
            # version 2 columns: a course under way, where the patient lives, the plan's per-service coverage
            "start_session": rnd.choice(["", "", "9", "19"]),
            "patient_state": rnd.choice(["", "CA", "MI", "ny"]),
            "plan_preset": rnd.choice(["", PLAN_FOR_KIND[kind]]),
        }
        if row["course_preset"] in ("custom", "spravato_mdsi", "iv6"):
            row["start_session"] = ""  # only courses that go on have a session 9 or 19
        if rnd.random() < 0.3:  # the forms a spreadsheet saves dates in
            day = row["start_date"]
            row["start_date"] = f"{int(day[5:7])}/{int(day[8:10])}/{day[:4]}"
            row["plan_year_start"] = {"01-01": "1-Jan", "07-01": "Jul-01", "10-01": "1-Oct"}[row["plan_year_start"]]
        if rnd.random() < 0.02:  # a bad row: the batch must keep it with an error
            row[rnd.choice(["start_date", "deductible", "course_preset"])] = rnd.choice(["2026-02-30", "abc", "-5"])
        rows.append(row)
    return write_csv(INPUT_COLUMNS, rows)


class _Sink(io.TextIOBase):
    """Counts what would be written (stands in for stdout)."""

    def __init__(self) -> None:
        self.chars = 0

    def write(self, s: str) -> int:
        self.chars += len(s)
        return len(s)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def run(n: int) -> None:
    text = generate(n)
    raw = text.encode("utf-8")
    prices = example_price_list()
    print(f"rows: {n:,}  input: {len(raw) / 1e6:.2f} MB")
    rss_start = _rss_mb()
    marks: list[tuple[int, float]] = []

    def progress(done: int, total: int) -> None:
        if done in (total // 10, total // 2, total):
            marks.append((done, _rss_mb()))

    t0 = time.perf_counter()
    parsed = read_rows(decode_csv(raw)[0])
    t1 = time.perf_counter()
    sink = _Sink()
    good, bad = stream_results_csv(parsed.rows, prices, sink, progress)
    t2 = time.perf_counter()
    print(f"parse:    {t1 - t0:6.2f} s")
    print(f"estimate: {t2 - t1:6.2f} s  ({(t2 - t1) / max(n, 1) * 1e3:.3f} ms/row)")
    print(f"total:    {t2 - t0:6.2f} s wall  (target < 15 s on 2 cores)")
    print(f"rows out: {good + bad:,} ({good:,} estimated, {bad:,} with errors), CSV {sink.chars / 1e6:.2f} MB")
    print(f"peak RSS: start {rss_start:.1f} MB, " + ", ".join(f"after {d:,} rows {m:.1f} MB" for d, m in marks))


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
