"""The clinic store (issue 18) on SQLite and on a real PostgreSQL server: migrations from empty, saving and
archiving, validation before commit, optimistic concurrency (no edit lost silently), and the clinic file's round
trip."""

from __future__ import annotations

import base64
import io
import json
import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from PIL import Image
from sqlalchemy import inspect

import clinic.store as store_module
from clinic.clinic_file import setup_from_json, setup_to_json
from clinic.db import database_url, default_sqlite_path, describe_database, init_db
from clinic.orm import Base
from clinic.profile import MAX_LOGO_SIZE, ClinicProfile, normalize_logo
from clinic.store import ClinicStore, EditConflict, NotFound, SetupInvalid
from estimator.clinic_setup import ClinicPriceList, PayerTemplate
from tests.clinic_backends import db_url, pg_server  # noqa: F401 - fixtures
from tests.conftest import ROOT

SETUP_FILE = ROOT / "tests" / "data" / "clinic_setup.json"
CLINIC = "Lakeside Ketamine & SPRAVATO Clinic"


@pytest.fixture
def store(db_url: str) -> ClinicStore:  # noqa: F811
    return ClinicStore.open(db_url)


@pytest.fixture
def imported(store: ClinicStore) -> ClinicStore:
    store.import_setup(setup_from_json(SETUP_FILE.read_bytes()))
    return store


def _template(name: str = "Aetna PPO", notes: str = "") -> PayerTemplate:
    return PayerTemplate(
        name=name,
        kind="commercial",
        in_network={"coinsurance_pct": "20"},
        services={"spravato_drug": {"covered": True, "prior_auth": True, "auth_units": 28}},
        notes=notes,
    )


# ---------------------------------------------------------------- where it is, and the schema


def test_default_database_is_a_sqlite_file_outside_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ESTIMATOR_DATABASE_URL", raising=False)
    path = default_sqlite_path()
    assert not path.resolve().is_relative_to(ROOT)
    assert database_url() == f"sqlite:///{path}"
    assert describe_database() == f"SQLite file {path}"
    monkeypatch.setenv("ESTIMATOR_DATABASE_URL", "postgresql://clinic:secret@db.example:5432/estimates")
    assert database_url().startswith("postgresql+psycopg://")  # psycopg 3, not SQLAlchemy's default psycopg2
    assert "secret" not in describe_database() and "db.example" in describe_database()


def test_migrations_build_the_models_schema_from_an_empty_database(db_url: str) -> None:  # noqa: F811
    engine = init_db(db_url)
    assert {"clinics", "price_lists", "payer_templates", "alembic_version"} <= set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []  # autogenerate would write nothing
        assert context.get_current_revision() == "0002"  # the latest migration
    init_db(db_url)  # a second start is a no-op


def test_the_sqlite_file_is_created_on_first_use(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "clinic.sqlite3"
    ClinicStore.open(f"sqlite:///{path}").list_clinics()
    assert path.exists()


# ---------------------------------------------------------------- saving, reading, archiving


def test_save_get_list_archive_and_unarchive(imported: ClinicStore) -> None:
    store = imported
    assert [k.name for k in store.list_clinics()] == [CLINIC]
    assert [k.name for k in store.list_price_lists(CLINIC)] == ["Standard 2026"]
    assert [k.name for k in store.list_price_lists(CLINIC, include_archived=True)] == ["Standard 2025", "Standard 2026"]
    assert store.get_price_list(CLINIC.upper(), "standard 2026").content.fees[1].charge == 575  # names ignore case
    kept = store.get_payer_template(CLINIC, "Medicare Part B")
    assert (kept.version, kept.archived, kept.content.kind) == (1, False, "medicare")

    archived = store.set_payer_template_archived(CLINIC, "Medicare Part B")
    assert (archived.version, archived.archived) == (2, True)
    assert "Medicare Part B" not in [k.name for k in store.list_payer_templates(CLINIC)]
    assert store.get_payer_template(CLINIC, "Medicare Part B").archived  # archived, never deleted
    back = store.set_payer_template_archived(CLINIC, "Medicare Part B", archived=False)
    assert (back.version, back.archived) == (3, False)

    updated = store.save_payer_template(CLINIC, back.content.model_copy(update={"notes": "2027 figures"}), 3)
    assert updated.version == 4 and store.get_payer_template(CLINIC, "Medicare Part B").content.notes == "2027 figures"
    renamed = store.save_payer_template(
        CLINIC, updated.content.model_copy(update={"name": "Medicare B"}), 4, rename_from="Medicare Part B"
    )
    assert renamed.version == 5 and store.get_payer_template(CLINIC, "Medicare B").version == 5
    with pytest.raises(NotFound):
        store.get_payer_template(CLINIC, "Medicare Part B")
    assert store.price_list_in_effect(CLINIC).name == "Standard 2026"


def test_a_name_is_taken_whatever_its_case(store: ClinicStore) -> None:
    profile = setup_from_json(SETUP_FILE.read_bytes()).clinic.content
    store.save_clinic(profile)
    with pytest.raises(EditConflict, match="already exists") as info:
        store.save_clinic(profile.model_copy(update={"name": CLINIC.lower()}))
    assert info.value.stored is not None and info.value.stored.name == CLINIC


def test_invalid_content_never_reaches_the_store(imported: ClinicStore) -> None:
    before = setup_to_json(imported.load_setup(CLINIC))
    good = imported.get_price_list(CLINIC, "Standard 2026")
    fees = [*good.content.fees, good.content.fees[0]]  # built without validation: a service priced twice
    bad = ClinicPriceList.model_construct(**{**dict(good.content), "fees": fees})
    with pytest.raises(SetupInvalid) as info:
        imported.save_price_list(CLINIC, bad, good.version)
    assert [str(p) for p in info.value.problems] == ["fees: service 'consult' has more than one price"]
    assert setup_to_json(imported.load_setup(CLINIC)) == before


def test_an_import_failing_half_way_leaves_the_store_as_it_was(
    imported: ClinicStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = setup_to_json(imported.load_setup(CLINIC))
    doc = json.loads(before)
    doc["price_lists"][1]["description"] = "changed"
    doc["payer_templates"].append({**doc["payer_templates"][0], "name": "New one"})
    real = store_module._columns

    def failing(content):  # the database refuses the last write, after the others were sent
        if content.name == "New one":
            raise RuntimeError("disk full")
        return real(content)

    monkeypatch.setattr(store_module, "_columns", failing)
    with pytest.raises(RuntimeError):
        imported.import_setup(setup_from_json(json.dumps(doc)))
    assert setup_to_json(imported.load_setup(CLINIC)) == before


# ---------------------------------------------------------------- two counselors at once


def test_two_sessions_editing_one_template_lose_no_edit_silently(store: ClinicStore) -> None:
    store.save_clinic(setup_from_json(SETUP_FILE.read_bytes()).clinic.content)
    store.save_payer_template(CLINIC, _template())
    first = store.get_payer_template(CLINIC, "Aetna PPO")  # counselor A opens it
    second = store.get_payer_template(CLINIC, "aetna ppo")  # counselor B opens it
    saved = store.save_payer_template(CLINIC, first.content.model_copy(update={"notes": "A's edit"}), first.version)
    assert saved.version == 2
    attempt = second.content.model_copy(update={"notes": "B's edit"})
    with pytest.raises(EditConflict) as info:
        store.save_payer_template(CLINIC, attempt, second.version)
    conflict = info.value
    assert conflict.stored is not None and conflict.stored.content.notes == "A's edit" and conflict.stored.version == 2
    assert conflict.attempted.notes == "B's edit" and conflict.expected_version == 1
    assert "changed by someone else" in str(conflict)
    # B, having seen both, saves on top of A's version: nothing was lost and B was told
    merged = store.save_payer_template(CLINIC, attempt.model_copy(update={"notes": "A's edit; B's edit"}), 2)
    assert merged.version == 3 and store.get_payer_template(CLINIC, "Aetna PPO").content.notes == "A's edit; B's edit"
    with pytest.raises(EditConflict):  # archiving from a stale version is refused too
        store.set_payer_template_archived(CLINIC, "Aetna PPO", expected_version=2)


@pytest.mark.parametrize("create", [False, True], ids=["update", "create"])
def test_saves_at_the_same_moment_one_wins_the_other_is_told(store: ClinicStore, create: bool) -> None:
    store.save_clinic(setup_from_json(SETUP_FILE.read_bytes()).clinic.content)
    if not create:
        store.save_payer_template(CLINIC, _template())
    barrier = threading.Barrier(2)
    outcome: dict[str, object] = {}

    def save(who: str) -> None:
        barrier.wait()
        try:
            outcome[who] = store.save_payer_template(CLINIC, _template(notes=who), None if create else 1)
        except EditConflict as e:
            outcome[who] = e

    threads = [threading.Thread(target=save, args=(who,)) for who in ("A", "B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    conflicts = [v for v in outcome.values() if isinstance(v, EditConflict)]
    assert len(outcome) == 2 and len(conflicts) == 1, outcome
    (loser,) = conflicts
    winner = "A" if loser.attempted.notes == "B" else "B"
    stored = store.get_payer_template(CLINIC, "Aetna PPO")
    assert stored.content.notes == winner and stored.version == (1 if create else 2)
    assert loser.stored is not None and loser.stored.content.notes == winner


# ---------------------------------------------------------------- the clinic file


def test_import_then_export_gives_the_same_file(store: ClinicStore) -> None:
    original = SETUP_FILE.read_text(encoding="utf-8")
    setup = setup_from_json(original)
    assert (len(setup.price_lists), len(setup.payer_templates)) == (2, 3)
    report = store.import_setup(setup)
    assert report == [
        f"clinic {CLINIC!r}: added",
        "price list 'Standard 2025': added",
        "price list 'Standard 2026': added",
        "payer template 'Aetna Open Access PPO': added",
        "payer template 'BCBS PPO, clinic out of network': added",
        "payer template 'Medicare Part B': added",
    ]
    assert setup_to_json(store.load_setup(CLINIC)) == original  # byte for byte
    assert all(line.endswith("unchanged") for line in store.import_setup(setup_from_json(original)))

    doc = json.loads(original)
    doc["payer_templates"][2]["notes"] = "new notes"
    doc["payer_templates"].reverse()  # order in the file does not matter: the export is canonical
    report = store.import_setup(setup_from_json(json.dumps(doc)))
    assert "payer template 'Medicare Part B': replaced (now version 2)" in report
    assert json.loads(setup_to_json(store.load_setup(CLINIC)))["payer_templates"][2]["notes"] == "new notes"


def _png(size: tuple[int, int], mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "teal").save(out, format="PNG")
    return out.getvalue()


def test_the_logo_is_shrunk_and_re_encoded_and_round_trips(store: ClinicStore) -> None:
    big = io.BytesIO()
    Image.new("RGB", (2400, 1200), "navy").save(big, format="JPEG")
    logo = normalize_logo(big.getvalue())
    with Image.open(io.BytesIO(logo)) as image:
        assert image.format == "PNG" and image.width <= MAX_LOGO_SIZE[0] and image.height <= MAX_LOGO_SIZE[1]
    assert normalize_logo(logo) == logo  # stable: a stored logo reads back the same
    profile = setup_from_json(SETUP_FILE.read_bytes()).clinic.content.model_copy(update={"logo_png": None})
    store.save_clinic(ClinicProfile.model_validate({**profile.model_dump(), "logo_png": big.getvalue()}))
    assert store.get_clinic(CLINIC).content.logo_png == logo
    exported = setup_to_json(store.load_setup(CLINIC))
    store.import_setup(setup_from_json(exported))
    assert setup_to_json(store.load_setup(CLINIC)) == exported


@pytest.mark.parametrize(
    ("logo", "words"),
    [
        (b"not an image at all", "not an image"),
        (_png((20_000, 20_000), "1"), "too many pixels"),  # a few KB that would unpack to 400 megapixels
        (b"\0" * 2_000_001, "larger than 2 MB"),
    ],
    ids=["garbage", "bomb", "too-large"],
)
def test_a_bad_logo_is_refused_with_its_path(logo: bytes, words: str) -> None:
    doc = json.loads(SETUP_FILE.read_text(encoding="utf-8"))
    doc["clinic"]["logo_png"] = base64.b64encode(logo).decode()
    with pytest.raises(SetupInvalid) as info:
        setup_from_json(json.dumps(doc))
    (problem,) = info.value.problems
    assert problem.loc == "clinic.logo_png" and words in problem.message, problem


def test_a_bad_file_names_every_problem_by_path() -> None:
    doc = json.loads(SETUP_FILE.read_text(encoding="utf-8"))
    doc["clinic"]["npi"] = "1234567890"  # check digit wrong
    doc["price_lists"][1]["fees"][0]["charge"] = "12.345"
    doc["payer_templates"][0]["services"]["spravato_drug"]["auth_units"] = 0
    with pytest.raises(SetupInvalid) as info:
        setup_from_json(json.dumps(doc))
    found = {p.loc: p.message for p in info.value.problems}
    assert "check digit" in found["clinic.npi"]
    assert "2 decimal places" in found["price_lists.1.fees.0.charge"]
    assert "greater than or equal to 1" in found["payer_templates.0.services.spravato_drug.auth_units"]
    with pytest.raises(SetupInvalid, match="given more than once"):
        bad = json.loads(SETUP_FILE.read_text(encoding="utf-8"))
        bad["payer_templates"][1]["name"] = bad["payer_templates"][2]["name"].upper()
        setup_from_json(json.dumps(bad))
