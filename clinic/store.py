"""The clinic store's functions: list, get, save (create or update with the expected version), archive.

Every function takes and returns validated pydantic models (ClinicProfile, ClinicPriceList, PayerTemplate), wrapped
in `Kept` with the version and archived flag. Every write is one transaction, validated before it commits. Edits
use optimistic concurrency: a save names the version it started from, and when someone saved in between it raises
EditConflict carrying both the stored and the attempted content, so no edit is ever lost without the user knowing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clinic.db import describe_database, init_db
from clinic.orm import ClinicRow, PayerTemplateRow, PriceListRow
from clinic.profile import ClinicProfile
from estimator.clinic_setup import ClinicPriceList, PayerTemplate, name_key
from estimator.scenario_io import Problem, problems_from

T = TypeVar("T", ClinicProfile, ClinicPriceList, PayerTemplate)
_Row = ClinicRow | PriceListRow | PayerTemplateRow


@dataclass(frozen=True, slots=True)
class Kept(Generic[T]):
    """One kept thing: its validated content, the version to name when saving it again, and whether archived."""

    content: T
    version: int
    archived: bool
    updated_at: dt.datetime

    @property
    def name(self) -> str:
        return self.content.name


@dataclass(frozen=True, slots=True)
class SetupItem(Generic[T]):
    """One thing in a clinic's setup file, with its archived flag."""

    content: T
    archived: bool = False


@dataclass(frozen=True, slots=True)
class ClinicSetup:
    """A clinic's whole setup: its details, price lists and payer templates (what a clinic file holds)."""

    clinic: SetupItem[ClinicProfile]
    price_lists: tuple[SetupItem[ClinicPriceList], ...] = ()
    payer_templates: tuple[SetupItem[PayerTemplate], ...] = ()

    def active_templates(self) -> dict[str, PayerTemplate]:
        """The templates a batch row may name (archived ones are kept for old quotes, not offered)."""
        return {t.content.name: t.content for t in self.payer_templates if not t.archived}


class StoreError(Exception):
    """Something the clinic store refused, said in plain English."""


class NotFound(StoreError, LookupError):
    """No clinic, price list or template by that name."""


class SetupInvalid(StoreError, ValueError):
    """Content that fails validation, with one `field.path: message` problem per field."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems


class EditConflict(StoreError):
    """A save that would overwrite someone else's edit (or create a name that now exists): `stored` is what the
    store holds now (None if it was never found), `attempted` what this save tried to write."""

    def __init__(self, what: str, stored: Kept[Any] | None, attempted: BaseModel, expected_version: int | None) -> None:
        if expected_version is None:
            message = f"a {what} named {attempted.name!r} already exists (saved by someone else?)"  # type: ignore[attr-defined]
        else:
            now = f"version {stored.version}" if stored is not None else "a version"
            message = (
                f"the {what} {attempted.name!r} was changed by someone else since you opened it "  # type: ignore[attr-defined]
                f"(you started from version {expected_version}; the store has {now}); compare both and save again"
            )
        super().__init__(message)
        self.what = what
        self.stored = stored
        self.attempted = attempted
        self.expected_version = expected_version


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime | None) -> dt.datetime:
    """SQLite hands back naive timestamps; the store writes UTC."""
    if value is None:
        return _now()
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class _Kind:
    row: type[_Row]
    model: type[BaseModel]
    what: str


_CLINIC = _Kind(ClinicRow, ClinicProfile, "clinic")
_PRICE_LIST = _Kind(PriceListRow, ClinicPriceList, "price list")
_TEMPLATE = _Kind(PayerTemplateRow, PayerTemplate, "payer template")


def validated(model: type[T], content: T | dict[str, Any]) -> T:
    """The content checked again as stored (its JSON form read back), or SetupInvalid with `path: message`
    problems: a model built without validation (model_construct) never reaches the database."""
    try:
        if isinstance(content, BaseModel):
            data = content.model_dump(mode="json", exclude={"logo_png"})
            if isinstance(content, ClinicProfile):
                data["logo_png"] = content.logo_png
            content = data
        return model.model_validate(content)
    except ValidationError as e:
        raise SetupInvalid(problems_from(e)) from None


def _columns(content: BaseModel) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": content.name,  # type: ignore[attr-defined]
        "name_key": name_key(content.name),  # type: ignore[attr-defined]
        "content": content.model_dump(mode="json", exclude={"logo_png"}),
    }
    if isinstance(content, ClinicProfile):
        values["logo_png"] = content.logo_png
    return values


def _kept(kind: _Kind, row: _Row) -> Kept[Any]:
    data = dict(row.content)
    if isinstance(row, ClinicRow):
        data["logo_png"] = row.logo_png
    return Kept(validated(kind.model, data), row.version, row.archived, _aware(row.updated_at))


class ClinicStore:
    """The clinic store on one database (see clinic.db for where it is)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str | None = None) -> ClinicStore:
        """The store at `url` (default: ESTIMATOR_DATABASE_URL, else the SQLite file), migrated to the latest."""
        return cls(init_db(url))

    @property
    def location(self) -> str:
        """Where the store is, for people (password hidden)."""
        return describe_database(self.engine.url.render_as_string(hide_password=False))

    # ------------------------------------------------------------ reading

    def _clinic_row(self, session: Session, clinic: str) -> ClinicRow:
        row = session.scalar(select(ClinicRow).where(ClinicRow.name_key == name_key(clinic)))
        if row is None:
            raise NotFound(f"no clinic named {clinic!r} is kept")
        return row

    def _scope(self, session: Session, kind: _Kind, clinic: str | None) -> Any:
        if kind is _CLINIC:
            return select(ClinicRow)
        clinic_id = self._clinic_row(session, clinic or "").id
        return select(kind.row).where(kind.row.clinic_id == clinic_id)  # type: ignore[union-attr]

    def _list(self, kind: _Kind, clinic: str | None, include_archived: bool) -> list[Kept[Any]]:
        with Session(self.engine) as session:
            query = self._scope(session, kind, clinic)
            if not include_archived:
                query = query.where(kind.row.archived.is_(False))
            rows = session.scalars(query.order_by(kind.row.name_key)).all()
            return [_kept(kind, row) for row in rows]

    def _get(self, kind: _Kind, clinic: str | None, name: str) -> Kept[Any]:
        with Session(self.engine) as session:
            row = session.scalar(self._scope(session, kind, clinic).where(kind.row.name_key == name_key(name)))
            if row is None:
                where = f" of clinic {clinic!r}" if clinic else ""
                raise NotFound(f"no {kind.what} named {name!r} is kept{where}")
            return _kept(kind, row)

    # ------------------------------------------------------------ writing

    def _write(self, kind: _Kind, clinic: str | None, work: Callable[[Session, Any], Kept[Any]]) -> Kept[Any]:
        """Run one write in one transaction (committed only when `work` returns)."""
        with Session(self.engine) as session, session.begin():
            return work(session, self._scope(session, kind, clinic))

    def _save(
        self, kind: _Kind, clinic: str | None, content: Any, expected_version: int | None, rename_from: str | None
    ) -> Kept[Any]:
        content = validated(kind.model, content)
        key = name_key(content.name)
        from_key = name_key(rename_from) if rename_from else key

        def work(session: Session, scope: Any) -> Kept[Any]:
            row = session.scalar(scope.where(kind.row.name_key == from_key))
            if expected_version is None:  # a new one
                if row is not None:
                    raise EditConflict(kind.what, _kept(kind, row), content, None)
                values = _columns(content)
                if kind is not _CLINIC:
                    values["clinic_id"] = self._clinic_row(session, clinic or "").id
                new = kind.row(**values, version=1, archived=False, updated_at=_now())
                session.add(new)
                session.flush()  # a name taken at the same moment fails here (unique constraint)
                return Kept(content, 1, False, _now())
            if row is None:
                raise NotFound(f"no {kind.what} named {rename_from or content.name!r} is kept")
            if key != from_key and session.scalar(scope.where(kind.row.name_key == key)) is not None:
                raise EditConflict(kind.what, self._get(kind, clinic, content.name), content, None)
            return self._update(session, kind, row, content, expected_version, _columns(content))

        try:
            return self._write(kind, clinic, work)
        except IntegrityError:  # created (or renamed to) at the same moment by someone else
            raise EditConflict(kind.what, self._get(kind, clinic, content.name), content, None) from None

    def _update(
        self, session: Session, kind: _Kind, row: _Row, content: Any, expected: int, values: dict[str, Any]
    ) -> Kept[Any]:
        """Write `values` only if the row is still at version `expected` (checked by the UPDATE itself, so two
        saves at the same moment cannot both pass); else EditConflict with both contents."""
        now = _now()
        done = session.execute(
            update(kind.row)
            .where(kind.row.id == row.id, kind.row.version == expected)
            .values(**values, version=expected + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            # Read what the other save committed (a new statement sees it); the transaction then rolls back.
            stored = session.scalar(
                select(kind.row).where(kind.row.id == row.id).execution_options(populate_existing=True)
            )
            raise EditConflict(kind.what, _kept(kind, stored) if stored else None, content, expected)
        archived = values.get("archived", row.archived)
        return Kept(content, expected + 1, archived, now)

    def _set_archived(
        self, kind: _Kind, clinic: str | None, name: str, archived: bool, expected_version: int | None
    ) -> Kept[Any]:
        def work(session: Session, scope: Any) -> Kept[Any]:
            row = session.scalar(scope.where(kind.row.name_key == name_key(name)))
            if row is None:
                raise NotFound(f"no {kind.what} named {name!r} is kept")
            current = _kept(kind, row)
            if row.archived == archived:
                return current
            expected = row.version if expected_version is None else expected_version
            return self._update(session, kind, row, current.content, expected, {"archived": archived})

        return self._write(kind, clinic, work)

    # ------------------------------------------------------------ a whole clinic's setup (files in and out)

    def load_setup(self, clinic: str) -> ClinicSetup:
        """Everything kept for one clinic, archived things included (for export and the batch)."""
        kept = self.get_clinic(clinic)
        return ClinicSetup(
            SetupItem(kept.content, kept.archived),
            tuple(SetupItem(k.content, k.archived) for k in self.list_price_lists(clinic, include_archived=True)),
            tuple(SetupItem(k.content, k.archived) for k in self.list_payer_templates(clinic, include_archived=True)),
        )

    def import_setup(self, setup: ClinicSetup) -> list[str]:
        """Add or replace the clinic, each price list and each template by name, in one transaction (all or
        nothing). Things the store keeps that the setup does not name stay as they are. Returns one line per
        thing: added, replaced or unchanged."""
        report: list[str] = []
        clinic = validated(ClinicProfile, setup.clinic.content)

        def put(session: Session, kind: _Kind, scope: Any, item: SetupItem[Any], clinic_id: int | None) -> int:
            content = validated(kind.model, item.content)
            values = {**_columns(content), "archived": item.archived}
            row = session.scalar(scope.where(kind.row.name_key == values["name_key"]))
            label = f"{kind.what} {content.name!r}"
            if row is None:
                extra = {} if clinic_id is None else {"clinic_id": clinic_id}
                row = kind.row(**values, **extra, version=1, updated_at=_now())
                session.add(row)
                session.flush()
                report.append(f"{label}: added")
            elif _kept(kind, row).content == content and row.archived == item.archived and row.name == content.name:
                report.append(f"{label}: unchanged")
            else:
                self._update(session, kind, row, content, row.version, values)
                report.append(f"{label}: replaced (now version {row.version + 1})")
            return row.id

        with Session(self.engine) as session, session.begin():
            clinic_id = put(session, _CLINIC, select(ClinicRow), SetupItem(clinic, setup.clinic.archived), None)
            for kind, items in ((_PRICE_LIST, setup.price_lists), (_TEMPLATE, setup.payer_templates)):
                scope = select(kind.row).where(kind.row.clinic_id == clinic_id)  # type: ignore[union-attr]
                for item in items:
                    put(session, kind, scope, item, clinic_id)
        return report

    # ------------------------------------------------------------ clinics

    def list_clinics(self, include_archived: bool = False) -> list[Kept[ClinicProfile]]:
        return self._list(_CLINIC, None, include_archived)

    def get_clinic(self, name: str) -> Kept[ClinicProfile]:
        return self._get(_CLINIC, None, name)

    def save_clinic(
        self, profile: ClinicProfile, expected_version: int | None = None, *, rename_from: str | None = None
    ) -> Kept[ClinicProfile]:
        """Create (expected_version None) or update the clinic's details; `rename_from` when the name changes."""
        return self._save(_CLINIC, None, profile, expected_version, rename_from)

    def set_clinic_archived(
        self, name: str, archived: bool = True, expected_version: int | None = None
    ) -> Kept[ClinicProfile]:
        return self._set_archived(_CLINIC, None, name, archived, expected_version)

    # ------------------------------------------------------------ price lists

    def list_price_lists(self, clinic: str, include_archived: bool = False) -> list[Kept[ClinicPriceList]]:
        return self._list(_PRICE_LIST, clinic, include_archived)

    def get_price_list(self, clinic: str, name: str) -> Kept[ClinicPriceList]:
        return self._get(_PRICE_LIST, clinic, name)

    def save_price_list(
        self,
        clinic: str,
        price_list: ClinicPriceList,
        expected_version: int | None = None,
        *,
        rename_from: str | None = None,
    ) -> Kept[ClinicPriceList]:
        return self._save(_PRICE_LIST, clinic, price_list, expected_version, rename_from)

    def set_price_list_archived(
        self, clinic: str, name: str, archived: bool = True, expected_version: int | None = None
    ) -> Kept[ClinicPriceList]:
        return self._set_archived(_PRICE_LIST, clinic, name, archived, expected_version)

    def price_list_in_effect(self, clinic: str, on: dt.date | None = None) -> Kept[ClinicPriceList]:
        """The active price list in effect on a day (default today): the latest effective date on or before it; a
        list without a date counts as always in effect. NotFound when none is."""
        on = on or dt.date.today()
        active = [k for k in self.list_price_lists(clinic) if (k.content.effective or dt.date.min) <= on]
        if not active:
            raise NotFound(f"clinic {clinic!r} keeps no active price list in effect on {on.isoformat()}")
        return max(active, key=lambda k: (k.content.effective or dt.date.min, k.updated_at))

    # ------------------------------------------------------------ payer templates

    def list_payer_templates(self, clinic: str, include_archived: bool = False) -> list[Kept[PayerTemplate]]:
        return self._list(_TEMPLATE, clinic, include_archived)

    def get_payer_template(self, clinic: str, name: str) -> Kept[PayerTemplate]:
        return self._get(_TEMPLATE, clinic, name)

    def save_payer_template(
        self,
        clinic: str,
        template: PayerTemplate,
        expected_version: int | None = None,
        *,
        rename_from: str | None = None,
    ) -> Kept[PayerTemplate]:
        return self._save(_TEMPLATE, clinic, template, expected_version, rename_from)

    def set_payer_template_archived(
        self, clinic: str, name: str, archived: bool = True, expected_version: int | None = None
    ) -> Kept[PayerTemplate]:
        return self._set_archived(_TEMPLATE, clinic, name, archived, expected_version)
