"""The Estimate page's three tables (prices, coverage rules, custom sessions): frames from scenario parts, and the
grid's cells read back as the user sees them."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pandas as pd

from estimator.models import V2_RULE_FIELDS, Custom
from estimator.wording import service_name, service_names
from ui.form import blank

PRICE_COLUMNS = ["service", "charge", "code", "description"]
RULE_COLUMNS = [
    "service",
    "covered",
    "benefit",
    "copay",
    "deductible_applies",
    "allowed",
    "prior_auth",
    *V2_RULE_FIELDS,  # network, oon_allowed, auth_units (scenario version 2)
]
CUSTOM_COLUMNS = ["day", "phase", "service", "quantity", "session"]
CUSTOM_MAX_DAY = 1100  # the custom grid's limits, which a link keeps to as well
CUSTOM_MAX_SESSION = 9
CUSTOM_MAX_QUANTITY = 20  # as the scenario's own limit on a line's quantity
NAN = float("nan")


def _f(x: Any) -> float:
    return float(x) if x is not None else 0.0


def prices_frame_from(fees: list[Any]) -> pd.DataFrame:
    rows = [
        {"service": f.service, "code": f.code, "description": f.description, "charge": float(f.charge)} for f in fees
    ]
    return pd.DataFrame(rows, columns=PRICE_COLUMNS)


def rules_frame(services: dict[str, Any], all_services: list[str]) -> pd.DataFrame:
    """Per-service coverage rows: the plan's rules, then every other priced service as not covered."""
    rows = []
    for sid in list(dict.fromkeys([*services, *all_services])):
        rule = services.get(sid)
        rows.append(
            {
                "service": sid,
                "covered": bool(rule.covered) if rule else False,
                "benefit": rule.benefit if rule else "medical",
                # NaN, not None, keeps the column float: a blank shows as an empty cell rather than "None".
                "copay": _f(rule.copay) if rule and rule.copay is not None else NAN,
                "deductible_applies": rule.deductible_applies if rule else True,
                "allowed": _f(rule.allowed) if rule and rule.allowed is not None else NAN,
                "prior_auth": rule.prior_auth if rule else False,
                "network": rule.network if rule else None,  # blank: the plan's network
                "oon_allowed": _f(rule.oon_allowed) if rule and rule.oon_allowed is not None else NAN,
                "auth_units": float(rule.auth_units) if rule and rule.auth_units is not None else NAN,
            }
        )
    return pd.DataFrame(rows, columns=RULE_COLUMNS)


def price_names(prices: pd.DataFrame) -> dict[str, str]:
    """The price grid's services by name, in its order: {id: what people read} (`estimator.wording.service_names`).
    Lists and the other tables show these names; what they hold and send on is the id."""
    rows = [(text_cell(r.get("service")).strip(), text_cell(r.get("description"))) for r in prices.to_dict("records")]
    return service_names((sid, description) for sid, description in rows if sid)


def name_of(names: dict[str, str], service: str) -> str:
    """A service's name from `price_names`, or a readable name for one the prices no longer hold."""
    return names.get(service) or service_name(service)


def custom_frame_from(protocol: Any) -> pd.DataFrame:
    """One grid row per service line. Rows of one session share its day and phase; a second session on the same
    day and phase (a file may hold one) is numbered in the Session column, so the grid keeps the two apart."""
    rows = []
    if isinstance(protocol, Custom):
        shared = Counter((s.day, s.phase) for s in protocol.sessions)
        seen: Counter[tuple[int, str]] = Counter()
        for s in protocol.sessions:
            seen[(s.day, s.phase)] += 1
            number = seen[(s.day, s.phase)] if shared[(s.day, s.phase)] > 1 else None
            for sq in s.services:
                line = {"service": sq.service, "quantity": sq.quantity, "session": number}
                rows.append({"day": s.day, "phase": s.phase, **line})
    return pd.DataFrame(rows, columns=CUSTOM_COLUMNS)


def apply_editor_delta(base: pd.DataFrame, delta: dict[str, Any] | None) -> pd.DataFrame:
    """A data editor's edits (edited/added/deleted rows) applied to the frame it was shown."""
    if not delta:
        return base
    df = base.copy().reset_index(drop=True)
    for idx, changes in (delta.get("edited_rows") or {}).items():
        for col, value in changes.items():
            if col in df.columns and int(idx) < len(df):
                _set_cell(df, int(idx), col, value)
    deleted = {int(i) for i in delta.get("deleted_rows") or []}
    if deleted:
        df = df.drop(index=[i for i in deleted if i < len(df)]).reset_index(drop=True)
    added = [r for r in delta.get("added_rows") or [] if r]
    if added:
        df = pd.concat([df, pd.DataFrame(added, columns=df.columns)], ignore_index=True)
    return df


def _set_cell(df: pd.DataFrame, row: int, col: str, value: Any) -> None:
    """Put one edited cell into the frame.

    A tick box the user cleared (Delete on selected cells, or a paste) arrives as None: it is unticked, as the grid
    shows it. Any other value the column's dtype cannot hold turns the column to object, so the scenario's
    validation reports it beside the table: pandas 3 raises instead of widening the column itself.
    """
    if pd.api.types.is_bool_dtype(df[col].dtype) and blank(value):
        value = False
    try:
        df.at[row, col] = value
    except (TypeError, ValueError):
        df[col] = df[col].astype(object)
        df.at[row, col] = value


def ticked(x: Any) -> bool:
    """A tick-box cell: a blank one (None, or NaN in a new grid row) is unticked, as the grid shows it."""
    return not blank(x) and bool(x)


# ---------------------------------------------------------------- presets


def text_cell(x: Any) -> str:
    """A grid text cell: "" when empty (None or NaN), else the text."""
    return "" if blank(x) else str(x)


def whole_cell(x: Any) -> int | str:
    """A whole-number grid cell (a float column holds 23 as 23.0); anything else goes on as text, which the
    scenario's validation then names beside the table."""
    return int(x) if isinstance(x, (int, float)) and float(x).is_integer() else text_cell(x)


def custom_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The custom grid's rows as the page reads them: empty rows dropped, an empty day 0 and quantity 1; phase
    and session as typed ("" and None when empty)."""
    rows = []
    for row in frame.to_dict("records"):
        if blank(row.get("service")) and blank(row.get("day")):
            continue
        rows.append(
            {
                "day": 0 if blank(row.get("day")) else int(row["day"]),
                "phase": text_cell(row.get("phase")).strip(),
                "service": text_cell(row.get("service")).strip(),
                "quantity": 1 if blank(row.get("quantity")) else int(row["quantity"]),
                "session": None if blank(row.get("session")) else int(row["session"]),
            }
        )
    return rows
