"""Headless Chromium for the browser tests (Debian's chromium driven by Playwright). With
CROSSCHECK_REQUIRE_BROWSER=1 (set by .ci/run, which installs Chromium) a missing browser fails the
test instead of skipping it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REQUIRED = os.environ.get("CROSSCHECK_REQUIRE_BROWSER") == "1"

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover
    sync_playwright = None


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None or sync_playwright is None:
        if REQUIRED:
            pytest.fail("Chromium and playwright are required here (CROSSCHECK_REQUIRE_BROWSER=1)")
        pytest.skip("needs Debian's chromium and the playwright package")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield b
        b.close()
