"""What happens to an unexpected error on a page: the person sees a plain message, the server log sees where it
happened and its type, and never its message (which can quote a patient's name, a diagnosis or an amount)."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from pathlib import Path

import streamlit as st

LOG = logging.getLogger("estimator.app")
ROOT = Path(__file__).resolve().parent.parent


def _ours(filename: str) -> bool:
    """A file of the project's own (not a library installed in its virtual environment)."""
    path = Path(filename).resolve()
    return path.is_relative_to(ROOT) and "site-packages" not in path.parts


def where(error: BaseException) -> str:
    """The error's type and the innermost line of the project's own code it passed through, without its message."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if _ours(f.filename)] or frames
    if not ours:
        return type(error).__name__
    last = ours[-1]
    try:
        name = Path(last.filename).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        name = Path(last.filename).name
    return f"{type(error).__name__} in {last.name} ({name}:{last.lineno})"


class _Redact(logging.Filter):
    """Streamlit logs an error raised in a widget's callback (which runs before the page, outside `run_safely`)
    with the whole exception: keep the record, but with `where` in place of the exception and its arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            record.msg = f"{record.msg} ({where(record.exc_info[1])}; details withheld)"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


_REDACT = _Redact()


def redact_streamlit_logs() -> None:
    """Put the redacting filter on every Streamlit logger there is (each logs on its own, without propagating)."""
    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        if name.startswith("streamlit") and isinstance(logger, logging.Logger) and _REDACT not in logger.filters:
            logger.addFilter(_REDACT)


def run_safely(page: Callable[[], object]) -> None:
    """Run a page; an unexpected error is logged as `where` and shown as a plain message instead of Streamlit's
    error box (Streamlit's own stop and rerun signals are not errors and pass through)."""
    try:
        page()
    except Exception as error:
        LOG.error("page error: %s", where(error))
        st.error(
            "Something went wrong on this page. Your inputs are kept for this session: reload the page, and if it "
            "happens again, save your estimate from another page or start again.",
            icon=":material/error:",
        )
