"""The per-word loops of indexing in C, when they were built (``search/_speedups.c``).

``SPEEDUPS`` is the compiled module, or ``None``: where it was not built (no C
compiler when the project was installed), where it was built from another version
of the file, or with ``XUNWEN_PURE_PYTHON=1``. Then the Python code it replaces
runs instead, with the same results byte for byte. Every caller reads it here at
each call (``speedups.SPEEDUPS``), so one switch (``pure_python()``, or a test's
monkeypatch) turns all of them to Python at once. ``setup.py`` builds it
(``optional=True``: a failed build leaves the Python path); ``run.py`` installs
again whenever the C file changes.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator
from types import ModuleType

PURE_PYTHON_VARIABLE = "XUNWEN_PURE_PYTHON"
# What this Python code calls, and the C file's VERSION it was written against (raised with
# any change of what a function does): an extension built from an older C file (the source
# changed, ``pip install -e .`` not run again) is not used, rather than failing every document.
FUNCTIONS = ("word_postings", "encode_positions", "add_positions", "translate", "minhash", "keyword_counts",
             "find_names", "gram_keys")  # fmt: skip
VERSION = 3


def _load() -> ModuleType | None:
    if os.environ.get(PURE_PYTHON_VARIABLE, "") not in ("", "0"):
        return None
    try:
        from search import _speedups
    except ImportError:
        return None
    if getattr(_speedups, "VERSION", None) != VERSION or not all(
        hasattr(_speedups, name) for name in FUNCTIONS
    ):
        warnings.warn("search/_speedups.c was built from another version of the file: indexing runs "
                      "in Python, slower, until `pip install -e .` builds it again", stacklevel=2)  # fmt: skip
        return None
    return _speedups


SPEEDUPS = _load()


@contextlib.contextmanager
def pure_python() -> Iterator[None]:
    """The Python code everywhere inside the block (the bench's A/B; tests use monkeypatch),
    in this process and in the indexing workers it forks."""
    global SPEEDUPS
    before, SPEEDUPS = SPEEDUPS, None
    try:
        yield
    finally:
        SPEEDUPS = before
