"""The server freezes its startup heap once, so the collection Streamlit runs after every script run stays cheap."""

from __future__ import annotations

import gc
import subprocess
import sys

from tests.conftest import ROOT

# A fresh interpreter: this test process's own heap (pytest, other tests' apps) must not decide the figures.
PROBE = """
import gc, sys, time
sys.path.insert(0, {root!r})
from streamlit.testing.v1 import AppTest

at = AppTest.from_file({app!r}, default_timeout=120)
at.run()
assert not at.exception, at.exception
import ui.heap
frozen = gc.get_freeze_count()
again = ui.heap.freeze_startup_heap()
at.run()
times = []
for _ in range(3):
    t = time.perf_counter(); gc.collect(); times.append(time.perf_counter() - t)
print(frozen, again, "pandas" in sys.modules, min(times) * 1000)
"""


def test_the_app_freezes_its_startup_heap_once_and_a_full_collection_is_then_cheap() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(root=str(ROOT), app=str(ROOT / "app.py"))],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    frozen, again, pandas, gc_ms = out.stdout.split()[-4:]
    assert int(frozen) > 100_000  # the modules the pages use, frozen by the first run
    assert again == "False"  # a second call does nothing: sessions' objects are never frozen
    assert pandas == "True"  # the default page's body was imported before freezing
    # unfrozen, this collection walked every module's objects: about 100 ms here; frozen, a few ms
    assert float(gc_ms) < 25, gc_ms


def test_freezing_leaves_the_collector_on() -> None:
    assert gc.isenabled()
