"""The pages' way to the clinic store (the `clinic` package): one store per database for the server process, and
the clinic chosen in this browser session.

The store is opened only when a page needs it and a setup can exist: a patient at home, with no database and no
ESTIMATOR_DATABASE_URL, never creates one by opening the Estimate page.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from typing import Any

import streamlit as st

from clinic.db import URL_VARIABLE, database_url, default_sqlite_path
from clinic.store import ClinicStore, StoreError

CLINIC_KEY = "clinic_name"  # the clinic chosen in this session (its name), shared by every page


@st.cache_resource(show_spinner=False)
def _store(url: str) -> ClinicStore:
    return ClinicStore.open(url)


def store() -> ClinicStore:
    """The clinic store (created and migrated on first use)."""
    return _store(database_url())


def setup_may_exist() -> bool:
    """Whether a clinic setup can exist without creating one: a database named, or the default file present."""
    return bool(os.environ.get(URL_VARIABLE)) or default_sqlite_path().exists()


def clinic_names() -> list[str]:
    """The active clinics' names, [] when there is no setup (or the store cannot be reached)."""
    if not setup_may_exist():
        return []
    try:
        return [k.name for k in store().list_clinics()]
    except StoreError:
        return []


def chosen_clinic(state: MutableMapping[str, Any]) -> str | None:
    """The clinic this session works for: the one chosen, else the only one kept; None without a setup."""
    names = clinic_names()
    chosen = state.get(CLINIC_KEY)
    if chosen in names:
        return str(chosen)
    return names[0] if len(names) == 1 else None
