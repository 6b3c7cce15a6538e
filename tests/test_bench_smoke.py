"""The benchmark's in-process parts still run against today's core (a CLI change once broke its --jsonl heap
figure without any test noticing). Tiny counts: this checks that it runs, never how fast."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from scripts.localapp import CHROMIUM
from tests.conftest import ROOT


def test_the_benchmarks_in_process_figures_run(capsys) -> None:  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import bench
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    bench.bench_one(2)
    bench.bench_jsonl_heap((5, 10))
    out = capsys.readouterr().out
    assert "one estimate (56 sessions" in out
    assert "--jsonl heap: peak" in out and "over 5 scenarios" in out


def test_the_benchmarks_browser_figures_run() -> None:
    """Enter-to-headline and first load on the Estimate page and the bare page, once each: the selectors, the
    page's number field and the headline the bench waits for still exist (a rebuilt page must keep them). In a
    process of its own: Playwright's sync API refuses to start inside the browser tests' running one."""
    if not os.path.exists(CHROMIUM) and not os.environ.get("CI"):
        pytest.skip(f"no system Chromium at {CHROMIUM}")
    code = "import sys; sys.path.insert(0, 'scripts'); import bench; bench.bench_browser(changes=1, loads=1)"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert "Enter in 'Weeks to estimate'" in out and "(target <= 2.0)" in out
    assert "first load to the headline visible" in out and "(target <= 1.5" in out
