#!/usr/bin/env python3
"""Set-up and the everyday jobs in one file that needs nothing but Python 3.11+.

    python3 run.py serve   # venv + packages, build index/ from seeds/ if missing, serve the web UI
    python3 run.py test    # venv + packages + Chromium, then lint and the whole test suite

Other commands: ``bench`` (benchmarks), ``eval`` (search-quality evaluation),
``load`` (the load test on the 75k-article corpus), ``lint``. Extra arguments are passed on (to ``xunwen serve`` or pytest).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
STAMP = VENV / ".xunwen-installed"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


def sh(*command: str | Path, **kwargs) -> None:
    print("+", " ".join(map(str, command)), flush=True)
    subprocess.run([str(part) for part in command], check=True, cwd=ROOT, **kwargs)


def ensure_venv(extras: str = "") -> None:
    """Create .venv and install the project (editable) unless already done."""
    # setup.py and the C source too: a changed search/_speedups.c is built again.
    built_from = [ROOT / "setup.cfg", ROOT / "setup.py", ROOT / "search" / "_speedups.c"]
    wanted = hashlib.sha1(b"".join(path.read_bytes() for path in built_from) + extras.encode()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not PYTHON.exists():
        sh(sys.executable, "-m", "venv", VENV)
    sh(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    target = f".[{extras}]" if extras else "."
    sh(PYTHON, "-m", "pip", "install", "--quiet", "-e", target)
    STAMP.write_text(wanted)


# Without a CJK font Debian's Chromium draws every Chinese character as a box,
# so a rendering fault in a browser test or screenshot could not be seen.
CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def ensure_chromium() -> None:
    """Debian's chromium, chromium-driver and fonts-noto-cjk for the browser tests
    (each installed only if it is missing)."""
    wanted = [] if CHROMIUM.exists() and CHROMEDRIVER.exists() else ["chromium", "chromium-driver"]
    if not CJK_FONT.exists():
        wanted.append("fonts-noto-cjk")
    if not wanted:
        return
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        print(f"run.py: {' '.join(wanted)} missing and apt-get unavailable (or not root): "
              "browser tests will skip or show boxes for Chinese")  # fmt: skip
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    sh("apt-get", "update", "-qq", env=env)
    sh("apt-get", "install", "-y", "-qq", *wanted, env=env)


def serve(args: list[str]) -> None:
    ensure_venv()
    # ``-m web.cli``, not .venv/bin/xunwen: the console script of an older
    # install may still point at the library's command.
    os.execv(PYTHON, [str(PYTHON), "-m", "web.cli", "serve", "--build-from", str(ROOT / "seeds"), *args])


def test(args: list[str]) -> None:
    """Lint (``ruff check``, ``ruff format --check``), then the whole test suite."""
    ensure_venv("test")
    ensure_chromium()
    linted = [subprocess.run([str(VENV / "bin" / "ruff"), *command, *LINTED], cwd=ROOT).returncode
              for command in (["check"], ["format", "--check"])]  # fmt: skip
    result = subprocess.run([str(PYTHON), "-m", "pytest", *args], cwd=ROOT)
    sys.exit(result.returncode or max(linted))


def bench(args: list[str]) -> None:
    ensure_venv("test")
    # bench_scale.py builds indexes of 75k+ generated articles (tens of minutes): run it on its own.
    for script in sorted(set((ROOT / "bench").glob("bench_*.py")) - {ROOT / "bench" / "bench_scale.py"}):
        sh(PYTHON, script, *args)


def evaluate(args: list[str]) -> None:
    ensure_venv("test")
    sh(PYTHON, ROOT / "bench" / "eval_ranking.py", *args)


def load(args: list[str]) -> None:
    """The load test (issue 6) on the 75k-article corpus; builds its index first if missing."""
    ensure_venv("test")
    corpus = ROOT.parent / "shared" / "corpus" / "xwlb.jsonl.gz"
    index_dir = Path(os.environ.get("XUNWEN_LOAD_INDEX", "/tmp/xunwen-bench/xwlb"))
    if not list(index_dir.glob("_xunwen_*.toc")):
        if not corpus.exists():
            sys.exit(f"run.py: {corpus} is missing; the load test needs it")
        sh(PYTHON, "-m", "search.cli", "index", "--index-dir", index_dir, corpus)
    sh(PYTHON, ROOT / "bench" / "load_test.py", "--index-dir", index_dir, *args)


LINTED = ("search", "web", "tests", "bench", "scripts", "run.py", "setup.py")


def lint(args: list[str]) -> None:
    """``ruff check`` and ``ruff format --check``: both must pass."""
    ensure_venv("test")
    sh(VENV / "bin" / "ruff", "check", *LINTED, *args)
    sh(VENV / "bin" / "ruff", "format", "--check", *LINTED)


COMMANDS = {"serve": serve, "test": test, "bench": bench, "eval": evaluate, "load": load, "lint": lint}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        sys.exit(2)
    COMMANDS[sys.argv[1]](sys.argv[2:])
