"""Where the clinic store lives and how to reach it: SQLite in a file outside the repository by default,
PostgreSQL (psycopg 3) when ESTIMATOR_DATABASE_URL names one; the schema is Alembic's migrations on both."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

URL_VARIABLE = "ESTIMATOR_DATABASE_URL"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_ENGINES: dict[str, Engine] = {}
_READY: set[str] = set()
_LOCK = threading.Lock()


def default_sqlite_path() -> Path:
    """The SQLite file used when ESTIMATOR_DATABASE_URL is unset: in the user's data folder ($XDG_DATA_HOME, else
    ~/.local/share), never inside the repository's tracked tree."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "ketamine-estimator" / "clinic.sqlite3"


def database_url(url: str | None = None) -> str:
    """The URL to use: the one given, else ESTIMATOR_DATABASE_URL, else the default SQLite file. A bare
    postgresql:// URL gets the psycopg 3 driver (SQLAlchemy would look for psycopg2)."""
    url = url or os.environ.get(URL_VARIABLE) or f"sqlite:///{default_sqlite_path()}"
    for bare in ("postgresql://", "postgres://"):
        if url.startswith(bare):
            url = "postgresql+psycopg://" + url[len(bare) :]
    return url


def describe_database(url: str | None = None) -> str:
    """Where the store is, for people (the Clinic page, the CLI): the SQLite file's path, or the PostgreSQL
    server and database with the password hidden."""
    parsed = make_url(database_url(url))
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite file {parsed.database}"
    return f"PostgreSQL {parsed.render_as_string(hide_password=True)}"


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")  # SQLite leaves foreign keys unchecked unless asked
    cursor.execute("PRAGMA busy_timeout=15000")  # a second writer waits for the first rather than failing
    cursor.close()


def get_engine(url: str | None = None) -> Engine:
    """One engine per URL for the process (connection pools are shared by every page and thread)."""
    url = database_url(url)
    with _LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            if make_url(url).get_backend_name() == "sqlite":
                path = make_url(url).database
                if path and path != ":memory:":
                    Path(path).parent.mkdir(parents=True, exist_ok=True)
                engine = create_engine(url, connect_args={"timeout": 15})
                event.listen(engine, "connect", _sqlite_pragmas)
            else:
                engine = create_engine(url, pool_pre_ping=True)
            _ENGINES[url] = engine
        return engine


def alembic_config(url: str | None = None) -> Config:
    """Alembic's configuration without an alembic.ini: the migrations folder and the URL."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url(url).replace("%", "%%"))
    return config


def init_db(url: str | None = None) -> Engine:
    """The engine, with the schema brought up to the latest migration (creating the SQLite file on first run).
    Cheap after the first call for a URL in this process."""
    engine = get_engine(url)
    key = database_url(url)
    if key not in _READY:
        with _LOCK, engine.begin() as connection:
            config = alembic_config(key)
            config.attributes["connection"] = connection  # env.py migrates on this connection
            command.upgrade(config, "head")
            _READY.add(key)
    return engine


def dispose_all() -> None:
    """Close every pooled connection (tests, and a process that is about to exit)."""
    with _LOCK:
        for engine in _ENGINES.values():
            engine.dispose()
        _ENGINES.clear()
        _READY.clear()
