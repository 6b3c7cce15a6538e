"""Freeze the server's startup heap once, so Streamlit's garbage collection after every script run stays cheap.

Streamlit collects after each run (`runner.postScriptGC`); with pandas, pyarrow, SQLAlchemy, fpdf2 and pydantic
loaded, that walked about 100 ms of objects that never become garbage. Frozen (`gc.freeze()`), they are
skipped, and the collection walks only what sessions made since.
"""

from __future__ import annotations

import gc
import threading

_lock = threading.Lock()
_frozen = False


def freeze_startup_heap() -> bool:
    """Import what the pages use, collect once, then freeze; later calls do nothing. True when this call froze."""
    global _frozen
    with _lock:  # two sessions' first runs may arrive together: one freezes, the other waits and skips
        if _frozen:
            return False
        import ui.estimate_view  # noqa: F401  the default page's body and what it brings (pandas, pyarrow)

        gc.collect()
        gc.freeze()
        _frozen = True
        return True
