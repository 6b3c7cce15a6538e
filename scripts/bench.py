"""Benchmarks of SPEC §6, printed as figures (never asserted in unit tests).

Run with `./dev bench` (or `./dev bench --quick` for fewer repetitions). Prints:
- median time of one 52-week weekly SPRAVATO estimate with every feature on (in process);
- wall time and peak memory of 1,000 and 10,000 mixed scenarios through `python -m estimator estimate --jsonl`;
- in headless Chromium (when /usr/bin/chromium exists), side by side with a bare page holding one number input
  and one metric (scripts/bench_bare_page.py, same Streamlit, config and server flags): the time from Enter in
  a number field to the new headline in the DOM, and the first load until the headline shows;
- the batch figures from scripts/bench_batch.py when present;
- the plan-year rollover of 1,000 and 5,000 patients on SQLite (scripts/bench_rollover.py): wall time, peak memory;
- the machine's speed at the start and the end (a fixed pure-Python loop): a shared VM's speed changes from
  hour to hour. A rough sign of that drift only: the loop and the estimate did not always move together.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from estimator import estimate  # noqa: E402
from estimator.result import result_to_json  # noqa: E402
from estimator.scenario_io import scenario_from_data, scenario_from_json  # noqa: E402

FEES = [
    {"service": "consult", "code": "99205", "charge": "350"},
    {"service": "iv_infusion", "code": "96365+J3490", "charge": "550"},
    {"service": "spravato_drug", "code": "J0013", "charge": "375"},
    {"service": "spravato_observation", "code": "99215+99415+99416", "charge": "300"},
    {"service": "therapy", "code": "90837", "charge": "180"},
]


def full_featured() -> dict[str, Any]:
    """52 weeks of weekly SPRAVATO (56 sessions) with every feature on, version 2's included."""
    return {
        "version": 2,
        "patient_state": "NY",
        "name": "bench: everything on",
        "start_date": "2026-11-02",
        "horizon_weeks": 52,
        "protocol": {"type": "spravato", "dose_mg": 84, "week9_every_weeks": 1, "per_session": ["therapy"]},
        "fees": FEES,
        "packages": [{"service": "therapy", "sessions": 10, "price": "1500"}],
        "coverage": {
            "kind": "commercial",
            "in_network": {
                "deductible": "3400",
                "deductible_met": "900",
                "coinsurance_pct": "20",
                "oop_max": "8500",
                "oop_met": "1200",
            },
            "out_of_network": {"deductible": "5000", "coinsurance_pct": "40", "oop_max": "17000"},
            "pharmacy": {"deductible": "500", "coinsurance_pct": "25", "max_per_fill": "250"},
            "family": {"type": "embedded", "deductible": "6800", "oop_max": "17000"},
            "services": {
                "consult": {"covered": True, "copay": "40", "deductible_applies": False},
                "spravato_drug": {"covered": True, "benefit": "pharmacy", "allowed": "350"},
                "spravato_observation": {"covered": True, "prior_auth": True, "allowed": "280", "auth_units": 40},
                "therapy": {"covered": True, "copay": "30", "network": "out", "oon_allowed": "150"},
            },
            "prior_auth_until": "2027-09-30",
            "plan_year_start": "07-01",
        },
        "savings_programs": [
            {"name": "withMe", "services": ["spravato_drug"], "patient_pays_per_session": "10", "annual_max": "7150"},
            {
                "name": "withMe observation rebate",
                "services": ["spravato_observation"],
                "annual_max": "1000",
                "excluded_states": ["MA", "MI", "MN", "RI"],
            },
        ],
        "accounts": {
            "fsa_available": "1200",
            "fsa_next_years": "3000",
            "hsa_available": "2500",
            "federal_rate_pct": "22",
            "state_rate_pct": "5",
        },
        "travel": {"round_trip_miles": "30", "parking_per_visit": "8"},
        "time_off": {"hours_per_visit": "3", "hourly_wage": "28.50"},
        "financing": {"apr_pct": "26.99", "months": 12},
    }


def mixed(rng: random.Random, i: int) -> dict[str, Any]:
    """A varied valid scenario: protocols, horizons, coverage kinds and features drawn at random; half of them
    version 2 files that use its fields (a course under way, per-service network, authorized units, a state)."""
    kind = rng.choice(["self_pay", "commercial", "commercial", "medicare", "medicaid"])
    v2 = i % 2 == 1
    proto = rng.choice(
        [
            {"type": "iv_ketamine", "booster_every_weeks": rng.choice([0, 4, 6])},
            {"type": "spravato", "dose_mg": rng.choice([56, 84]), "week9_every_weeks": rng.choice([1, 2])},
            {"type": "spravato", "week9_every_weeks": 2, "once": [], "start_session": rng.randint(2, 40)},
            {"type": "iv_ketamine", "booster_every_weeks": 4, "once": [], "start_session": rng.randint(2, 20)},
            {"type": "spravato", "indication": "mdsi"},
            {
                "type": "custom",
                "once": ["consult"],
                "sessions": [{"day": d, "services": [{"service": "therapy"}]} for d in range(0, 70, 7)],
            },
        ]
    )
    if not v2 and "start_session" in proto:
        proto = {k: v for k, v in proto.items() if k != "start_session"}
    s: dict[str, Any] = {
        "version": 2 if v2 else 1,
        "start_date": f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "horizon_weeks": rng.choice([4, 13, 26, 52]),
        "protocol": proto,
        "fees": FEES,
        "coverage": {"kind": kind},
    }
    if kind != "self_pay":
        ded = rng.choice([0, 283, 1500, 3400])
        s["coverage"].update(
            network="in",
            plan_year_start=rng.choice(["01-01", "07-01"]),
            in_network={
                "deductible": str(ded),
                "deductible_met": str(rng.randint(0, ded)),
                "coinsurance_pct": str(rng.choice([0, 10, 20, 30])),
                "oop_max": rng.choice([None, "6000", "8500"]),
            },
            services={
                sid: {"covered": rng.random() < 0.8}
                for sid in ("consult", "spravato_drug", "spravato_observation", "therapy", "iv_infusion")
            },
        )
        if v2:
            s["patient_state"] = rng.choice([None, "CA", "MI", "TX"])
            s["coverage"]["out_of_network"] = {"deductible": "4000", "coinsurance_pct": "40", "oop_max": "12000"}
            rules = s["coverage"]["services"]
            rules["therapy"].update(network=rng.choice(["in", "out"]), oon_allowed="120")
            rules["spravato_drug"].update(prior_auth=True, auth_units=rng.choice([23, 56, 84]))
        if rng.random() < 0.5:
            s["savings_programs"] = [
                {
                    "name": "withMe",
                    "services": ["spravato_drug"],
                    "patient_pays_per_session": "10",
                    "annual_max": "7150",
                }
            ]
            if v2:
                s["savings_programs"].append(
                    {
                        "name": "withMe observation rebate",
                        "services": ["spravato_observation"],
                        "annual_max": "1000",
                        "excluded_states": ["MA", "MI", "MN", "RI"],
                    }
                )
    if rng.random() < 0.3:
        s["accounts"] = {"hsa_available": "2000", "federal_rate_pct": "22"}
    if rng.random() < 0.3:
        s["travel"] = {"round_trip_miles": "24"}
    if rng.random() < 0.3:
        s["financing"] = {"apr_pct": "19.99", "months": 12}
    if i % 50 == 0:
        s["fees"] = "not a list"  # some invalid lines, as in real batches
    return s


def bench_one(repeats: int) -> None:
    scenario = scenario_from_data(full_featured())
    result = estimate(scenario)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        estimate(scenario)
        times.append(time.perf_counter() - t)
    text = json.dumps(full_featured())
    full = []
    for _ in range(repeats):
        t = time.perf_counter()
        result_to_json(estimate(scenario_from_json(text)))
        full.append(time.perf_counter() - t)
    print(
        f"one estimate ({result.totals.sessions} sessions, {sum(len(s.lines) for s in result.sessions)} lines, "
        f"all features): median {statistics.median(times) * 1000:.3f} ms "
        f"(target < 2 ms); with JSON parse + result JSON: {statistics.median(full) * 1000:.3f} ms"
    )


def bench_jsonl(count: int) -> None:
    rng = random.Random(20261123)
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as fh:
        for i in range(count):
            fh.write(json.dumps(mixed(rng, i)) + "\n")
        path = fh.name
    try:
        t = time.perf_counter()
        with open(path, "rb") as stdin:
            proc = subprocess.run(
                [sys.executable, "-m", "estimator", "estimate", "--jsonl"],
                stdin=stdin,
                capture_output=True,
                cwd=ROOT,
                check=True,
            )
        wall = time.perf_counter() - t
    finally:
        os.unlink(path)
    lines = proc.stdout.decode().splitlines()
    errors = sum(1 for ln in lines if ln.startswith('{"errors"'))
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"--jsonl {count:,} mixed scenarios: {wall:.2f} s wall, {len(lines):,} lines out ({errors} invalid), "
        f"peak RSS of the largest child so far {peak_mb:.0f} MB"
    )


def bench_jsonl_heap(counts: tuple[int, int] = (1_000, 10_000)) -> None:
    """Peak Python heap while streaming --jsonl in process: flat if nothing accumulates per scenario."""
    import io
    import tracemalloc

    from estimator.cli import run_jsonl

    class Sink(io.RawIOBase):
        def write(self, data: bytes) -> int:  # type: ignore[override]
            return len(data)

    class Lines(io.RawIOBase):
        """stdin as the CLI reads it (bytes, a line at a time), made as it is read so the input takes no memory."""

        def __init__(self, lines: Any) -> None:
            self._lines = lines

        def readline(self, size: int | None = -1) -> bytes:  # type: ignore[override]
            return next(self._lines, b"")

    rng = random.Random(7)
    peaks = []
    for count in counts:
        lines = ((json.dumps(mixed(rng, i)) + "\n").encode() for i in range(count))
        tracemalloc.start()
        run_jsonl(Lines(lines), Sink())  # type: ignore[arg-type]
        peaks.append(tracemalloc.get_traced_memory()[1] / 1e6)
        tracemalloc.stop()
    print(f"--jsonl heap: peak {peaks[0]:.2f} MB over {counts[0]:,} scenarios, {peaks[1]:.2f} MB over {counts[1]:,}")


HEADLINE = "[data-testid='stMetricValue']"  # the first one on either page: "You pay"
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
PAGES = {"Estimate page": "app.py", "bare page": "scripts/bench_bare_page.py"}
WEEKS = ("1", "2")  # both change the headline on both pages (the Estimate page opens on six IV infusions)

# Installed before the page's own scripts: the time since navigation started (performance.now()) at which the
# headline is first in the DOM with its text, and visible.
LOAD_JS = f"""(() => {{
  const seen = () => {{
    const el = document.querySelector("{HEADLINE}");
    if (!el || !el.textContent.trim() || (el.checkVisibility && !el.checkVisibility())) return false;
    window.__headlineAt = performance.now();
    return true;
  }};
  const watch = new MutationObserver(() => {{ if (seen()) watch.disconnect(); }});
  // attributes too: the headline may be in the DOM before a style or class change shows it
  watch.observe(document, {{ subtree: true, childList: true, characterData: true, attributes: true }});
}})()"""

# Armed before each Enter: the keydown (capture phase, before Streamlit's own handler sees it) starts the clock,
# and the first DOM change after which the headline reads the expected text stops it.
ARM_JS = f"""(expected) => {{
  window.__t0 = window.__t1 = undefined;
  if (!window.__enterClock) {{
    window.__enterClock = true;
    window.addEventListener("keydown", (e) => {{
      if (e.key === "Enter" && window.__t0 === undefined) window.__t0 = performance.now();
    }}, true);
  }}
  const watch = new MutationObserver(() => {{
    const el = document.querySelector("{HEADLINE}");
    if (window.__t0 !== undefined && el && el.textContent === expected) {{
      window.__t1 = performance.now();
      watch.disconnect();
    }}
  }});
  watch.observe(document.body, {{ subtree: true, childList: true, characterData: true }});
}}"""


def _settle(page: Any) -> None:
    """Wait until the script run is over and no other run follows at once (the page may ask for one more)."""
    for _ in range(2):
        page.wait_for_selector(IDLE, state="attached", timeout=60_000)
        page.wait_for_timeout(150)
    page.wait_for_selector(IDLE, state="attached", timeout=60_000)


def _first_load_ms(browser: Any, url: str) -> float:
    """Navigation to the headline visible, in a fresh browser context (no cache, no session)."""
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
    try:
        ctx.add_init_script(LOAD_JS)
        page = ctx.new_page()
        page.goto(url + "/")
        try:
            page.wait_for_function("() => window.__headlineAt !== undefined", timeout=60_000)
        except Exception as e:
            shown = page.locator(HEADLINE).count(), page.inner_text("body")[-600:]
            raise RuntimeError(f"no headline at {url} within 60 s: {shown}") from e
        return float(page.evaluate("window.__headlineAt"))
    finally:
        ctx.close()


class _EnterClock:
    """One page kept open on one app, its "Weeks to estimate" changed again and again.

    Opening it warms it up and learns the headline each of the two values gives (two changes, not timed), so a
    timed change waits for exactly that text: never for a half-drawn or stale figure."""

    def __init__(self, browser: Any, url: str) -> None:
        self.ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
        self.page = page = self.ctx.new_page()
        page.goto(url + "/")
        page.wait_for_selector(HEADLINE, timeout=60_000)
        _settle(page)
        self.field = page.locator(".st-key-weeks input")
        self.expected: dict[str, str] = {}
        for value in WEEKS:
            before = page.locator(HEADLINE).first.text_content()
            self.field.fill(value)
            self.field.press("Enter")
            page.wait_for_function(
                f'(b) => document.querySelector("{HEADLINE}")?.textContent !== b', arg=before, timeout=60_000
            )
            _settle(page)
            self.expected[value] = page.locator(HEADLINE).first.text_content() or ""
        if self.expected[WEEKS[0]] == self.expected[WEEKS[1]]:
            raise RuntimeError(f"weeks {WEEKS} give the same headline {self.expected[WEEKS[0]]} at {url}")

    def change_ms(self, i: int) -> float:
        """Type the other value and press Enter: ms from the Enter keydown to the new headline in the DOM."""
        value = WEEKS[i % 2]
        self.field.fill(value)
        self.page.evaluate(ARM_JS, self.expected[value])
        self.field.press("Enter")
        self.page.wait_for_function("() => window.__t1 !== undefined", timeout=60_000)
        ms = float(self.page.evaluate("window.__t1 - window.__t0"))
        _settle(self.page)
        return ms


def bench_browser(changes: int = 12, loads: int = 6) -> None:
    """Enter-to-headline and first load on the Estimate page against a bare page (scripts/bench_bare_page.py).

    Both apps run in this run with this Streamlit, the app's .streamlit/config.toml and the same server flags,
    and are warmed up alike (one load and two changes each, not timed). They are timed one after the other, in
    turns (A B, then B A): on a shared machine whose speed drifts a busy moment then falls on both pages alike,
    where timing one page's whole series and then the other's would put it on one page only.
    """
    from scripts.localapp import CHROMIUM, launch_chromium, running_app

    if not Path(CHROMIUM).exists():
        print("browser figures: skipped (no /usr/bin/chromium)")
        return
    from playwright.sync_api import sync_playwright

    names = list(PAGES)
    enter: dict[str, list[float]] = {name: [] for name in names}
    load: dict[str, list[float]] = {name: [] for name in names}

    def turns(i: int) -> list[str]:
        return names if i % 2 == 0 else names[::-1]

    with (
        running_app(script=PAGES[names[0]]) as url0,
        running_app(script=PAGES[names[1]]) as url1,
        sync_playwright() as pw,
    ):
        urls = dict(zip(names, (url0, url1), strict=True))
        browser: Any = launch_chromium(pw)
        try:
            for name in names:
                _first_load_ms(browser, urls[name])  # a just-started server's first visit: not counted
            for i in range(loads):
                for name in turns(i):
                    load[name].append(_first_load_ms(browser, urls[name]))
            clocks = {name: _EnterClock(browser, urls[name]) for name in names}
            for i in range(changes):
                for name in turns(i):
                    enter[name].append(clocks[name].change_ms(i))
        finally:
            browser.close()
    est, bare = "Estimate page", "bare page"
    e_est, e_bare = statistics.median(enter[est]), statistics.median(enter[bare])
    l_est, l_bare = statistics.median(load[est]), statistics.median(load[bare])

    def spread(ts: list[float]) -> str:
        return f"{min(ts):.0f}-{max(ts):.0f}"

    print(
        f"browser, Enter in 'Weeks to estimate' to the new 'You pay' in the DOM (headless Chromium, median of "
        f"{changes} changes, in-page performance.now()): Estimate page {e_est:.0f} ms (range {spread(enter[est])}), "
        f"bare page {e_bare:.0f} ms (range {spread(enter[bare])}); ratio {e_est / e_bare:.2f} (target <= 2.0)"
    )
    print(
        f"browser, first load to the headline visible (fresh context each, median of {loads}): Estimate page "
        f"{l_est:.0f} ms (range {spread(load[est])}), bare page {l_bare:.0f} ms (range {spread(load[bare])}); "
        f"ratio {l_est / l_bare:.2f} (target <= 1.5; < 3 s absolute)"
    )


def machine_speed() -> str:
    """Median time of a fixed pure-Python loop: a rough sign of how fast the machine is just now."""

    def loop() -> float:
        t = time.perf_counter()
        total = 0
        for i in range(1_000_000):
            total += i * i
        return time.perf_counter() - t

    ms = statistics.median(loop() for _ in range(5)) * 1000
    return f"machine speed: a fixed 1,000,000-step Python loop takes {ms:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and 1,000 jsonl lines only")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]} on {os.cpu_count()} cores; {machine_speed()}")
    bench_one(200 if args.quick else 1000)
    bench_jsonl(1_000)
    if not args.quick:
        bench_jsonl(10_000)
        bench_jsonl_heap()
    bench_browser(*((10, 3) if args.quick else (12, 6)))
    batch = ROOT / "scripts" / "bench_batch.py"
    if batch.exists():
        subprocess.run([sys.executable, str(batch)], cwd=ROOT, check=False)
    rollover = ROOT / "scripts" / "bench_rollover.py"  # issue 19: 5,000 patients re-quoted on SQLite
    if rollover.exists():
        subprocess.run([sys.executable, str(rollover), *(["1000"] if args.quick else [])], cwd=ROOT, check=False)
    print(f"at the end, {machine_speed()}")


if __name__ == "__main__":
    main()
