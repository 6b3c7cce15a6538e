"""Streamlit entry point: `streamlit run app.py`. Pages live in ui/pages; calculation in estimator/.

The navigation lists the public pages to everyone and the clinic workspace's pages by who is signed in
(ui.signin): the admins' pages only to an admin. A page left out of the list can't be reached by its URL either,
and each workspace page checks the sign-in again itself."""

import streamlit as st

from ui.common import page_furniture
from ui.errors import LOG, redact_streamlit_logs, run_safely, where
from ui.heap import freeze_startup_heap
from ui.icon import page_icon
from ui.signin import current_account, workspace_has_patients

freeze_startup_heap()
redact_streamlit_logs()
st.set_page_config(page_title="Ketamine & SPRAVATO cost estimator", page_icon=page_icon(), layout="wide")

PUBLIC = [
    st.Page("ui/pages/estimate.py", title="Estimate", icon=":material/calculate:", default=True),
    st.Page("ui/pages/compare.py", title="Compare", icon=":material/compare_arrows:"),
    st.Page("ui/pages/good_faith_estimate.py", title="Good Faith Estimate", icon=":material/description:"),
    st.Page("ui/pages/batch.py", title="Batch", icon=":material/table_view:"),
    st.Page("ui/pages/sources.py", title="Sources", icon=":material/menu_book:"),
]
WORKSPACE = [
    st.Page("ui/pages/patients.py", title="Patients", icon=":material/group:"),
    st.Page("ui/pages/gfe_register.py", title="GFE register", icon=":material/receipt_long:"),
    st.Page("ui/pages/rollover.py", title="Rollover", icon=":material/event_repeat:"),
]
CLINIC = st.Page("ui/pages/clinic.py", title="Clinic", icon=":material/local_hospital:")
ADMIN = [
    st.Page("ui/pages/accounts.py", title="Accounts", icon=":material/manage_accounts:"),
    st.Page("ui/pages/audit_log.py", title="Audit log", icon=":material/history:"),
]


def pages() -> dict[str, list]:
    """The pages this session may open: a counselor is not offered the clinic's setup once patients are kept."""
    try:
        who = current_account(st.session_state)
    except Exception as error:  # the database gone: the workspace pages say so themselves
        LOG.error("navigation: %s", where(error))
        who = None
    if who is not None and who.is_admin:
        workspace = [*WORKSPACE, CLINIC, *ADMIN]
    elif who is not None and workspace_has_patients():
        workspace = WORKSPACE
    else:
        workspace = [*WORKSPACE, CLINIC]
    return {"": PUBLIC, "Clinic workspace": workspace}


page_furniture()
run_safely(st.navigation(pages(), position="top").run)
