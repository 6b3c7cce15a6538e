"""What the Clinic page's three editors share: choosing a kept thing (or a new one), its form's widget keys, saving
it with the version it was loaded at, problems beside the fields, archiving, and an edit conflict shown with both
versions side by side so the counselor chooses which to keep.

Each editor keeps, in the session: the thing as loaded (`Loaded`: name, version, content), a form generation (the
widgets' keys carry it, so loading another thing draws its values afresh), whether a save was tried (then the form
is checked on every run, so a message goes away as soon as its field is fixed), and an unresolved conflict.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import streamlit as st
from pydantic import BaseModel

from clinic.store import EditConflict, Kept, NotFound, SetupInvalid, StoreError, validated
from estimator.clinic_setup import name_key
from estimator.scenario_io import Problem
from ui.common import plain, sentence
from ui.tables import apply_editor_delta

ss = st.session_state
NEW = "\x00new"  # the picker's option for a new one: never a name (names are printable text)
WORDS = {
    "coinsurance_pct": "coinsurance",
    "oop_max": "out-of-pocket max",
    "allowed_pct_of_charge": "allowed % of charge",
    "deductible_applies": "deductible applies",
    "prior_auth": "prior auth",
    "oon_allowed": "out-of-network allowed",
    "auth_units": "authorized units",
    "integrated_deductible": "integrated with medical",
    "max_per_fill": "most per fill",
    "logo_png": "logo",
    "plan_year_start": "plan year starts",
    "in_network": "in network",
    "out_of_network": "out of network",
}


@dataclass(frozen=True)
class Loaded:
    """The thing an editor shows, as it was loaded: None for name, version and content when it is new."""

    scope: str | None
    name: str | None = None
    version: int | None = None
    archived: bool = False
    content: Any = None


@dataclass(frozen=True)
class Editor:
    """One of the page's editors: its session prefix, what it edits (in words), the clinic it belongs to (None for
    the clinic itself) and its ways to the store."""

    prefix: str
    what: str
    model: type[BaseModel]
    scope: str | None
    listing: Callable[[bool], list[Kept[Any]]]
    save: Callable[..., Kept[Any]]  # (content, expected_version, rename_from=...)
    set_archived: Callable[[str, bool, int | None], Kept[Any]]

    def key(self, name: str) -> str:
        """A widget key of the form as loaded now (a new one after each load)."""
        return f"{self.prefix}{ss.get(self.prefix + '_gen', 0)}_{name}"

    @property
    def loaded(self) -> Loaded:
        return ss[self.prefix + "_loaded"]


@dataclass
class Slots:
    """Where messages go: one placeholder per field or table (by the path prefix it answers for) and a label
    for table paths; a problem no field answers for goes to the form's general slot."""

    boxes: dict[str, tuple[Any, str]] = field(default_factory=dict)

    def add(self, loc: str, label: str = "") -> None:
        self.boxes[loc] = (st.empty(), label)

    def place(self, problems: list[Problem], general: Any) -> None:
        grouped: dict[str, list[str]] = {}
        for p in problems:
            parts = p.loc.split(".") if p.loc else []
            for n in range(len(parts), 0, -1):
                where = ".".join(parts[:n])
                if where in self.boxes:
                    label = self.boxes[where][1]
                    rest = [
                        f"row {int(x) + 1}" if x.isdigit() else WORDS.get(x, x.replace("_", " ")) for x in parts[n:]
                    ]
                    said = ", ".join([label, *rest] if label else rest)
                    grouped.setdefault(where, []).append(sentence(f"{said}: {p.message}" if said else p.message))
                    break
            else:
                grouped.setdefault("", []).append(sentence(str(p)))
        for where, lines in grouped.items():
            box = self.boxes[where][0] if where else general
            box.error("  \n".join(plain(line) for line in lines), icon=":material/error:")


def load(ed: Editor, kept: Kept[Any] | None) -> None:
    """Show `kept` (None: a new one) in the editor's form, drawn afresh."""
    if kept is None:
        ss[ed.prefix + "_loaded"] = Loaded(ed.scope)
    else:
        ss[ed.prefix + "_loaded"] = Loaded(ed.scope, kept.name, kept.version, kept.archived, kept.content)
    ss[ed.prefix + "_gen"] = ss.get(ed.prefix + "_gen", 0) + 1
    for suffix in ("_tried", "_conflict", "_pristine"):
        ss.pop(ed.prefix + suffix, None)


def reset(prefix: str) -> None:
    """Forget what an editor shows (it loads again from the store on the next run)."""
    ss.pop(prefix + "_loaded", None)
    ss.pop(prefix + "_pick", None)


def flash(ed: Editor, message: str) -> None:
    ss[ed.prefix + "_flash"] = message


def pick(ed: Editor, label: str, new_label: str, default: str | None = None) -> Loaded:
    """The picker of kept things (archived ones on request, and the one shown) and 'new'; loads the one chosen."""
    kept = ed.listing(True)
    loaded: Loaded | None = ss.get(ed.prefix + "_loaded")
    if loaded is not None and loaded.scope != ed.scope:
        loaded = None
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    with right:
        show = st.toggle(
            "Show archived",
            key=ed.prefix + "_show_archived",
            help=f"Archived {ed.what}s are kept, hidden from lists; open one to read it or unarchive it",
        )
    current = loaded.name if loaded is not None else None
    shown = [k for k in kept if show or not k.archived or (current and name_key(k.name) == name_key(current))]
    archived = {k.name for k in kept if k.archived}
    options = [k.name for k in shown] + [NEW]
    pick_key = ed.prefix + "_pick"
    if ed.prefix + "_pick_next" in ss:
        ss[pick_key] = ss.pop(ed.prefix + "_pick_next")
    if ss.get(pick_key) not in options:
        first = current if current in options else default if default in options else options[0]
        ss[pick_key] = first
    with left:
        choice = st.selectbox(
            label,
            options,
            key=pick_key,
            format_func=lambda n: new_label if n == NEW else f"{n} (archived)" if n in archived else n,
        )
    if loaded is None or choice != (loaded.name or NEW):
        load(ed, None if choice == NEW else next(k for k in kept if k.name == choice))
    message = ss.pop(ed.prefix + "_flash", None)
    if message:
        st.success(plain(message), icon=":material/check:")
    return ed.loaded


# ---------------------------------------------------------------- tables


def table(ed: Editor, name: str, frame: pd.DataFrame, **options: Any) -> pd.DataFrame:
    """An editable table of the form, shown from its frame as loaded; returns the table as edited.

    A committed cell does not rerun the page (`on_change="ignore"`): the edits go with the next rerun, such as the
    save button's. A rerun per cell redrew the table while the next cell was being typed in, which lost keys. The
    edited table is kept in the session on every run, so an editor mounted afresh (back from another page, whose
    widgets Streamlit forgets) starts from it."""
    key = ed.key(name)
    base_key, saved_key = key + "_base", key + "_saved"
    if base_key not in ss:
        ss[base_key] = ss[saved_key] = frame
    if key not in ss:  # not mounted: the first run, or back from another page
        ss[base_key] = ss[saved_key]
    st.data_editor(
        ss[base_key], key=key, hide_index=True, on_change="ignore", width="stretch", placeholder="", **options
    )
    ss[saved_key] = edited = apply_editor_delta(ss[base_key], ss.get(key))
    return edited


# ---------------------------------------------------------------- saving


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "(blank)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(map(str, value)) if value else "(none)"
    return str(value)


def _flat(content: BaseModel | None) -> dict[str, Any]:
    """Content as `field: value` pairs for comparing two versions (lists of services keyed by service); values
    compare as the model holds them (20 and 20.00 are one amount)."""
    if content is None:
        return {}
    out: dict[str, Any] = {}

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{path}.{k}" if path else str(k))
        elif isinstance(value, list) and value and all(isinstance(v, dict) and "service" in v for v in value):
            for v in value:
                walk({k: x for k, x in v.items() if k != "service"}, f"{path}[{v['service']}]")
        else:
            out[path] = value

    walk(content.model_dump(exclude={"logo_png"}), "")
    if "logo_png" in type(content).model_fields:
        logo = getattr(content, "logo_png", None)
        out["logo"] = f"image, {len(logo):,} bytes" if logo else None
    return out


def when(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def field_words(path: str) -> str:
    """A compared field's path in words: 'fees[consult].charge' -> 'Fees, consult, charge'."""
    parts = path.replace("[", ".").replace("]", "").split(".")
    said = ", ".join(WORDS.get(p, p.replace("_", " ")) for p in parts if p)
    return said[:1].upper() + said[1:]


def conflict_table(stored: Kept[Any] | None, attempted: BaseModel) -> pd.DataFrame:
    """The fields that differ between the kept version and the attempted one, side by side."""
    theirs, mine = _flat(stored.content if stored is not None else None), _flat(attempted)
    kept_now = f"Kept now (version {stored.version})" if stored is not None else "Kept now"
    missing = object()
    rows = [
        {"Field": field_words(k), kept_now: _shown(theirs.get(k)), "Yours (not saved)": _shown(mine.get(k))}
        for k in dict.fromkeys([*theirs, *mine])
        if theirs.get(k, missing) != mine.get(k, missing)
    ]
    return pd.DataFrame(rows, columns=["Field", kept_now, "Yours (not saved)"])


def _try_save(ed: Editor, content: BaseModel, expected: int | None, rename_from: str | None) -> None:
    """Save, then show the saved thing (a rerun); a conflict is kept to be shown with both versions."""
    try:
        kept = ed.save(content, expected, rename_from=rename_from)
    except EditConflict as e:
        ss[ed.prefix + "_conflict"] = e
        return
    load(ed, kept)
    ss[ed.prefix + "_pick_next"] = kept.name
    flash(ed, f"Saved the {ed.what} “{kept.name}” (version {kept.version}).")
    st.rerun()


def _show_conflict(ed: Editor, e: EditConflict) -> None:
    """Both versions side by side, and the choice of which to keep; the form above still holds the edit."""
    stored = e.stored
    with st.container(border=True):
        if e.expected_version is None:
            st.warning(
                plain(
                    f"A {ed.what} named “{e.attempted.name}” is already kept (perhaps someone else just made it). "  # type: ignore[attr-defined]
                    "Compare it with yours and choose which to keep, or give yours another name above."
                ),
                icon=":material/sync_problem:",
            )
        else:
            st.warning(
                plain(
                    f"Someone else saved this {ed.what} while you were editing it (you started from version "
                    f"{e.expected_version}). Nothing is lost: compare the two versions and choose which to keep."
                ),
                icon=":material/sync_problem:",
            )
        if stored is not None:
            st.caption(
                plain(f"Kept now: version {stored.version}, saved {when(stored.updated_at)}. Yours: not saved yet.")
            )
        diff = conflict_table(stored, e.attempted)
        if diff.empty:
            st.caption("The two versions are the same.")
        else:
            st.dataframe(diff, hide_index=True, width="stretch")
            st.caption("Only the fields that differ are listed.")
        mine, theirs = st.columns(2)
        if mine.button(
            "Keep mine",
            key=ed.key("keep_mine"),
            type="primary",
            icon=":material/save:",
            help="Save your version over the one kept now",
        ):
            loaded = ed.loaded
            rename = loaded.name if loaded.name and name_key(loaded.name) != name_key(e.attempted.name) else None  # type: ignore[attr-defined]
            if e.expected_version is None:
                rename = None  # the name is taken: yours replaces that one
            ss.pop(ed.prefix + "_conflict", None)
            _try_save(ed, e.attempted, stored.version if stored is not None else None, rename)
            st.rerun()
        if theirs.button(
            "Keep theirs",
            key=ed.key("keep_theirs"),
            icon=":material/undo:",
            help="Discard your changes and show the version kept now",
            disabled=stored is None,
        ):
            assert stored is not None
            load(ed, stored)
            ss[ed.prefix + "_pick_next"] = stored.name
            flash(ed, f"Showing the kept version {stored.version}; your changes were discarded.")
            st.rerun()


def finish(ed: Editor, draft: dict[str, Any], pre: list[Problem], slots: Slots) -> None:
    """The form's buttons (save, discard changes, archive), its problems beside the fields, and a conflict."""
    loaded = ed.loaded
    pristine_key = ed.prefix + "_pristine"
    if pristine_key not in ss:
        ss[pristine_key] = draft  # the form as first drawn: what "unsaved changes" compares with
    dirty = draft != ss[pristine_key]
    general = st.empty()
    c1, c2, c3 = st.columns([1, 1, 1], vertical_alignment="center")
    save = c1.button(
        f"Save {ed.what}" if loaded.name else f"Create {ed.what}",
        key=ed.key("save"),
        type="primary",
        icon=":material/save:",
        width="stretch",
    )
    if dirty and loaded.name:
        c2.button(
            "Discard changes",
            key=ed.key("discard"),
            icon=":material/undo:",
            width="stretch",
            on_click=_discard,
            args=(ed,),
        )
    if loaded.name:
        verb = "Unarchive" if loaded.archived else "Archive"
        if c3.button(
            f"{verb} {ed.what}",
            key=ed.key("archive"),
            icon=":material/archive:",
            width="stretch",
            help="Archived: kept, and still readable, but hidden from lists and the batch",
        ):
            _archive(ed, loaded)
    if dirty:
        st.caption("You have unsaved changes in this form.")
    if save:
        ss[ed.prefix + "_tried"] = True
        ss.pop(ed.prefix + "_conflict", None)
    problems = list(pre)
    content = None
    if ss.get(ed.prefix + "_tried"):
        try:
            content = validated(ed.model, draft)
        except SetupInvalid as e:
            problems += e.problems
    slots.place(problems, general)
    if save and problems:
        general.error(f"Not saved: correct what is marked in this {ed.what} first.", icon=":material/error:")
    elif save and content is not None:
        try:
            _try_save(ed, content, loaded.version, loaded.name if loaded.name and loaded.name != content.name else None)  # type: ignore[attr-defined]
        except (NotFound, StoreError) as e:
            general.error(plain(sentence(str(e))), icon=":material/error:")
    conflict = ss.get(ed.prefix + "_conflict")
    if conflict is not None:
        _show_conflict(ed, conflict)


def _discard(ed: Editor) -> None:
    loaded = ed.loaded
    load(ed, Kept(loaded.content, loaded.version, loaded.archived, dt.datetime.now(dt.UTC)) if loaded.name else None)


def _archive(ed: Editor, loaded: Loaded) -> None:
    """Archive or unarchive the thing as loaded; the form keeps any edit (archiving changes only the flag)."""
    assert loaded.name is not None
    try:
        kept = ed.set_archived(loaded.name, not loaded.archived, loaded.version)
    except EditConflict as e:
        st.error(
            plain(sentence(f"{e}. Reload it: choose it again above, or save your version to see both")),
            icon=":material/sync_problem:",
        )
        return
    except StoreError as e:
        st.error(plain(sentence(str(e))), icon=":material/error:")
        return
    ss[ed.prefix + "_loaded"] = Loaded(ed.scope, kept.name, kept.version, kept.archived, loaded.content)
    done = "archived: it is kept, and hidden from lists until you unarchive it" if kept.archived else "unarchived"
    flash(ed, f"The {ed.what} “{kept.name}” is {done}.")
    st.rerun()
