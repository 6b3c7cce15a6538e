"""The clinic file: one JSON document holding a clinic's details, price lists and payer templates.

Read like a scenario file (parsed as data, a key given twice refused, numbers exact, every problem reported as
`path: message`), and written canonically: fields in model order, price lists and templates by name, each
template's services by id, amounts as strings, the logo as base64 PNG. So exporting what was imported gives the same
file, byte for byte, and two exports of the same store are identical.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from clinic.profile import ClinicProfile
from clinic.store import ClinicSetup, SetupInvalid, SetupItem
from estimator.clinic_setup import ClinicPriceList, PayerTemplate, name_key
from estimator.models import field_error
from estimator.scenario_io import Problem, parse_json, problems_from

FILE_TYPE = "clinic_setup"
FORMAT = 1
MAX_FILE_BYTES = 5_000_000  # a logo of 2 MB is about 2.7 MB as base64


class _ClinicEntry(ClinicProfile):
    archived: bool = False


class _PriceListEntry(ClinicPriceList):
    archived: bool = False


class _TemplateEntry(PayerTemplate):
    archived: bool = False


def _unique(what: str, names: list[str]) -> None:
    keys = [name_key(n) for n in names]
    dup = next((n for n, k in zip(names, keys, strict=True) if keys.count(k) > 1), None)
    if dup is not None:
        raise field_error(what, f"the name {dup!r} is given more than once (names are compared ignoring case)")


class _ClinicFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["clinic_setup"]
    format: Literal[1]
    clinic: _ClinicEntry
    price_lists: list[_PriceListEntry] = Field(default_factory=list, max_length=100)
    payer_templates: list[_TemplateEntry] = Field(default_factory=list, max_length=500)

    @model_validator(mode="after")
    def _names_unique(self) -> _ClinicFile:
        _unique("price_lists", [p.name for p in self.price_lists])
        _unique("payer_templates", [t.name for t in self.payer_templates])
        return self


def _plain(entry: BaseModel, model: type[BaseModel]) -> Any:
    return model.model_validate(entry.model_dump(exclude={"archived"}))


def setup_from_json(raw: bytes | str) -> ClinicSetup:
    """Read a clinic file; raises SetupInvalid with one `path: message` problem per field."""
    if len(raw) > MAX_FILE_BYTES:
        raise SetupInvalid([Problem("", f"the file is larger than {MAX_FILE_BYTES:,} bytes")])
    try:
        doc = parse_json(raw, exact=True)
    except ValueError as e:
        raise SetupInvalid([Problem("", f"the file can't be read: {e}")]) from None
    if not isinstance(doc, dict):
        raise SetupInvalid([Problem("", 'the file must hold one clinic setup, a JSON object {"type": "clinic_setup"}')])
    if doc.get("type") != FILE_TYPE and "protocol" in doc:
        raise SetupInvalid([Problem("", "this is a scenario file (a saved estimate), not a clinic setup file")])
    clinic = doc.get("clinic")
    if isinstance(clinic, dict) and isinstance(clinic.get("logo_png"), str):
        try:
            doc = {**doc, "clinic": {**clinic, "logo_png": base64.b64decode(clinic["logo_png"], validate=True)}}
        except (binascii.Error, ValueError):
            raise SetupInvalid([Problem("clinic.logo_png", "the logo must be a PNG image written in base64")]) from None
    try:
        parsed = _ClinicFile.model_validate(doc)
    except ValidationError as e:  # a bad logo is one too (LogoError is a ValueError, which pydantic reports)
        raise SetupInvalid(problems_from(e)) from None
    return ClinicSetup(
        SetupItem(_plain(parsed.clinic, ClinicProfile), parsed.clinic.archived),
        tuple(SetupItem(_plain(p, ClinicPriceList), p.archived) for p in parsed.price_lists),
        tuple(SetupItem(_plain(t, PayerTemplate), t.archived) for t in parsed.payer_templates),
    )


def _entry(item: SetupItem[Any]) -> dict[str, Any]:
    data = item.content.model_dump(mode="json", exclude={"logo_png"})
    if isinstance(item.content, ClinicProfile):
        logo = item.content.logo_png
        data["logo_png"] = base64.b64encode(logo).decode("ascii") if logo is not None else None
    if isinstance(item.content, PayerTemplate):
        data["services"] = dict(sorted(data["services"].items()))
    return {**data, "archived": item.archived}


def setup_to_json(setup: ClinicSetup) -> str:
    """The canonical clinic file (see the module's docstring), ending in a newline."""
    doc = {
        "type": FILE_TYPE,
        "format": FORMAT,
        "clinic": _entry(setup.clinic),
        "price_lists": [_entry(p) for p in sorted(setup.price_lists, key=lambda p: name_key(p.content.name))],
        "payer_templates": [_entry(t) for t in sorted(setup.payer_templates, key=lambda t: name_key(t.content.name))],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
