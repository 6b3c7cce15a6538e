"""Input widgets drawn from the form description (`ui.form`): label, help, step and kind come from the field, and
the field's own problems are shown right below it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from ui import widget_state as W
from ui.form import BLANK, BY_KEY
from ui.sections import show_problems

ss = st.session_state
NUMBER_FORMAT = {"money": "%.2f", "pct": "%.2f", "amount": "%.2f", "int": "%d"}
# Every date field on every page, as US patients write dates (03/02/2026); the pages show dates as "Mar 2, 2026".
DATE_FORMAT = "MM/DD/YYYY"


def draw(
    key: str,
    *,
    label: str | None = None,
    help: str | None = None,
    on_change: Callable[..., None] | None = None,
    args: tuple[Any, ...] | None = None,
    problems: bool = True,
) -> Any:
    """Draw the field `key` and return its value.

    Number fields have no minimum or maximum in the browser: a value out of bounds reaches validation, which says
    so beside the field while the estimate keeps its last good figures (the browser would otherwise turn the
    field red and keep sending the old value, so field and estimate disagreed). An emptied field is None, never 0.
    """
    f = BY_KEY[key]
    label = label or f.label
    help = help if help is not None else f.help
    common: dict[str, Any] = {"key": key, "help": help, "on_change": on_change, "args": args}
    if f.kind in NUMBER_FORMAT:
        value = st.number_input(
            label,
            value=None,
            step=int(f.step) if f.kind == "int" else f.step,
            format=NUMBER_FORMAT[f.kind],
            placeholder=BLANK[f.kind].split(";")[0],
            persist_state="session",
            **common,
        )
    elif f.kind == "bool":
        value = st.toggle(label, persist_state="session", **common)
    elif f.kind == "date":
        value = st.date_input(label, format=DATE_FORMAT, persist_state="session", **common)
    elif f.kind == "text":
        value = st.text_input(label, max_chars=5 if key == "py_start" else 2000, persist_state="session", **common)
    else:
        raise ValueError(f"{key} is a {f.kind} field: draw it by hand")
    if problems and f.path and f.kind != "bool":
        show_problems(f.path, exact=True)
    return value


def pair(left: str, right: str) -> None:
    """Two fields side by side in columns, each with its problems below it in its own column."""
    c1, c2 = st.columns(2)
    with c1:
        draw(left)
    with c2:
        draw(right)


def row(*keys: str) -> None:
    """Fields side by side in one wrapping row, their problems below it: one layout block where columns take one
    per column more, and each block is an update the browser applies on every rerun."""
    with st.container(horizontal=True, gap="medium", vertical_alignment="bottom"):
        for key in keys:
            draw(key, problems=False)
    show_problems(*(BY_KEY[k].path for k in keys if BY_KEY[k].path), exact=True)


def _save(name: str, key: str) -> None:
    W.save_table(ss, name, key)


def table_editor(name: str, *, placeholder: str, **options: Any) -> None:
    """One of the page's editable tables (`ui.widget_state.TABLES`): drawn from its base frame under its current
    editor key, rows added and deleted freely, each edit saved as it is made."""
    st.data_editor(
        ss[f"{name}_base"],
        key=(key := W.editor_key(ss, name)),
        placeholder=placeholder,
        num_rows="dynamic",
        hide_index=True,
        on_change=_save,
        args=(name, key),
        **options,
    )
