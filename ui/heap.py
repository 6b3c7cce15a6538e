"""Freeze the server's startup heap once, so Streamlit's garbage collection after every script run stays cheap.

Streamlit runs a full collection after each run (`runner.postScriptGC`, on by default): with this app's modules
loaded (pandas, pyarrow, SQLAlchemy, fpdf2, pydantic) that walked about 100 ms of objects that never become
garbage, and the estimate waited behind it. `gc.freeze()` moves everything alive at startup out of the
collector's reach, so the collection after a run walks only what the sessions made since.
"""

from __future__ import annotations

import gc

_frozen = False


def freeze_startup_heap() -> bool:
    """Import what the pages use, collect once, then freeze; later calls do nothing. True when this call froze."""
    global _frozen
    if _frozen:
        return False
    import ui.estimate_view  # noqa: F401  the default page's body and what it brings (pandas, pyarrow): frozen too

    gc.collect()
    gc.freeze()
    _frozen = True
    return True
