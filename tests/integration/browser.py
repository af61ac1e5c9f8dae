"""Headless Chromium driven by Selenium, with the flags this closed machine needs."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = os.environ.get("CSPULSE_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CSPULSE_CHROMEDRIVER", shutil.which("chromedriver") or "/usr/bin/chromedriver")
# Without the background-networking flags Chromium phones home, which a closed network refuses.
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1600,900",
)  # fmt: skip


@contextmanager
def chromium() -> Iterator[webdriver.Chrome]:
    profile = tempfile.mkdtemp(prefix="cspulse-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def artifacts_dir(fallback: Path) -> Path:
    """Where screenshots go: $CSPULSE_TEST_ARTIFACTS if set (CI keeps it), else `fallback`."""
    out = Path(os.environ.get("CSPULSE_TEST_ARTIFACTS") or fallback)
    out.mkdir(parents=True, exist_ok=True)
    return out
