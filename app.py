"""Streamlit entry point: `streamlit run app.py`. Pages live in ui/pages; calculation in estimator/."""

import streamlit as st

from ui.common import page_furniture
from ui.errors import redact_streamlit_logs, run_safely
from ui.icon import page_icon

redact_streamlit_logs()
st.set_page_config(page_title="Ketamine & SPRAVATO cost estimator", page_icon=page_icon(), layout="wide")

PAGES = [
    st.Page("ui/pages/estimate.py", title="Estimate", icon=":material/calculate:", default=True),
    st.Page("ui/pages/compare.py", title="Compare", icon=":material/compare_arrows:"),
    st.Page("ui/pages/good_faith_estimate.py", title="Good Faith Estimate", icon=":material/description:"),
    st.Page("ui/pages/batch.py", title="Batch", icon=":material/table_view:"),
    st.Page("ui/pages/clinic.py", title="Clinic", icon=":material/local_hospital:"),
    st.Page("ui/pages/sources.py", title="Sources", icon=":material/menu_book:"),
]

page_furniture()
run_safely(st.navigation(PAGES, position="top").run)
