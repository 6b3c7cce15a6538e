"""A bare Streamlit page for the benchmark only (never part of the app): one number input and one metric computed
from it. `./dev bench` runs it with the same Streamlit, the app's own .streamlit/config.toml and the same server
flags as the Estimate page, and times Enter-to-headline and first load on both: the ratio is what the Estimate
page costs above what any Streamlit page pays for the same round trip.
"""

import streamlit as st

st.set_page_config(page_title="bench: bare page", layout="wide")  # as app.py, so both lay out alike
weeks = st.number_input("Weeks to estimate", min_value=1, max_value=156, value=4, key="weeks")
st.metric("You pay", f"${weeks * 412.5:,.2f}", border=True)
