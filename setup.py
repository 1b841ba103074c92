"""The one compiled part of xunwen: the per-word loops of indexing (``search/speedups.py``).

Everything else is in ``setup.cfg``. ``optional=True``: without a C compiler the
build is skipped and the same code runs in Python.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("search._speedups", ["search/_speedups.c"], optional=True)])
