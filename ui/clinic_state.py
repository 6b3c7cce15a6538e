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
from clinic.profile import ClinicProfile
from clinic.records import ClinicRecords
from clinic.store import ClinicStore, StoreError
from estimator.documents.letterhead import Letterhead, contact_line

CLINIC_KEY = "clinic_name"  # the clinic chosen in this session (its name), shared by every page


@st.cache_resource(show_spinner=False)
def _store(url: str) -> ClinicStore:
    return ClinicStore.open(url)


def store() -> ClinicStore:
    """The clinic store (created and migrated on first use)."""
    return _store(database_url())


@st.cache_resource(show_spinner=False)
def _records(url: str) -> ClinicRecords:
    return ClinicRecords.open(url)


def records() -> ClinicRecords:
    """The patient records behind the sign-in (issue 19) on the same database (created and migrated on first
    use): accounts, patients, quotes, the GFE register, the rollover and the audit log."""
    return _records(database_url())


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


def clinic_profile(name: str | None) -> ClinicProfile | None:
    """The kept details of the clinic `name` (None for no name, or when they cannot be read)."""
    if not name:
        return None
    try:
        return store().get_clinic(name).content
    except StoreError:
        return None


def letterhead_for(profile: ClinicProfile) -> Letterhead:
    """A printout's letterhead from the clinic's kept details: name, address, phone, the counselor and the logo."""
    contact = contact_line(profile.counselor_name, profile.counselor_phone, profile.counselor_email)
    return Letterhead(profile.name, profile.address, profile.phone, contact, profile.logo_png)


def current_letterhead(state: MutableMapping[str, Any]) -> Letterhead | None:
    """The letterhead of the clinic this session works for, or None without a setup (printouts stay plain)."""
    profile = clinic_profile(chosen_clinic(state))
    return letterhead_for(profile) if profile is not None else None
