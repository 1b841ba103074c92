"""The one compiled part of xunwen: the per-word loops of indexing (``search/speedups.py``).

Everything else is in ``setup.cfg``. ``optional=True``: without a C compiler the
build is skipped and the same code runs in Python.
"""

from pathlib import Path

from setuptools import Extension, setup

# An extension built in place from an older search/_speedups.c goes first: if this build
# fails (it is optional), the Python code runs, not the stale build; and the new build is a
# new file, so a process still running the old one keeps reading the file it mapped.
for built in (Path(__file__).resolve().parent / "search").glob("_speedups.*"):
    if built.suffix in (".so", ".pyd"):
        built.unlink()

setup(ext_modules=[Extension("search._speedups", ["search/_speedups.c"], optional=True)])
