"""The clinic store's test databases: a fresh SQLite file, and a fresh schema on a real PostgreSQL server.

The server is the one ESTIMATOR_TEST_PG_URL names (.ci/run starts one and sets it); without it a throwaway server
is started from the local PostgreSQL binaries (initdb + pg_ctl, as the postgres user when run as root). The
PostgreSQL tests skip only when neither works and CI is unset; in CI a missing server fails them.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

PG_VARIABLE = "ESTIMATOR_TEST_PG_URL"


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name) or sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found if isinstance(found, str) else (found[-1] if found else None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_local_server() -> tuple[str, list[str], Path] | None:
    """(URL, stop command, folder) of a throwaway server on a Unix socket, or None when it can't be started here."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        return None
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root
        if shutil.which("runuser") is None or subprocess.run(["id", "postgres"], capture_output=True).returncode:
            return None
        as_user = ["runuser", "-u", "postgres", "--"]
    home = Path(tempfile.mkdtemp(prefix="estimator-pg-"))
    data = home / "data"
    if as_user:
        shutil.chown(home, "postgres")
    port = _free_port()
    try:
        subprocess.run([*as_user, initdb, "-D", str(data), "-U", "postgres", "--auth=trust"], check=True,
                       capture_output=True, timeout=120)  # fmt: skip
        options = f"-k {home} -p {port} -c listen_addresses=''"
        subprocess.run([*as_user, pg_ctl, "-D", str(data), "-o", options, "-w", "-l", str(home / "log"), "start"],
                       check=True, capture_output=True, timeout=120)  # fmt: skip
    except (subprocess.SubprocessError, OSError):
        shutil.rmtree(home, ignore_errors=True)
        return None
    stop = [*as_user, pg_ctl, "-D", str(data), "-m", "fast", "stop"]
    return f"postgresql+psycopg://postgres@/postgres?host={home}&port={port}", stop, home


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A PostgreSQL server's URL for the whole run."""
    url = os.environ.get(PG_VARIABLE)
    if url:
        yield url
        return
    started = _start_local_server()
    if started is None:
        if os.environ.get("CI"):
            pytest.fail(f"no PostgreSQL server in CI: {PG_VARIABLE} is unset (.ci/run starts one and sets it)")
        pytest.skip(f"no PostgreSQL server: set {PG_VARIABLE} or install postgresql")
    url, stop, home = started
    try:
        yield url
    finally:
        subprocess.run(stop, capture_output=True, timeout=120, check=False)
        shutil.rmtree(home, ignore_errors=True)


def _with_schema(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty clinic store's URL on each backend: a new SQLite file, or a new schema on the PostgreSQL server
    (dropped afterwards)."""
    from clinic.db import database_url, dispose_all

    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
        dispose_all()
        return
    server = database_url(request.getfixturevalue("pg_server"))
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield _with_schema(server, schema)
    finally:
        dispose_all()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
