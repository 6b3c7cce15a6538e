"""The benchmark's in-process parts still run against today's core (a CLI change once broke its --jsonl heap
figure without any test noticing). Tiny counts: this checks that it runs, never how fast."""

from __future__ import annotations

import sys

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
