"""Exports that are pure functions of a result: schedule CSV (formula-injection safe) and calendar .ics."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from estimator.result import Result
from estimator.wording import NETWORKS

# What a spreadsheet may read as the start of a formula, full-width forms included (some read ＝ as =).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# Line breaks inside a cell become spaces; other control characters go (a leading NUL hid a formula start from
# the check below, and LibreOffice then computed it).
_CONTROLS = (*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F, *range(0x80, 0x85), *range(0x86, 0xA0))  # tab stays
_CELL_TEXT = str.maketrans(dict.fromkeys("\r\n\x0b\x0c\x85\u2028\u2029", " ") | dict.fromkeys(map(chr, _CONTROLS)))


def csv_safe(value: object) -> str:
    """A text cell that a spreadsheet will neither run as a formula (a quote is put before a formula start) nor
    split into rows (line breaks inside become spaces: a bare CR is not quoted by the csv module, and a reader
    that splits on it would start a new row with whatever follows); control characters are left out. Every CSV
    writer goes through this."""
    raw = "" if value is None else str(value)
    text = raw.translate(_CELL_TEXT)
    return "'" + text if raw.startswith(_FORMULA_START) or text.startswith(_FORMULA_START) else text


SCHEDULE_COLUMNS = [
    "date",
    "phase",
    "service",
    "code",
    "quantity",
    "charge",
    "allowed",
    "insurance_pays",
    "program_pays",
    "you_pay",
    "deductible",
    "copay",
    "coinsurance",
    "balance_bill",
    "write_off",
    "covered",
    "network",
    "plan_year",
    "running_total_you_pay",
]


def schedule_rows(result: Result) -> list[dict[str, object]]:
    """One row per service line with a running total of what the patient pays."""
    running = Decimal("0.00")
    rows: list[dict[str, object]] = []
    for s in result.sessions:
        for ln in s.lines:
            running += ln.patient_pays
            rows.append(
                {
                    "date": s.date.isoformat(),
                    "phase": s.phase,
                    "service": ln.service,
                    "code": ln.code,
                    "quantity": ln.quantity,
                    "charge": ln.charge,
                    "allowed": ln.allowed,
                    "insurance_pays": ln.plan_pays,
                    "program_pays": ln.program_pays,
                    "you_pay": ln.patient_pays,
                    "deductible": ln.deductible,
                    "copay": ln.copay,
                    "coinsurance": ln.coinsurance,
                    "balance_bill": ln.balance_bill,
                    "write_off": ln.write_off,
                    "covered": "yes" if ln.covered else "no",
                    "network": NETWORKS.get(ln.network or "", ""),
                    "plan_year": ln.plan_year.isoformat(),
                    "running_total_you_pay": running,
                }
            )
    return rows


def write_csv(columns: list[str], rows: list[dict[str, object]]) -> str:
    """CSV text; text cells are neutralized against formula injection, numbers written plainly."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(
            [
                v if isinstance(v, (int, Decimal)) and not isinstance(v, bool) else csv_safe(v)
                for v in (row.get(c, "") for c in columns)
            ]
        )
    return out.getvalue()


def schedule_csv(result: Result) -> str:
    return write_csv(SCHEDULE_COLUMNS, schedule_rows(result))


def sessions_ics(result: Result, clinic_name: str = "", now: dt.datetime | None = None) -> bytes:
    """An iCalendar file with one all-day event per visit; no patient details are put in it."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//Ketamine & SPRAVATO cost estimator//EN")
    cal.add("version", "2.0")
    stamp = now or dt.datetime.now(dt.UTC)
    by_day: dict[dt.date, list[str]] = {}
    for s in result.sessions:
        by_day.setdefault(s.date, []).append(s.phase)
    for i, (day, phases) in enumerate(sorted(by_day.items())):
        ev = Event()
        where = f" at {clinic_name}" if clinic_name else ""
        ev.add("summary", f"Treatment visit{where} ({', '.join(phases)})")
        ev.add("dtstart", day)
        ev.add("dtend", day + dt.timedelta(days=1))
        ev.add("dtstamp", stamp)
        ev.add("uid", f"{day.isoformat()}-{i}@estimator.local")
        ev.add(
            "description",
            "Planned session from your cost estimate. Arrange a ride home if the visit includes "
            "ketamine or SPRAVATO: no driving until the next day after SPRAVATO.",
        )
        cal.add_component(ev)
    return cal.to_ical()
