"""The Good Faith Estimate as a printout (No Surprises Act, 45 CFR 149.610): the required notices and the PDF, from
the details and itemized list of estimator.gfe. The dispute threshold, deadline and fee come from
data/reference.json."""

from __future__ import annotations

import datetime as dt

from estimator.documents.letterhead import Letterhead, draw_letterhead, end_note
from estimator.documents.pdf_layout import Column, Doc, day, render_pdf, usd
from estimator.gfe import (
    CMS_PHONE,
    CMS_URL,
    ClinicDetails,
    GfeError,
    GfeRequest,
    PatientDetails,
    course_fits_period,
    default_primary_service,
    gfe_ineligibility,
    gfe_items,
    gfe_total,
    max_gfe_months,
    recurring_scope,
)
from estimator.models import Scenario
from estimator.money import usd_whole
from estimator.reference import latest_decimal
from estimator.result import Result
from estimator.scenario_io import Problem
from estimator.wording import CRISIS_LINE, CRISIS_SHORT, DISCLAIMER, phase_label


def disclaimers() -> list[str]:
    """The required notices, with the dispute threshold, deadline and fee from the reference data."""
    threshold = usd_whole(latest_decimal("gfe_dispute_threshold"))
    days = int(latest_decimal("gfe_dispute_days"))
    fee = usd_whole(latest_decimal("gfe_dispute_fee"))
    return [
        "This Good Faith Estimate shows the costs of items and services that are reasonably expected for your health "
        "care needs for an item or service. The estimate is based on information known at the time the estimate "
        "was created.",
        "Additional items or services may be recommended as part of your care that are not included in this Good "
        "Faith Estimate; they must be scheduled or requested separately. The estimate does not include any unknown "
        "or unexpected costs that may arise during treatment. You could be charged more if complications or special "
        "circumstances occur.",
        "This is only an estimate: actual items, services or charges may differ from the Good Faith Estimate.",
        f"You have the right to start a patient-provider dispute resolution process if the actual billed charges are "
        f"at least {threshold} more than this Good Faith Estimate (for any provider or facility listed). You can "
        "first contact the provider or facility to tell them the bill is higher than the estimate, and ask them to "
        "update the bill, to negotiate, or whether financial help is available. "
        f"To use the dispute process you must start it within {days} calendar days (about 4 months) of the date on "
        f"the original bill, and there is a {fee} fee. If the agency reviewing your dispute agrees with you, you will "
        "pay the price on this Good Faith Estimate; if it agrees with the provider or facility, you will pay the "
        "higher amount.",
        "Starting a dispute resolution process will not adversely affect the quality of the health care items or "
        "services you receive.",
        "This Good Faith Estimate is not a contract and does not require you to obtain the items or services from "
        "any of the providers or facilities identified in it.",
        f"For questions, more information about your right to a Good Faith Estimate, or to start the dispute "
        f"process, visit {CMS_URL} or call {CMS_PHONE}.",
        "Keep a copy of this Good Faith Estimate in a safe place or take pictures of it: you may need it if you are "
        "billed a higher amount.",
    ]


def gfe_pdf(
    scenario: Scenario,
    result: Result,
    *,
    clinic: ClinicDetails,
    patient: PatientDetails,
    request: GfeRequest,
    made_on: dt.date,
    letterhead: Letterhead | None = None,
    number: str | None = None,
) -> bytes:
    """The Good Faith Estimate as a PDF; raises GfeError when the scenario is not self-pay or the period does not
    cover the course. A `letterhead` puts the clinic's logo, name and contact at the top, its name and phone in
    every page's footer and who to ask at the end. A `number` (the clinic's GFE register number) is printed under the
    estimate's date."""
    why_not = gfe_ineligibility(scenario)
    if why_not is not None:
        raise GfeError([Problem("coverage.kind", why_not)])
    problems = course_fits_period(result, request)
    if problems:
        raise GfeError(problems)
    items = gfe_items(scenario, result, request.diagnosis_codes)
    total = gfe_total(items)
    primary = request.primary_service or default_primary_service(scenario)
    dx = ", ".join(request.diagnosis_codes)

    def build(doc: Doc) -> None:
        if letterhead is not None:
            draw_letterhead(doc, letterhead)
        doc.title_block(
            "Good Faith Estimate for Health Care Items and Services",
            "For uninsured and self-pay patients, under the No Surprises Act (45 CFR 149.610)",
            size=15,
        )
        doc.para(
            "You have the right to receive a Good Faith Estimate explaining how much your medical care will cost. "
            "Under the law, health care providers need to give patients who don't have insurance or who are not "
            "using insurance an estimate of the bill for medical items and services."
        )
        numbered = [("Good Faith Estimate number", number)] if number else []
        doc.key_values([("Date of this estimate", day(made_on)), *numbered])

        doc.heading("Patient")
        doc.key_values([("Patient name", patient.name), ("Date of birth", day(patient.date_of_birth))])

        doc.heading("Total estimated cost")
        doc.callout(f"Expected total: {usd(total)}", fill=(226, 240, 232))

        doc.heading("Primary service")
        doc.key_values(
            [
                ("Primary item or service", primary),
                ("Scheduled date", day(request.scheduled_date)),
                ("Diagnosis codes (ICD-10-CM)", dx),
                ("Period of this estimate", f"{day(request.period_start)} to {day(request.period_end)}"),
            ]
        )

        doc.heading("Provider and location of care")
        pairs = [
            ("Provider / facility", clinic.name),
            ("NPI", clinic.npi),
            ("TIN", clinic.tin),
            ("Address", clinic.address),
            ("Location of care", clinic.location_of_care),
            ("State", clinic.state),
        ]
        if clinic.phone:
            pairs.append(("Phone", clinic.phone))
        doc.key_values(pairs)

        if result.totals.sessions > 1:
            doc.heading("Recurring services: expected scope")
            months = max_gfe_months()
            doc.para(
                f"Timeframe: {day(request.period_start)} to {day(request.period_end)}. "
                f"Total number of treatment sessions: {result.totals.sessions} "
                f"({result.totals.visits} visits in all). "
                f"One Good Faith Estimate covers recurring services for at most {months} months; care after "
                f"{day(request.period_end)} needs a new estimate."
            )
            doc.para("Frequency and number of sessions in each phase of the course:")
            doc.bullets(recurring_scope(result))

        doc.heading("Itemized estimate")
        rows = [
            [
                i.description,
                i.code,
                ", ".join(i.diagnosis_codes),
                str(i.quantity),
                f"{phase_label(i.phase)}: {i.when}",
                usd(i.expected_charge),
            ]
            for i in items
        ]
        rows.append(["Expected total", "", "", "", "", usd(total)])
        doc.table_rows(
            [
                Column("Service", weight=1.5),
                Column("Service code (CPT/HCPCS)", wrap=False),
                Column("Diagnosis codes (ICD-10-CM)", weight=0.6),
                Column("Qty", "RIGHT", wrap=False),
                Column("Date or frequency", weight=1.6),
                Column("Expected charge", "RIGHT", wrap=False),
            ],
            rows,
            bold_rows=[len(rows) - 1],
        )
        unit_note = "Quantity counts units"
        if any(ln.service == "spravato_drug" for s in result.sessions for ln in s.lines):
            unit_note += ": SPRAVATO is billed per 28 mg device, other services per visit"
        doc.para(f"{unit_note}. The expected charges add up to the expected total.", size=8, muted=True)

        doc.heading("Items or services to be scheduled separately")
        separate = request.separate_services
        doc.para(separate if separate else "None listed by the provider.")
        doc.para(
            "If other providers or facilities will be involved in your care, they may give you their own Good Faith "
            "Estimate. Items or services scheduled separately are not included in the expected total above.",
            muted=True,
        )

        doc.heading("Disclaimer")
        doc.bullets(disclaimers())

        doc.heading("Important")
        doc.para(DISCLAIMER)
        if letterhead is not None:
            end_note(doc, letterhead)
        doc.callout(CRISIS_LINE)

    footer = f"Good Faith Estimate dated {day(made_on)} · Questions: {CMS_URL} or {CMS_PHONE} · {CRISIS_SHORT}"
    if letterhead is not None and letterhead.footer_note():
        footer = f"{letterhead.footer_note()} · {footer}"
    return render_pdf(build, title="Good Faith Estimate", footer_text=footer, made_on=made_on)
