"""Reading scenarios from JSON and turning validation errors into plain-English `field.path: message`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from estimator.models import LATEST_VERSION, Scenario

_PROTOCOL_TAGS = {"iv_ketamine", "spravato", "custom"}


@dataclass(frozen=True, slots=True)
class Problem:
    loc: str
    message: str

    def __str__(self) -> str:
        return f"{self.loc}: {self.message}" if self.loc else self.message


class ScenarioError(ValueError):
    """An invalid scenario, with one problem per field."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems


def _loc(parts: tuple[Any, ...], ctx: dict[str, Any] | None) -> str:
    out: list[str] = []
    for i, part in enumerate(parts):
        if i == 1 and parts[0] == "protocol" and part in _PROTOCOL_TAGS:
            continue  # the discriminated union adds the protocol type; the user never typed it
        if isinstance(part, str) and part.startswith(("function-", "json-or-python")):
            continue
        out.append(str(part))
    if ctx and "field" in ctx:
        out.append(str(ctx["field"]))
    return ".".join(out)


_FRIENDLY = {
    "missing": "this field is required",
    "extra_forbidden": "this field is not expected here (check its spelling)",
    "decimal_max_places": "use at most 2 decimal places",
    "union_tag_invalid": "the course type must be 'iv_ketamine', 'spravato' or 'custom'",
    "union_tag_not_found": "the course needs a 'type': 'iv_ketamine', 'spravato' or 'custom'",
}


# pydantic's type errors, said the way a form would say them.
_TYPE_HINTS = {
    "decimal": "enter an amount as a number, for example 1500 or 1500.00",
    "date": "enter a date as YYYY-MM-DD, for example 2026-09-14",
    "int": "enter a whole number",
    "bool": "use true or false",
    "string": "enter text",
}


# Fields one kind of object has and another not, said for the one that lacks them.
_NOT_HERE = {
    "start_session": "a custom course has no numbered sessions (start_session is for IV and SPRAVATO courses)",
}


def _message(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    loc = err.get("loc") or ("",)
    if kind == "extra_forbidden" and loc[-1] in _NOT_HERE:
        return _NOT_HERE[str(loc[-1])]
    if kind in _FRIENDLY:
        return _FRIENDLY[kind]
    family = kind.split("_", 1)[0]
    if family in _TYPE_HINTS and kind.endswith(("_type", "_parsing", "_from_float", "_from_datetime_parsing")):
        if err.get("input", 0) is None:
            return "this field can't be blank"
        return _TYPE_HINTS[family]
    msg = str(err.get("msg", "is not valid"))
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if kind == "string_pattern_mismatch":
        return "use 1-40 lowercase letters, digits or underscores (for example 'iv_infusion')"
    if kind.startswith(("greater_than", "less_than")) or kind == "decimal_max_places":
        return msg[0].lower() + msg[1:]
    return msg[0].lower() + msg[1:] if msg else msg


def problems_from(error: ValidationError) -> list[Problem]:
    """Plain-English problems, one per field, in the order pydantic reports them."""
    seen: dict[tuple[str, str], None] = {}
    for err in error.errors(include_url=False):
        seen.setdefault((_loc(tuple(err.get("loc", ())), err.get("ctx")), _message(err)), None)
    return [Problem(loc, msg) for loc, msg in seen]


def scenario_from_data(data: Any) -> Scenario:
    """Validate already-parsed JSON data; raises ScenarioError."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as e:
        raise ScenarioError(problems_from(e)) from None


_NOT_A_SCENARIO = (
    "this is a clinic profile (open it on the Good Faith Estimate page), not a saved estimate; save one with "
    "'Scenario file (.json)' under Downloads"
)


def strip_bom(text: str | bytes) -> str | bytes:
    """Drop a UTF-8 byte-order mark (Windows Notepad writes one), which JSON parsers refuse."""
    if isinstance(text, bytes):
        return text[3:] if text.startswith(b"\xef\xbb\xbf") else text
    return text[1:] if text.startswith("\ufeff") else text


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refused when a key is given twice (a JSON parser would silently keep the last)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                shown = json.dumps(key, ensure_ascii=False)
                raise _DuplicateKey(f"the key {shown} is given more than once in one object")
            seen.add(key)
    return obj


def _exact_number(text: str) -> Decimal:
    """A JSON number with a fraction or exponent, exactly. An exponent far beyond any amount, day or count (1e999999)
    is refused here: turned into a whole number for a count it would take minutes."""
    number = Decimal(text)
    if not -40 <= number.adjusted() <= 40:
        raise ValueError(text)
    return number


def parse_json(text: str | bytes, *, exact: bool = False) -> Any:
    """Parse JSON as data only; raises ValueError with a plain-English reason. `exact` reads numbers with a
    fraction as Decimal (for amounts), not float.

    Files are untrusted: a key given twice is refused, a deeply nested document raises RecursionError in the
    parser and a huge integer trips Python's digit limit; all are reported as bad files, never as crashes."""
    text = strip_bom(text)
    if not text.strip():
        raise ValueError("it is empty")
    try:
        return json.loads(
            text.decode("utf-8") if isinstance(text, bytes) else text,
            object_pairs_hook=_unique_keys,
            parse_float=_exact_number if exact else float,
        )
    except json.JSONDecodeError as e:
        # e.msg may end in "starting at" ("Unterminated string starting at"): the place reads as its own part
        raise ValueError(f"it is not valid JSON ({e.msg.lower()}; line {e.lineno}, column {e.colno})") from None
    except _DuplicateKey as e:
        raise ValueError(str(e)) from None
    except UnicodeDecodeError:
        raise ValueError("it is not a text (UTF-8) JSON file") from None
    except RecursionError:
        raise ValueError("it is not a usable JSON file (nested too deeply)") from None
    except ValueError:  # e.g. an integer with thousands of digits
        raise ValueError("it is not a usable JSON file (a number in it is far too long)") from None


def scenario_from_json(text: str | bytes) -> Scenario:
    """Validate a scenario JSON document; raises ScenarioError (also for malformed JSON or a key given twice)."""
    try:
        doc = parse_json(text, exact=True)
    except ValueError as e:
        raise ScenarioError([Problem("", f"the file can't be read: {e}")]) from None
    if isinstance(doc, dict) and doc.get("type") == "clinic_profile":
        raise ScenarioError([Problem("", _NOT_A_SCENARIO)])
    if not isinstance(doc, dict):
        raise ScenarioError([Problem("", "the file must hold one scenario, a JSON object {...}")])
    return scenario_from_data(doc)


def scenario_to_json(scenario: Scenario) -> str:
    """The scenario file form (amounts as strings), suitable to reopen later: always the latest version, which reads
    every earlier file the same way (SPEC §4.9)."""
    return scenario.model_copy(update={"version": LATEST_VERSION}).model_dump_json(indent=2, exclude_none=False)
