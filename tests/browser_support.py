"""What the browser tests share: Debian's Chromium driven by Selenium, and the
real app under waitress on a free port of 127.0.0.1.

The Service path is always given, so Selenium Manager never downloads a
browser; the flags keep Chromium off the network (the machine has none) and
out of the way of other runs.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_ARGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update "
    "--disable-sync --no-first-run --disable-dev-shm-usage --window-size=1280,900"
).split()
HAVE_CHROMIUM = CHROMIUM.exists() and CHROMEDRIVER.exists()


@contextmanager
def live_app(index_dir, threads: int = 4) -> Iterator[str]:
    """The app on ``index_dir`` under waitress, on a free port of 127.0.0.1: its base URL."""
    from waitress.server import create_server

    from web import create_app

    wsgi = create_server(create_app({"INDEX_DIR": str(index_dir)}), host="127.0.0.1", port=0, threads=threads)
    thread = threading.Thread(target=wsgi.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{wsgi.effective_port}"
    finally:
        wsgi.close()
        thread.join(timeout=5)


@contextmanager
def chromium() -> Iterator:
    """A headless Chromium with a profile of its own, removed afterwards."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="xunwen-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (*CHROMIUM_ARGS, f"--user-data-dir={profile}"):
        options.add_argument(argument)
    browser = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    browser.implicitly_wait(2)
    try:
        yield browser
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)
