"""Run the app on a free loopback port and launch the system Chromium: shared by the browser tests and the bench."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying hosts this closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_app(timeout: float = 60, script: str = "app.py") -> Iterator[str]:
    """`streamlit run app.py` on 127.0.0.1 and a free port; yields its URL and stops it afterwards.

    `script` (relative to the project root) runs another page the same way: from the root, so with the app's own
    .streamlit/config.toml and the same server flags (the benchmark's bare page).
    """
    with running_app_process(timeout, script) as (url, _):
        yield url


@contextmanager
def running_app_process(
    timeout: float = 60,
    script: str = "app.py",
    env: Mapping[str, str | None] | None = None,
    log: Path | None = None,
) -> Iterator[tuple[str, int]]:
    """As `running_app`, yielding the server's process id too (a test pauses it to play a busy server).

    `env` overrides the server's environment (a None value unsets a variable): the tests point the clinic store
    at a temporary database this way, never at the user's own. With `log`, everything the server prints at the
    info level goes to that file (a test reads it for what must never be logged)."""
    port = free_port()
    env = {**os.environ, **(env or {}), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", "PYTHONPATH": str(ROOT)}
    env = {k: v for k, v in env.items() if v is not None}
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        script,
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
    ]
    if log is None:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    else:
        with log.open("wb") as sink:
            command += ["--logger.level", "info"]
            proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    err = proc.stderr.read().decode() if proc.stderr and proc.poll() is not None else ""
                    err = log.read_text() if log is not None else err
                    raise RuntimeError("streamlit did not start: " + err) from None
                time.sleep(0.3)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def launch_chromium(playwright: object) -> object:
    """Headless system Chromium (never a browser downloaded by Playwright)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)  # type: ignore[attr-defined]
