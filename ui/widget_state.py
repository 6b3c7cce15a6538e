"""Streamlit workarounds for the Estimate page's input sections and editable tables, in one place.

Why they are needed (Streamlit 1.67): the browser, not the server, holds what a widget shows, and Streamlit skips
its stale-widget cleanup when a rerun is cut short by the next one. A section closed and reopened while the
closing rerun was still running (a busy server, a quick double click) was drawn at its defaults in the browser
while the server kept the user's values, and the next rerun sent those defaults back; a data editor came back
without an added row; a cleared tick box reached the editor as None and logged a traceback on every rerun. So:

- each opening of a section gives its expander a new key (`open_section`), and the runs after it set every
  stored input again (`resend_inputs`) so the widgets are drawn with the server's values;
- a table's editor shows `<name>_base`; its edits are the editor's widget state, and each edit is also saved to
  `<name>_saved` (a plain value that outlives page switches). An editor that is not mounted (first run, or back
  from another page) starts from the saved table (`remount_tables`); presets and restores replace the table and
  bump `editor_version`, which mounts fresh editors; opening a table's section, or a cleared tick box, mounts a
  fresh editor for that table alone (`fresh_editor`).
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import pandas as pd

from ui.form import BY_KEY, blank
from ui.tables import apply_editor_delta

State = MutableMapping[str, Any]


TABLES = ("prices", "rules", "custom")


def editor_key(state: State, name: str) -> str:
    return f"{name}_editor_{state.get('editor_version', 0)}_{state.get(f'{name}_fresh', 0)}"


def current_table(state: State, name: str) -> pd.DataFrame:
    return apply_editor_delta(state[f"{name}_base"], state.get(editor_key(state, name)))


def save_table(state: State, name: str, key: str) -> None:
    """After an edit in the editor `key`: keep the edited table (the editor itself stays mounted, so focus stays
    in the grid). An editor that is no longer the table's current one is ignored: it can still report its last
    edit in the rerun that has just replaced it (`fresh_editor`, a preset), and that edit is already saved."""
    if key != editor_key(state, name):
        return
    state[f"{name}_saved"] = current_table(state, name)
    if name == "custom":
        state.pop("link_without_schedule", None)
    if name == "prices":
        resend_service_choices(state)


def remount_tables(state: State) -> None:
    """Editors that are not mounted start from the saved tables."""
    for name in TABLES:
        if editor_key(state, name) not in state:
            state[f"{name}_base"] = state[f"{name}_saved"]


def resend_inputs(state: State) -> None:
    """Set every stored input to its own value again, so a widget drawn after this shows the stored value
    whatever the browser last held (see the module's note)."""
    for key in BY_KEY:
        if key in state:
            state[key] = state[key]


SECTION_OPENINGS = "section_openings"  # section name -> how many times the user has opened it


def section_key(state: State, name: str) -> str:
    """The session-state key of an input section's expander: `sec_<name>`, then a new key each time the user
    opens the section (`open_section`)."""
    openings = state.get(SECTION_OPENINGS, {}).get(name, 0)
    return f"sec_{name}_{openings}" if openings else f"sec_{name}"


def open_section(state: State, name: str) -> None:
    """Record that the user opened a section, under a new expander key that holds True.

    The browser sets an expander's value from the server's as a side effect of drawing it. With two runs racing
    (a section closed and reopened while the server is busy) it could keep the closing run's False while
    showing the section open, and send that False with the next click: the section just opened closed again by
    itself. A new key is a new expander in the browser, drawn open from the server's value; what the browser
    still holds for the old one is a stale report (`is_current_section`).
    """
    openings = state.setdefault(SECTION_OPENINGS, {})
    openings[name] = openings.get(name, 0) + 1
    state[section_key(state, name)] = True


def is_current_section(state: State, name: str, key: str) -> bool:
    """Whether `key` is the section's expander as last drawn, not one the section has been reopened past."""
    return key == section_key(state, name)


def settle_cleared_ticks(state: State, name: str) -> None:
    """Give a table a fresh editor when its edits hold a cleared tick box.

    A tick box cleared with Delete (or a paste) reaches the editor's state as None, which Streamlit's editor cannot
    put into the table's bool column: it logged a warning with a traceback for each such cell on every later rerun.
    The edit is kept (a cleared box is unticked, `apply_editor_delta`) and the fresh editor starts without it."""
    delta = state.get(editor_key(state, name))
    if not isinstance(delta, dict):
        return
    base = state[f"{name}_base"]
    ticks = {c for c in base.columns if pd.api.types.is_bool_dtype(base[c].dtype)}
    rows = [*(delta.get("edited_rows") or {}).values(), *(delta.get("added_rows") or [])]
    if any(col in ticks and blank(value) for row in rows for col, value in row.items()):
        fresh_editor(state, name)


def fresh_editor(state: State, name: str) -> None:
    """Keep the table as edited and give it a fresh editor (a new key), which the browser draws from the saved
    table instead of from edits it may have lost (see the module's note)."""
    if editor_key(state, name) in state:
        state[f"{name}_saved"] = current_table(state, name)
    state[f"{name}_fresh"] = state.get(f"{name}_fresh", 0) + 1


def replace_table(state: State, name: str, frame: pd.DataFrame) -> None:
    state[f"{name}_base"] = state[f"{name}_saved"] = frame
    state["editor_version"] = state.get("editor_version", 0) + 1
    if name == "prices":
        resend_service_choices(state)


SERVICE_CHOICES = ("once", "extra", "pkg_service")  # inputs that list services by the price grid's names


def resend_service_choices(state: State) -> None:
    """Set the chosen services again after the prices change (before the page is drawn: a callback or a restore).

    The lists show each service by its name from the price grid, and the browser sends a choice back by the name
    it showed. A name can change or move to another service (an id retyped keeps its row's description); an old
    name sent back then chose another service or none (once in Chromium the course took the half-typed id of the
    row it moved to). Set again, the choices stay the same ids and are drawn with the new names."""
    for key in SERVICE_CHOICES:
        if key in state:
            state[key] = state[key]


def current_prices(state: State) -> pd.DataFrame:
    return current_table(state, "prices")


def current_rules(state: State) -> pd.DataFrame:
    return current_table(state, "rules")


def current_custom(state: State) -> pd.DataFrame:
    return current_table(state, "custom")


# ---------------------------------------------------------------- state -> scenario dict
