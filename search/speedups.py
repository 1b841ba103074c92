"""The per-word loops of indexing in C, when they were built (``search/_speedups.c``).

``SPEEDUPS`` is the compiled module, or ``None``: where it was not built (no C
compiler when the project was installed) or ``XUNWEN_PURE_PYTHON=1`` is set
(for the tests that hold the two equal, and for A/B runs), the Python code it
replaces runs instead, with the same results byte for byte. ``setup.py``
builds it (``optional=True``: a failed build leaves the Python path).
"""

from __future__ import annotations

import os
from types import ModuleType

PURE_PYTHON_VARIABLE = "XUNWEN_PURE_PYTHON"


def _load() -> ModuleType | None:
    if os.environ.get(PURE_PYTHON_VARIABLE, "") not in ("", "0"):
        return None
    try:
        from search import _speedups
    except ImportError:
        return None
    return _speedups


SPEEDUPS = _load()
