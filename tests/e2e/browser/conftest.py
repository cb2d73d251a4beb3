"""The browser tests' package: one Chromium (Debian's, via Playwright) and the 西湖区 staff."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.e2e.browser.steps import CHROMIUM, App, create_county_staff
from tests.e2e.conftest import DemoPlatform


# Package scope: Playwright's sync API keeps an event loop running in this thread while
# it is open, which would refuse every asyncio test that runs after the browser tests.
@pytest.fixture(scope="package")
def app(demo_platform: DemoPlatform) -> Iterator[App]:
    if not Path(CHROMIUM).exists():
        message = f"the browser tests need Chromium at {CHROMIUM}: apt-get install -y chromium fonts-noto-cjk"
        if os.environ.get("MGOV_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    clerk, approver = create_county_staff(demo_platform)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield App(demo_platform, browser, clerk, approver)
        finally:
            browser.close()


