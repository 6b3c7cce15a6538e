"""Streamlit UI: gathers input, calls the estimator core, shows results. No calculation here."""
