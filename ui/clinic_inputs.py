"""The clinic's setup on the Estimate page (issue 18): start from a kept price list or payer template, or keep the
page's prices or coverage as one. Shown only where a clinic setup exists; a patient at home never sees it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st
from pydantic import ValidationError

from clinic.store import EditConflict, StoreError
from estimator.scenario_io import problems_from
from ui import setup_state as U
from ui.clinic_state import CLINIC_KEY, chosen_clinic, clinic_names, store
from ui.common import plain

ss = st.session_state
KINDS = {
    "prices": ("price list", "price lists", "Use these prices", "setup_price_list"),
    "template": ("payer template", "payer templates", "Use this template", "setup_template"),
}


def _names(kind: str, clinic: str) -> list[str]:
    try:
        kept = store().list_price_lists(clinic) if kind == "prices" else store().list_payer_templates(clinic)
    except StoreError:
        return []
    return [k.name for k in kept]


def _use(kind: str, clinic: str) -> None:
    name = ss.get(KINDS[kind][3])
    if not name:
        return
    try:
        if kind == "prices":
            U.use_price_list(ss, store().get_price_list(clinic, name).content)
        else:
            U.use_template(ss, store().get_payer_template(clinic, name).content)
        ss[f"setup_msg_{kind}"] = ("success", f"From the clinic's {KINDS[kind][0]} “{name}”.")
    except StoreError as e:
        ss[f"setup_msg_{kind}"] = ("error", str(e))


def _keep(kind: str, clinic: str) -> None:
    name = (ss.get(f"setup_new_{kind}") or "").strip()
    what = KINDS[kind][0]
    saver: Callable[..., Any]
    try:
        if kind == "prices":
            content: Any = U.current_price_list(ss, name)
            saver = store().save_price_list
        else:
            content = U.current_template(ss, name)
            saver = store().save_payer_template
        saver(clinic, content)
        ss[f"setup_msg_{kind}"] = ("success", f"Kept as the clinic's {what} “{content.name}”.")
    except ValidationError as e:
        lines = [f"{p.loc}: {p.message}" if p.loc else p.message for p in problems_from(e)]
        ss[f"setup_msg_{kind}"] = ("error", "Not kept: " + "; ".join(lines))
    except EditConflict:
        ss[f"setup_msg_{kind}"] = (
            "error",
            f"A {what} named “{name}” is already kept: choose another name, or change that one on the Clinic page.",
        )
    except StoreError as e:
        ss[f"setup_msg_{kind}"] = ("error", f"Not kept: {e}")


def setup_box(kind: str) -> None:
    """Pick a kept price list or payer template to start from, or keep the page's own as one."""
    names = clinic_names()
    if not names:
        return
    what, plural, use_label, key = KINDS[kind]
    with st.container(border=True):
        if len(names) > 1:
            st.selectbox("Clinic", names, key=CLINIC_KEY, index=None, placeholder="Choose the clinic")
        clinic = chosen_clinic(ss)
        if clinic is None:
            st.caption(f"Choose the clinic to use its {plural}.")
            return
        kept = _names(kind, clinic)
        c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
        c1.selectbox(
            f"The clinic's {plural}",
            kept,
            key=key,
            index=None,
            placeholder=f"Choose a kept {what}" if kept else f"No {what} kept yet",
        )
        c2.button(use_label, key=f"use_{kind}", on_click=_use, args=(kind, clinic), disabled=not ss.get(key))
        c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
        c1.text_input(f"Keep this page's {what} as", key=f"setup_new_{kind}", max_chars=100, placeholder="A name")
        c2.button(f"Keep as a {what}", key=f"keep_{kind}", on_click=_keep, args=(kind, clinic))
        message = ss.pop(f"setup_msg_{kind}", None)
        if message:
            level, text = message
            (st.success if level == "success" else st.error)(plain(text))
