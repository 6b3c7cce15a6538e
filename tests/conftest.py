"""Shared test helpers: paths, hypothesis profiles, and the browser fixtures (system Chromium)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit.testing.v1.app_test as app_test_module
from hypothesis import HealthCheck, settings
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
CASES_DIR = ROOT.parent / "shared" / "cases"

from scripts.localapp import CHROMIUM, launch_chromium, running_app_process  # noqa: E402

# CI runs every property at least 500 examples; locally fewer keeps the loop quick.
settings.register_profile("ci", max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def case_path(name: str) -> Path:
    """A shared worked case's scenario file; the test skips when the shared folder is not beside the project."""
    path = CASES_DIR / f"{name}.json"
    if not path.exists():
        pytest.skip(f"shared case {name} not found at {CASES_DIR}")
    return path


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m estimator ARGS` from the project root, with text output captured."""
    return subprocess.run(
        [sys.executable, "-m", "estimator", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def require_chromium() -> None:
    """Skip only when Chromium is absent and CI is unset; in CI a missing browser is a failure."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing in CI (.ci/run installs it)")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install -y chromium)")


def isolated_store_env(data_home: Path) -> dict[str, str | None]:
    """An app server's environment for tests: the clinic store's default file under `data_home` (not there until
    something is saved), and no ESTIMATOR_DATABASE_URL, so a test never reads or writes the user's own setup."""
    return {"XDG_DATA_HOME": str(data_home), "ESTIMATOR_DATABASE_URL": None}


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """`streamlit run app.py` on a free loopback port, for the browser tests: its URL and process id. It keeps no
    clinic setup (a temporary data folder), as on a patient's computer."""
    require_chromium()
    with running_app_process(env=isolated_store_env(tmp_path_factory.mktemp("app-data"))) as server:
        yield server


@pytest.fixture(scope="session")
def app_url(app_server: tuple[str, int]) -> str:
    return app_server[0]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless system Chromium driven by Playwright (never a downloaded browser)."""
    require_chromium()
    from playwright.sync_api import expect, sync_playwright

    # `expect` waits 5 s by default; a busy 2-core CI machine can take longer for a rerun, as pages may.
    expect.set_options(timeout=30_000)
    with sync_playwright() as pw:
        b = launch_chromium(pw)
        yield b
        b.close()  # type: ignore[attr-defined]


@pytest.fixture
def page(browser: object, app_url: str) -> Iterator[object]:
    """A fresh desktop-sized page with downloads allowed."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)  # type: ignore[attr-defined]
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()


@pytest.fixture
def recorded_downloads(monkeypatch: pytest.MonkeyPatch) -> list[MediaFileManager]:
    """AppTest's media file managers, one per run, so a test can call a download button's deferred data."""
    made: list[MediaFileManager] = []

    class Recording(MediaFileManager):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            made.append(self)

    monkeypatch.setattr(app_test_module, "MediaFileManager", Recording)
    return made


def download_data(at: AppTest, label: str, managers: list[MediaFileManager]) -> bytes:
    """What the download button labelled `label` hands the browser (its deferred data, called)."""
    (button,) = [b for b in at.get("download_button") if b.label == label]
    data = managers[-1]._deferred_callables[button.proto.deferred_file_id]["callable"]()
    return data if isinstance(data, bytes) else str(data).encode()
