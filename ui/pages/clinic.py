"""Clinic page (issue 18): the clinic's setup as its financial counselors keep it: the clinic's details and logo,
its price lists and its payer coverage templates, kept in the clinic store (`clinic`), and its setup file in and
out. No patient data is entered or shown here.

Every save names the version it started from: when someone else saved in between, both versions are shown side by
side and the counselor chooses which to keep. Nothing is deleted, only archived. Typed text is shown only in
widgets, tables or escaped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import streamlit as st

from clinic.clinic_file import MAX_FILE_BYTES, setup_from_json, setup_to_json
from clinic.db import URL_VARIABLE, describe_database
from clinic.profile import ClinicProfile
from clinic.store import SetupInvalid, StoreError
from estimator.clinic_setup import ClinicPriceList, PayerTemplate
from ui.clinic_forms import Editor, pick, reset
from ui.clinic_sections import clinic_form, price_list_form, template_form
from ui.clinic_state import CLINIC_KEY, chosen_clinic, setup_may_exist, store
from ui.common import page_footer, page_header, plain, refused_file_hint, sentence
from ui.errors import where
from ui.signin import guard_setup

LOG = logging.getLogger("estimator.app")
ss = st.session_state
FILE_BOX_MB = MAX_FILE_BYTES // 1_000_000
IMPORT = "clinic_import"
REPORT = "_clinic_import_report"  # (file id, clinic name or None, lines)


def _where_kept() -> bool:
    """Where the setup is kept, and how to keep it elsewhere; False when the database can't be reached."""
    if not setup_may_exist():
        place = plain(describe_database()) + " (created when you save the first clinic or import a clinic file)"
    else:
        try:
            place = plain(store().location)
        except Exception as error:  # an unreachable server or an unwritable file: said plainly, never a traceback
            LOG.error("clinic store: %s", where(error))
            st.error(
                plain(
                    f"The clinic database can't be opened: {describe_database()}. Check that it is running and "
                    f"that {URL_VARIABLE} names it correctly, then reload the page."
                ),
                icon=":material/database:",
            )
            return False
    st.caption(f"Kept in the {place}.")
    st.caption(
        "To keep it in PostgreSQL instead (one setup shared by several computers), start the app with "
        f"`{URL_VARIABLE}=postgresql://user:password@host/database` set."
    )
    return True


def _editors(clinic: str | None) -> tuple[Editor, Editor, Editor]:
    """The page's three editors over the store (nothing is opened until it is needed)."""

    def listing(kind: str) -> Callable[[bool], list[Any]]:
        def run(archived: bool) -> list[Any]:
            if not setup_may_exist() or (kind != "clinics" and clinic is None):
                return []
            s = store()
            return s.list_clinics(archived) if kind == "clinics" else getattr(s, f"list_{kind}")(clinic, archived)

        return run

    details = Editor(
        "cl",
        "clinic",
        ClinicProfile,
        None,
        listing("clinics"),
        lambda c, v, rename_from=None: store().save_clinic(c, v, rename_from=rename_from),
        lambda n, a, v: store().set_clinic_archived(n, a, v),
    )
    prices = Editor(
        "pl",
        "price list",
        ClinicPriceList,
        clinic,
        listing("price_lists"),
        lambda c, v, rename_from=None: store().save_price_list(clinic, c, v, rename_from=rename_from),
        lambda n, a, v: store().set_price_list_archived(clinic, n, a, v),
    )
    templates = Editor(
        "pt",
        "payer template",
        PayerTemplate,
        clinic,
        listing("payer_templates"),
        lambda c, v, rename_from=None: store().save_payer_template(clinic, c, v, rename_from=rename_from),
        lambda n, a, v: store().set_payer_template_archived(clinic, n, a, v),
    )
    return details, prices, templates


def _import() -> None:
    """A clinic file chosen in the import box: read, imported, reported; the forms load afresh."""
    upload = ss.get(IMPORT)
    if upload is None:
        ss.pop(REPORT, None)
        return
    try:
        if upload.size > MAX_FILE_BYTES:
            raise SetupInvalid([])
        setup = setup_from_json(upload.getvalue())
        lines = store().import_setup(setup)
    except SetupInvalid as e:
        problems = [str(p) for p in e.problems] or [f"the file is larger than {FILE_BOX_MB} MB"]
        ss[REPORT] = (upload.file_id, None, problems)
        return
    except StoreError as e:
        ss[REPORT] = (upload.file_id, None, [str(e)])
        return
    name = setup.clinic.content.name
    ss[REPORT] = (upload.file_id, name, lines)
    ss[CLINIC_KEY] = name
    for prefix in ("cl", "pl", "pt"):
        reset(prefix)


def _files(clinic: str | None) -> None:
    st.subheader("4. Clinic file in and out")
    st.caption(
        "The clinic's whole setup (details, logo, price lists and templates, archived ones too) in one JSON file: "
        "to keep a copy, or to move it to another computer. Importing adds or replaces by name and leaves alone "
        "what the file does not name."
    )
    if clinic is not None:
        slug = re.sub(r"[^a-z0-9]+", "-", clinic.lower()).strip("-")[:60] or "clinic"
        kept = store()
        st.download_button(
            "Download the clinic's setup (JSON)",
            lambda: setup_to_json(kept.load_setup(clinic)),  # made when asked for: the store as it is then
            file_name=f"clinic-setup-{slug}.json",
            mime="application/json",
            icon=":material/download:",
            on_click="ignore",
            key="clinic_export",
        )
    upload = st.file_uploader(
        f"Import a clinic setup file (JSON, up to {FILE_BOX_MB} MB)",
        type=["json"],
        key=IMPORT,
        max_upload_size=FILE_BOX_MB,
        on_change=_import,
        help="A file downloaded here, or written by `python -m estimator clinic export`.",
    )
    if upload is None:
        refused_file_hint(FILE_BOX_MB, ".json")
        return
    report = ss.get(REPORT)
    if report is None or report[0] != upload.file_id:
        return
    _, name, lines = report
    listed = "  \n".join(plain(sentence(line)) for line in lines)
    if name is None:
        st.error("This file was not imported: nothing was changed.  \n" + listed, icon=":material/error:")
    else:
        st.success(plain(f"Imported the clinic “{name}”:") + "  \n" + listed, icon=":material/check:")


def main() -> None:
    page_header(
        "Clinic",
        "The clinic's setup, for its financial counselors: the clinic's details, its price lists and its payer "
        "coverage templates, used by the batch and the other pages. No patient details are entered here.",
    )
    if not _where_kept():
        return
    details, _, _ = _editors(None)
    st.subheader("1. Clinic details")
    loaded = pick(details, "Clinic", "New clinic…", default=chosen_clinic(ss))
    if loaded.name:
        ss[CLINIC_KEY] = loaded.name
    clinic_form(details)
    clinic = loaded.name
    _, prices, templates = _editors(clinic)
    st.subheader("2. Price lists")
    if clinic is None:
        st.info("Create the clinic above first: price lists and templates belong to a clinic.", icon=":material/info:")
    else:
        st.caption("What the clinic charges, per service and for packages; validated as an estimate's prices are.")
        pick(prices, "Price list", "New price list…")
        price_list_form(prices)
    st.subheader("3. Payer coverage templates")
    if clinic is not None:
        st.caption("What a payer's plan usually covers per service, so a counselor starts an estimate from it.")
        pick(templates, "Payer template", "New payer template…")
        template_form(templates)
    else:
        st.info("Create the clinic above first.", icon=":material/info:")
    _files(clinic)


guard_setup()  # issue 19: once patients are kept, only a signed-in admin sees the setup (ui/signin.py)
try:
    main()
except StoreError as error:  # a store refusal not handled where it happened: said plainly, never a traceback
    st.error(plain(sentence(str(error))), icon=":material/error:")
page_footer()
